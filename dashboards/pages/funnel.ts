import type { PageInput, PanelInput } from '../../lib/dashboards/panel-spec.ts';

/** Conversion (purchasing sessions over sessions) as this shop runs it: about 30% is usual. */
const conversion: NonNullable<PanelInput['thresholds']> = {
  base: 'red',
  steps: [
    { value: 0.15, color: 'yellow' },
    { value: 0.25, color: 'green' },
  ],
};

export const funnel: PageInput = {
  id: 'funnel',
  title: 'Funnel and products',
  description:
    'Where sessions drop out on the way to a purchase, by device and country, what sells, and which traffic sources and campaigns bring the orders.',
  panels: [
    {
      id: 'funnel-by-device',
      title: 'Funnel by device',
      description:
        'Share of each device’s sessions that viewed a product, added one to the cart and bought. The fall from one bar to the next of a device is its drop-off at that step.',
      visual: 'bar',
      unit: 'percent',
      decimals: 1,
      width: 10,
      height: 10,
      category: 'step',
      series: 'device_type',
      values: ['share_of_sessions'],
    },
    {
      id: 'funnel-by-country',
      title: 'Funnel by country',
      description:
        'Sessions reaching each step per country, biggest market first, with the step rates (view → cart, cart → purchase, conversion) and the sessions lost at each step (viewed without a cart, abandoned carts).',
      visual: 'table',
      unit: 'count',
      thresholds: conversion,
      width: 14,
      height: 10,
      columns: [
        { name: 'country', title: 'Country' },
        { name: 'sessions', title: 'Sessions' },
        { name: 'view_sessions', title: 'Viewed' },
        { name: 'cart_sessions', title: 'Carted' },
        { name: 'purchase_sessions', title: 'Bought' },
        { name: 'view_to_cart_rate', title: 'View → cart', unit: 'percent' },
        { name: 'cart_to_purchase_rate', title: 'Cart → purchase', unit: 'percent' },
        { name: 'conversion_rate', title: 'Conversion', unit: 'percent', colored: true },
        { name: 'drop_off_view_to_cart', title: 'Viewed, no cart' },
        { name: 'drop_off_cart_to_purchase', title: 'Abandoned carts' },
      ],
    },
    {
      id: 'top-products',
      title: 'Top products',
      description:
        'The ten products with the most revenue in the range, with units sold, orders, page views, add-to-carts and view → cart (add-to-carts per page view; above 100% when shoppers re-add without viewing again).',
      visual: 'table',
      unit: 'count',
      width: 14,
      height: 10,
      columns: [
        { name: 'product_name', title: 'Product' },
        { name: 'category', title: 'Category' },
        { name: 'revenue', title: 'Revenue', unit: 'currency' },
        { name: 'units_sold', title: 'Units' },
        { name: 'orders', title: 'Orders' },
        { name: 'views', title: 'Views' },
        { name: 'carts', title: 'Carts' },
        { name: 'view_to_cart_rate', title: 'View → cart', unit: 'percent' },
      ],
    },
    {
      id: 'top-categories',
      title: 'Revenue by category',
      description:
        'Revenue per product category in the range, highest first: where the money comes from.',
      visual: 'bar',
      unit: 'currency',
      horizontal: true,
      width: 10,
      height: 10,
      category: 'category',
      values: ['revenue'],
      labels: { revenue: 'Revenue' },
    },
    {
      id: 'channels',
      title: 'Traffic sources',
      description:
        'Sessions, orders and revenue per traffic source in the range, with conversion (purchasing sessions over sessions), AOV and revenue per session. Sessions count for the source they started from, orders for the source of their first line.',
      visual: 'table',
      unit: 'count',
      thresholds: conversion,
      width: 12,
      height: 8,
      columns: [
        { name: 'traffic_source', title: 'Source' },
        { name: 'sessions', title: 'Sessions' },
        { name: 'orders', title: 'Orders' },
        { name: 'revenue', title: 'Revenue', unit: 'currency' },
        { name: 'conversion_rate', title: 'Conversion', unit: 'percent', colored: true },
        { name: 'aov', title: 'AOV', unit: 'currency' },
        { name: 'revenue_per_session', title: 'Revenue / session', unit: 'currency' },
      ],
    },
    {
      id: 'campaigns',
      title: 'Top campaigns',
      description:
        'The ten campaigns with the most revenue in the range, with their traffic source, sessions, orders, conversion and AOV. Traffic without a campaign is in Traffic sources only.',
      visual: 'table',
      unit: 'count',
      thresholds: conversion,
      width: 12,
      height: 8,
      columns: [
        { name: 'campaign_id', title: 'Campaign' },
        { name: 'traffic_source', title: 'Source' },
        { name: 'sessions', title: 'Sessions' },
        { name: 'orders', title: 'Orders' },
        { name: 'revenue', title: 'Revenue', unit: 'currency' },
        { name: 'conversion_rate', title: 'Conversion', unit: 'percent', colored: true },
        { name: 'aov', title: 'AOV', unit: 'currency' },
      ],
    },
  ],
};
