import type { PageInput } from '../../lib/dashboards/panel-spec.ts';

const tile = { query: 'kpis', visual: 'stat', width: 6, height: 4 } as const;

export const overview: PageInput = {
  id: 'overview',
  title: 'Overview',
  description:
    'Sales at a glance: the headline numbers against the period before, and when they were made.',
  panels: [
    {
      ...tile,
      id: 'revenue',
      title: 'Revenue',
      description:
        'Revenue of the orders placed in the range; the change is against as many days just before it.',
      unit: 'currency',
      value: 'revenue',
      delta: 'revenue_change',
    },
    {
      ...tile,
      id: 'orders',
      title: 'Orders',
      description: 'Orders placed in the range; the change is against as many days just before it.',
      unit: 'count',
      value: 'orders',
      delta: 'orders_change',
    },
    {
      ...tile,
      id: 'aov',
      title: 'Average order value',
      description:
        'Revenue per order in the range; the change is against as many days just before it.',
      unit: 'currency',
      value: 'aov',
      delta: 'aov_change',
    },
    {
      ...tile,
      id: 'conversion',
      title: 'Conversion',
      description:
        'Sessions with a purchase over all sessions in the range; the change is against as many days just before it.',
      unit: 'percent',
      decimals: 2,
      value: 'conversion_rate',
      delta: 'conversion_change',
    },
    {
      id: 'revenue-by-day',
      title: 'Revenue by day',
      description:
        'Daily revenue with its trailing mean; points mark the days whose z-score against the days before is 2.5 or more either way (revenue_anomalies).',
      visual: 'timeseries',
      unit: 'currency',
      width: 14,
      height: 9,
      time: 'time',
      values: ['revenue', 'trailing_mean'],
      marks: 'anomaly',
      labels: { revenue: 'Revenue', trailing_mean: 'Trailing mean', anomaly: 'Anomaly' },
      colors: { revenue: 'blue', trailing_mean: 'gray', anomaly: 'red' },
    },
    {
      id: 'hourly-sales',
      title: 'Sales by hour of day',
      description: 'Revenue by UTC hour, summed over the days in the range.',
      visual: 'bar',
      unit: 'currency',
      width: 10,
      height: 9,
      category: 'hour',
      values: ['revenue'],
      labels: { revenue: 'Revenue' },
    },
  ],
};
