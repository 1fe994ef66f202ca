import type { PageInput } from '../../lib/dashboards/panel-spec.ts';

const tile = { query: 'customer-counts', visual: 'stat', width: 6, height: 4 } as const;

export const customers: PageInput = {
  id: 'customers',
  title: 'Customers',
  description:
    'Who the buyers are: RFM segments and how customers move between them, where lifetime value concentrates, and the cart abandoners most worth a reminder.',
  panels: [
    {
      ...tile,
      id: 'customer-count',
      title: 'Customers',
      description:
        'Buyers with at least one order on or before the last day of the range (the newest RFM snapshot up to it).',
      unit: 'count',
      value: 'customers',
    },
    {
      ...tile,
      id: 'new-customers',
      title: 'New customers',
      description: 'Buyers whose first order falls in the range.',
      unit: 'count',
      value: 'new_customers',
    },
    {
      ...tile,
      id: 'revenue-per-customer',
      title: 'Lifetime revenue per customer',
      description:
        'Revenue of every order so far per customer, as of the last day of the range (the newest RFM snapshot up to it).',
      unit: 'currency',
      value: 'revenue_per_customer',
    },
    {
      ...tile,
      id: 'hot-lead-count',
      title: 'Hot leads',
      description:
        'Cart abandoners who have not bought since, as of the newest day in the range that has leads (their carts of the 7 days up to it).',
      unit: 'count',
      value: 'hot_leads',
    },
    {
      id: 'rfm-segments',
      title: 'RFM segments',
      description:
        'Customers and lifetime revenue per RFM segment at the newest snapshot in the range, best segments first, with each segment’s share and its average days since the last order, orders and revenue per customer.',
      visual: 'table',
      unit: 'number',
      width: 12,
      height: 10,
      columns: [
        { name: 'segment', title: 'Segment' },
        { name: 'customers', title: 'Customers', unit: 'count' },
        { name: 'customer_share', title: 'Of customers', unit: 'percent' },
        { name: 'revenue', title: 'Revenue', unit: 'currency' },
        { name: 'revenue_share', title: 'Of revenue', unit: 'percent' },
        { name: 'avg_recency_days', title: 'Days since order' },
        { name: 'avg_frequency', title: 'Orders' },
        { name: 'avg_monetary', title: 'Revenue / customer', unit: 'currency' },
      ],
    },
    {
      id: 'rfm-migration',
      title: 'Segment migration',
      description:
        'Customers per segment at the newest snapshot in the range, each bar split by the segment they were in at the snapshot before; (new) are first-time buyers since then. Parts of another segment than the bar’s are the customers who moved.',
      visual: 'bar',
      unit: 'count',
      horizontal: true,
      stack: true,
      width: 12,
      height: 10,
      category: 'to_segment',
      series: 'from_segment',
      values: ['customers'],
      colors: { '(new)': 'gray' },
    },
    {
      id: 'ltv-deciles',
      title: 'Lifetime value by decile',
      description:
        'Lifetime revenue of each tenth of buyers ranked by it, D1 the least valuable and D10 the most: how much the best customers carry. As of customer_ltv’s as_of_date (the newest order date), not the selected range.',
      visual: 'bar',
      unit: 'currency',
      width: 10,
      height: 9,
      category: 'decile',
      values: ['revenue'],
      labels: { revenue: 'Lifetime revenue' },
    },
    {
      id: 'hot-leads',
      title: 'Top hot leads',
      description:
        'The 20 cart abandoners most likely to come back, as of the newest day of the range with leads: a 0-100 score from how recent the abandoned cart is, cart adds, page views and the orders of the week before it.',
      visual: 'table',
      unit: 'count',
      thresholds: {
        base: 'blue',
        steps: [
          { value: 50, color: 'yellow' },
          { value: 75, color: 'orange' },
          { value: 90, color: 'red' },
        ],
      },
      width: 14,
      height: 9,
      columns: [
        { name: 'lead_rank', title: 'Rank' },
        { name: 'user_id', title: 'Customer' },
        { name: 'loyalty_tier', title: 'Tier' },
        { name: 'propensity_score', title: 'Score', unit: 'number', colored: true },
        { name: 'last_abandoned_at', title: 'Cart left at' },
        { name: 'abandoned_cart_adds', title: 'Cart adds' },
        { name: 'page_views', title: 'Page views' },
        { name: 'past_orders', title: 'Orders that week' },
        { name: 'past_revenue', title: 'Revenue that week', unit: 'currency' },
      ],
    },
  ],
};
