/**
 * The Gold marts daily_kpis, hourly_sales, funnel_daily, product_daily, category_daily and
 * channel_daily on a tiny hand-written shop (tests/helpers/shop-lake.ts), built with the
 * pipeline's own materializations from Bronze up. Every expected value below was worked out by
 * hand from the events listed here and the metric definitions in the models' comment blocks
 * (athena/models/gold/<mart>.sql); the comment next to a value says how. Nothing was pasted from
 * a run.
 *
 * Dates: D1 2026-11-20 and D2 2026-11-21 hold the shop; D3 2026-11-22 holds one page view, the
 * day with sessions and no orders and no carts (AOV, checkout and abandonment rates NULL).
 *
 * Values come back as DuckDB's JSON forms: BIGINT and DECIMAL as strings ('3', '45.00'),
 * INTEGER and DOUBLE as numbers, SQL NULL as null.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ShopLake,
  canonical,
  model,
  type Row,
  type ShopEvent,
  type ShopFixture,
} from '../helpers/shop-lake.ts';

const D1 = '2026-11-20';
const D2 = '2026-11-21';
const D3 = '2026-11-22';

const MARTS = [
  'daily_kpis',
  'hourly_sales',
  'funnel_daily',
  'product_daily',
  'category_daily',
  'channel_daily',
] as const;

// ---------------------------------------------------------------------------------------------
// The shop
// ---------------------------------------------------------------------------------------------

// Products as the events show them (price = what the shopper paid).
const LAMP = { product: 'p1', name: 'Desk Lamp', category: 'Home', price: 20 } as const;
const BALL = { product: 'p2', name: 'Ball', category: 'Toys', price: 5 } as const;
const MUG = { product: 'p3', name: 'Mug', category: 'Home', price: 8 } as const;
// Not in the product snapshot: its order line gets product_key '-1'.
const MYSTERY = { product: 'p9', name: 'Mystery box', category: 'Gifts', price: 12.51 } as const;

// Sessions: user, device, country, channel. A session's device, country and channel are those
// of its first event that day (fact_sessions); an order's channel is its own line's.
// u1: signed up 2025-01-01 (returning); u2: signed up on D1 (new on D1, returning on D2);
// u3: signed up on D2, first in D2's snapshot (new on D2); u4: not in the CRM (unknown).
const S1 = { session: 's1', user: 'u1', device: 'desktop', country: 'DE', source: 'organic' };
const S2 = {
  session: 's2',
  user: 'u2',
  device: 'mobile',
  country: 'DE',
  source: 'email',
  campaign: 'bf',
};
const S3 = { session: 's3', user: 'u4', device: 'mobile', country: 'FR', source: 'social' };
const S4 = {
  session: 's4',
  user: 'u1',
  device: 'desktop',
  country: 'DE',
  source: 'paid_search',
  campaign: 'bf',
};
// Crosses midnight: a page view late on D1, cart and purchase early on D2.
const S5 = { session: 's5', user: 'u2', device: 'tablet', country: 'DE', source: 'direct' };
const S6 = {
  session: 's6',
  user: 'u3',
  device: 'desktop',
  country: 'FR',
  source: 'email',
  campaign: 'cm',
};
const S7 = { session: 's7', user: 'u1', device: 'mobile', country: 'DE', source: 'organic' };
const S8 = { session: 's8', user: 'u4', device: 'mobile', country: 'FR', source: 'social' };
const S9 = { session: 's9', user: 'u1', device: 'desktop', country: 'DE', source: 'organic' };
const S10 = { session: 's10', user: 'u1', device: 'desktop', country: 'DE', source: 'organic' };

const EVENTS: ShopEvent[] = [
  // ---- D1 ----
  // s1 (u1): views and carts the lamp, buys 2 lamps and a ball in order o1 = 2 x 20 + 5 = 45.00.
  { id: 'd1-01', ts: `${D1}T09:10:00Z`, ...S1, ...LAMP },
  { id: 'd1-02', type: 'add_to_cart', ts: `${D1}T09:12:00Z`, ...S1, ...LAMP },
  {
    id: 'd1-03',
    type: 'purchase',
    ts: `${D1}T09:15:00Z`,
    ...S1,
    ...LAMP,
    quantity: 2,
    order: 'o1',
  },
  { id: 'd1-04', type: 'purchase', ts: `${D1}T09:15:00Z`, ...S1, ...BALL, order: 'o1' },
  // s2 (u2, email/bf): views and carts the lamp (now shown as 'Desk Lamp XL'), no purchase.
  { id: 'd1-05', ts: `${D1}T10:00:00Z`, ...S2, ...LAMP, name: 'Desk Lamp XL' },
  { id: 'd1-06', type: 'add_to_cart', ts: `${D1}T10:05:00Z`, ...S2, ...LAMP, name: 'Desk Lamp XL' },
  // s3 (u4, unknown customer): view, cart, remove, then buys the mug anyway: o2 = 8.00.
  { id: 'd1-07', ts: `${D1}T14:30:00Z`, ...S3, ...MUG },
  { id: 'd1-08', type: 'add_to_cart', ts: `${D1}T14:31:00Z`, ...S3, ...MUG },
  { id: 'd1-09', type: 'remove_from_cart', ts: `${D1}T14:33:00Z`, ...S3, ...MUG },
  { id: 'd1-10', type: 'purchase', ts: `${D1}T14:40:00Z`, ...S3, ...MUG, order: 'o2' },
  // s4 (u1, paid_search/bf): a purchase with no view and no cart, of an unknown product:
  // o3 = 12.51.
  { id: 'd1-11', type: 'purchase', ts: `${D1}T20:00:00Z`, ...S4, ...MYSTERY, order: 'o3' },
  // s9 (u1): views the ball only.
  { id: 'd1-12', ts: `${D1}T21:00:00Z`, ...S9, ...BALL },
  // s5 (u2): views the ball just before midnight.
  { id: 'd1-13', ts: `${D1}T23:50:00Z`, ...S5, ...BALL },
  // ---- D2 ----
  // s5 continues after midnight (written with a +01:00 offset: 00:05 and 00:10 UTC): carts 2
  // balls and buys them, o4 = 2 x 5 = 10.00. On D2 this session has no page view.
  {
    id: 'd2-01',
    type: 'add_to_cart',
    ts: `${D2}T01:05:00+01:00`,
    ...S5,
    ...BALL,
    quantity: 2,
  },
  {
    id: 'd2-02',
    type: 'purchase',
    ts: `${D2}T01:10:00+01:00`,
    ...S5,
    ...BALL,
    quantity: 2,
    order: 'o4',
  },
  // s6 (u3, email/cm): view, cart, purchase o5 = 20.00; the purchase event carries no campaign,
  // so o5 belongs to email/NULL while s6 belongs to email/cm.
  { id: 'd2-03', ts: `${D2}T08:00:00Z`, ...S6, ...LAMP },
  { id: 'd2-04', type: 'add_to_cart', ts: `${D2}T08:01:00Z`, ...S6, ...LAMP },
  {
    id: 'd2-05',
    type: 'purchase',
    ts: `${D2}T08:05:00Z`,
    ...S6,
    ...LAMP,
    campaign: null,
    order: 'o5',
  },
  // s7 (u1): views the mug only.
  { id: 'd2-06', ts: `${D2}T12:00:00Z`, ...S7, ...MUG },
  // s8 (u4): views and carts the ball in the same second; the cart event shows 'Red Ball' and has
  // the greater event_id, so it is the product's latest event of D2.
  { id: 'd2-07', ts: `${D2}T12:30:00Z`, ...S8, ...BALL },
  { id: 'd2-08', type: 'add_to_cart', ts: `${D2}T12:30:00Z`, ...S8, ...BALL, name: 'Red Ball' },
  // ---- D3 ----
  // s10 (u1): one page view. No cart, no order all day.
  { id: 'd3-01', ts: `${D3}T15:00:00Z`, ...S10, ...LAMP },
];

const FIXTURE: ShopFixture = {
  // The helper's default payment method ('card') is not in the contract's enum (Silver would
  // quarantine the purchase): every purchase here pays by credit card.
  events: EVENTS.map((e) => (e.type === 'purchase' ? { payment: 'credit_card', ...e } : e)),
  customers: {
    // Both valid from D1 00:00 (valid_from = greatest(updated_at, start of the snapshot date)).
    [D1]: [
      { id: 'u1', signup: '2025-01-01', updated: '2025-01-01T00:00:00Z' },
      { id: 'u2', signup: D1, updated: `${D1}T00:00:00Z` },
    ],
    // u1 and u2 unchanged (no new version); u3 valid from D2 00:00.
    [D2]: [
      { id: 'u1', signup: '2025-01-01', updated: '2025-01-01T00:00:00Z' },
      { id: 'u2', signup: D1, updated: `${D1}T00:00:00Z` },
      { id: 'u3', signup: D2, updated: `${D2}T00:00:00Z` },
    ],
  },
  products: {
    // p9 is missing: o3's line is an unknown product.
    [D1]: [
      { id: 'p1', name: 'Desk Lamp', category: 'Home', price: 20, updated: '2026-11-01T00:00:00Z' },
      { id: 'p2', name: 'Ball', category: 'Toys', price: 5, updated: '2026-11-01T00:00:00Z' },
      { id: 'p3', name: 'Mug', category: 'Home', price: 8, updated: '2026-11-01T00:00:00Z' },
    ],
  },
};

// Per date, from the events above (used by several marts; each count is listed once here):
// D1 sessions: s1 (view, cart, purchase), s2 (view, cart), s3 (view, cart, purchase),
//   s4 (purchase only), s9 (view), s5 (view) = 6; page views d1-01, 05, 07, 12, 13 = 5.
//   Orders o1 45.00 (u1, 3 units, 09:15), o2 8.00 (u4, 1 unit, 14:40), o3 12.51 (u1, 1 unit,
//   20:00): revenue 65.51, 5 units. Active users u1, u2, u4.
// D2 sessions: s5 (cart, purchase, no view), s6 (view, cart, purchase), s7 (view),
//   s8 (view, cart) = 4; page views d2-03, 06, 07 = 3. Orders o4 10.00 (u2, 2 units, 00:10),
//   o5 20.00 (u3, 1 unit, 08:05): revenue 30.00, 3 units. Active users u1, u2, u3, u4.
// D3 sessions: s10 (view) = 1; no orders. Active user u1.

/** A DOUBLE expected to 12 decimal places. */
const rate = (n: number, d: number) => expect.closeTo(n / d, 12);

// ---------------------------------------------------------------------------------------------

let lake: ShopLake;

beforeAll(async () => {
  lake = await ShopLake.open(FIXTURE);
  await lake.build(MARTS);
});

afterAll(async () => {
  await lake?.close();
});

describe('Gold marts on a hand-written shop', () => {
  it('daily_kpis: one row per date with the hand-computed KPIs', async () => {
    expect(await lake.table('daily_kpis', 'dt')).toEqual([
      {
        date_key: 20261120,
        revenue: '65.51', // o1 45.00 + o2 8.00 + o3 12.51
        orders: '3', // o1, o2, o3
        units: '5', // o1 2 lamps + 1 ball, o2 1, o3 1
        aov: '21.84', // 65.51 / 3 = 21.8366… rounded to the cent (up)
        active_users: '3', // u1, u2, u4
        buyers: '2', // u1 (o1, o3), u4 (o2)
        sessions: '6', // s1, s2, s3, s4, s5, s9
        purchasing_sessions: '3', // s1, s3, s4
        cart_sessions: '3', // s1, s2, s3
        page_views: '5', // d1-01, d1-05, d1-07, d1-12, d1-13
        conversion_rate: rate(3, 6), // purchasing 3 / sessions 6
        cart_rate: rate(3, 6), // cart 3 / sessions 6
        checkout_rate: rate(2, 3), // carts that purchased (s1, s3) / carts (s1, s2, s3); s4 bought without a cart
        cart_abandonment_rate: rate(1, 3), // carts without purchase (s2) / carts 3
        revenue_per_user: '21.84', // 65.51 / 3 active users = 21.8366…
        new_users: '1', // u2 signed up on D1
        returning_users: '1', // u1 signed up 2025-01-01
        unknown_users: '1', // u4 is not in the CRM
        unknown_customer_orders: '1', // o2 (u4)
        unknown_product_items: '1', // o3's line of p9 (not in the product snapshot)
        dt: D1,
      },
      {
        date_key: 20261121,
        revenue: '30.00', // o4 10.00 + o5 20.00
        orders: '2',
        units: '3', // o4 2 balls, o5 1 lamp
        aov: '15.00', // 30.00 / 2
        active_users: '4', // u2 (s5), u3 (s6), u1 (s7), u4 (s8)
        buyers: '2', // u2, u3
        sessions: '4', // s5 (its D2 part), s6, s7, s8
        purchasing_sessions: '2', // s5, s6
        cart_sessions: '3', // s5, s6, s8
        page_views: '3', // d2-03, d2-06, d2-07
        conversion_rate: rate(2, 4),
        cart_rate: rate(3, 4),
        checkout_rate: rate(2, 3), // s5, s6 of s5, s6, s8
        cart_abandonment_rate: rate(1, 3), // s8
        revenue_per_user: '7.50', // 30.00 / 4
        new_users: '1', // u3 signed up on D2
        returning_users: '2', // u1 (2025-01-01), u2 (signed up on D1, before D2)
        unknown_users: '1', // u4
        unknown_customer_orders: '0',
        unknown_product_items: '0',
        dt: D2,
      },
      {
        date_key: 20261122,
        revenue: '0.00', // no orders
        orders: '0',
        units: '0',
        aov: null, // 0 orders: no AOV
        active_users: '1', // u1
        buyers: '0',
        sessions: '1', // s10
        purchasing_sessions: '0',
        cart_sessions: '0',
        page_views: '1',
        conversion_rate: 0, // 0 / 1
        cart_rate: 0, // 0 / 1
        checkout_rate: null, // 0 carts
        cart_abandonment_rate: null, // 0 carts
        revenue_per_user: '0.00', // 0.00 / 1
        new_users: '0',
        returning_users: '1', // u1
        unknown_users: '0',
        unknown_customer_orders: '0',
        unknown_product_items: '0',
        dt: D3,
      },
    ]);
  });

  it('hourly_sales: 24 UTC hours for every date with data, zeros where nothing happened', async () => {
    const rows = await lake.table('hourly_sales', 'dt, hour');
    // 3 dates x 24 hours.
    expect(rows).toHaveLength(72);
    for (const [i, dt] of [D1, D2, D3].entries()) {
      expect(rows.slice(i * 24, i * 24 + 24).map((r) => [r.dt, r.hour])).toEqual(
        Array.from({ length: 24 }, (_, h) => [dt, h]),
      );
    }
    const zero = { orders: '0', units: '0', revenue: '0.00', buyers: '0', sessions: '0' };
    const hour = (dt: string, h: number, values: Partial<typeof zero> = {}): Row => ({
      date_key: Number(dt.replace(/-/g, '')),
      hour: h,
      ...zero,
      ...values,
      dt,
    });
    const busy: Row[] = [
      // s1 starts 09:10; o1 at 09:15: 3 units, 45.00, buyer u1.
      hour(D1, 9, { orders: '1', units: '3', revenue: '45.00', buyers: '1', sessions: '1' }),
      hour(D1, 10, { sessions: '1' }), // s2
      // s3 starts 14:30; o2 at 14:40: 1 unit, 8.00, buyer u4.
      hour(D1, 14, { orders: '1', units: '1', revenue: '8.00', buyers: '1', sessions: '1' }),
      // s4 starts with o3 at 20:00: 1 unit, 12.51, buyer u1.
      hour(D1, 20, { orders: '1', units: '1', revenue: '12.51', buyers: '1', sessions: '1' }),
      hour(D1, 21, { sessions: '1' }), // s9
      hour(D1, 23, { sessions: '1' }), // s5
      // s5's D2 part starts 00:05 UTC; o4 at 00:10 UTC: 2 units, 10.00, buyer u2.
      hour(D2, 0, { orders: '1', units: '2', revenue: '10.00', buyers: '1', sessions: '1' }),
      // s6 starts 08:00; o5 at 08:05: 1 unit, 20.00, buyer u3.
      hour(D2, 8, { orders: '1', units: '1', revenue: '20.00', buyers: '1', sessions: '1' }),
      hour(D2, 12, { sessions: '2' }), // s7 12:00, s8 12:30
      hour(D3, 15, { sessions: '1' }), // s10
    ];
    const key = (r: Row) => `${String(r.dt)} ${String(r.hour)}`;
    const expected = new Map(busy.map((r) => [key(r), r]));
    for (const row of rows) {
      expect(row).toEqual(expected.get(key(row)) ?? hour(String(row.dt), Number(row.hour)));
    }
  });

  it('funnel_daily: view -> cart -> purchase per device and country, strict steps', async () => {
    const row = (
      dt: string,
      device: string,
      country: string,
      counts: [number, number, number, number],
      rates: [unknown, unknown, unknown],
      dropOffs: [number, number],
    ): Row => ({
      date_key: Number(dt.replace(/-/g, '')),
      device_type: device,
      country,
      sessions: String(counts[0]),
      view_sessions: String(counts[1]),
      cart_sessions: String(counts[2]),
      purchase_sessions: String(counts[3]),
      view_to_cart_rate: rates[0],
      cart_to_purchase_rate: rates[1],
      conversion_rate: rates[2],
      drop_off_view_to_cart: String(dropOffs[0]),
      drop_off_cart_to_purchase: String(dropOffs[1]),
      dt,
    });
    expect(await lake.table('funnel_daily', 'dt, device_type, country')).toEqual([
      // s1 (view, cart, purchase), s4 (purchase only), s9 (view): 3 sessions, 2 with a view,
      // 1 with a cart, 2 purchasing. view->cart: s1 of s1, s9 = 1/2; cart->purchase: s1 of s1
      // = 1/1; conversion 2/3. Drop-offs: s9 viewed without a cart (1); no cart abandoned (0).
      row(D1, 'desktop', 'DE', [3, 2, 1, 2], [rate(1, 2), 1, rate(2, 3)], [1, 0]),
      // s2 (view, cart): view->cart 1/1, cart->purchase 0/1, conversion 0/1; 1 abandoned cart.
      row(D1, 'mobile', 'DE', [1, 1, 1, 0], [1, 0, 0], [0, 1]),
      // s3 (view, cart, purchase): every rate 1, no drop-off.
      row(D1, 'mobile', 'FR', [1, 1, 1, 1], [1, 1, 1], [0, 0]),
      // s5's D1 part (view only): view->cart 0/1, cart->purchase NULL (0 carts), conversion 0/1.
      row(D1, 'tablet', 'DE', [1, 1, 0, 0], [0, null, 0], [1, 0]),
      // s6 (view, cart, purchase).
      row(D2, 'desktop', 'FR', [1, 1, 1, 1], [1, 1, 1], [0, 0]),
      // s7 (view only): as s5 on D1.
      row(D2, 'mobile', 'DE', [1, 1, 0, 0], [0, null, 0], [1, 0]),
      // s8 (view, cart): as s2 on D1.
      row(D2, 'mobile', 'FR', [1, 1, 1, 0], [1, 0, 0], [0, 1]),
      // s5's D2 part (cart, purchase, no view): view->cart NULL (0 views), cart->purchase 1/1,
      // conversion 1/1; the cart counts in cart_sessions though no view preceded it that day.
      row(D2, 'tablet', 'DE', [1, 0, 1, 1], [null, 1, 1], [0, 0]),
      // s10 (view only).
      row(D3, 'desktop', 'DE', [1, 1, 0, 0], [0, null, 0], [1, 0]),
    ]);
  });

  it('product_daily: events and sales per product, named as the latest event shows it', async () => {
    const row = (
      dt: string,
      id: string,
      name: string,
      category: string,
      events: [number, number, number],
      sales: [number, number, string],
      rates: [unknown, unknown],
    ): Row => ({
      date_key: Number(dt.replace(/-/g, '')),
      product_id: id,
      product_name: name,
      category,
      views: String(events[0]),
      carts: String(events[1]),
      removes: String(events[2]),
      units_sold: String(sales[0]),
      orders: String(sales[1]),
      revenue: sales[2],
      view_to_cart_rate: rates[0],
      cart_to_purchase_rate: rates[1],
      dt,
    });
    expect(await lake.table('product_daily', 'dt, product_id')).toEqual([
      // p1: views d1-01, d1-05; carts d1-02, d1-06; sold 2 in o1 = 40.00. Latest event d1-06
      // (10:05) shows 'Desk Lamp XL'. view->cart 2/2; cart->purchase = orders 1 / carts 2.
      row(D1, 'p1', 'Desk Lamp XL', 'Home', [2, 2, 0], [2, 1, '40.00'], [1, rate(1, 2)]),
      // p2: views d1-12, d1-13; no cart; 1 sold in o1 = 5.00. view->cart 0/2 = 0;
      // cart->purchase NULL (0 carts).
      row(D1, 'p2', 'Ball', 'Toys', [2, 0, 0], [1, 1, '5.00'], [0, null]),
      // p3: view, cart, remove, 1 sold in o2 = 8.00: both rates 1/1.
      row(D1, 'p3', 'Mug', 'Home', [1, 1, 1], [1, 1, '8.00'], [1, 1]),
      // p9: only the purchase (o3, 12.51): both rates NULL (0 views, 0 carts).
      row(D1, 'p9', 'Mystery box', 'Gifts', [0, 0, 0], [1, 1, '12.51'], [null, null]),
      // p1 on D2: view, cart, 1 sold in o5 = 20.00.
      row(D2, 'p1', 'Desk Lamp', 'Home', [1, 1, 0], [1, 1, '20.00'], [1, 1]),
      // p2 on D2: view d2-07; carts d2-01, d2-08; 2 sold in o4 = 10.00. view->cart 2/1 = 2
      // (carts need no view); cart->purchase 1/2. Latest: d2-07 and d2-08 share 12:30:00, the
      // greater event_id (d2-08) wins: 'Red Ball'.
      row(D2, 'p2', 'Red Ball', 'Toys', [1, 2, 0], [2, 1, '10.00'], [2, rate(1, 2)]),
      // p3 on D2: one view (s7), nothing sold: view->cart 0, cart->purchase NULL.
      row(D2, 'p3', 'Mug', 'Home', [1, 0, 0], [0, 0, '0.00'], [0, null]),
      // p1 on D3: one view (s10).
      row(D3, 'p1', 'Desk Lamp', 'Home', [1, 0, 0], [0, 0, '0.00'], [0, null]),
    ]);
  });

  it('category_daily: product_daily summed per category, with the share of the day', async () => {
    const row = (
      dt: string,
      category: string,
      counts: [number, number, number, number, number, number],
      revenue: string,
      rates: [unknown, unknown, unknown],
    ): Row => ({
      date_key: Number(dt.replace(/-/g, '')),
      category,
      products: String(counts[0]),
      views: String(counts[1]),
      carts: String(counts[2]),
      removes: String(counts[3]),
      units_sold: String(counts[4]),
      product_orders: String(counts[5]),
      revenue,
      revenue_share: rates[0],
      view_to_cart_rate: rates[1],
      cart_to_purchase_rate: rates[2],
      dt,
    });
    expect(await lake.table('category_daily', 'dt, category')).toEqual([
      // Gifts = p9: 12.51 of D1's 65.51; no views, no carts.
      row(D1, 'Gifts', [1, 0, 0, 0, 1, 1], '12.51', [rate(12.51, 65.51), null, null]),
      // Home = p1 + p3: views 2 + 1, carts 2 + 1, removes 0 + 1, units 2 + 1, orders 1 + 1,
      // revenue 40.00 + 8.00 = 48.00 of 65.51. view->cart 3/3; cart->purchase 2/3.
      row(D1, 'Home', [2, 3, 3, 1, 3, 2], '48.00', [rate(48, 65.51), 1, rate(2, 3)]),
      // Toys = p2: 5.00 of 65.51; views 2, no carts.
      row(D1, 'Toys', [1, 2, 0, 0, 1, 1], '5.00', [rate(5, 65.51), 0, null]),
      // Home = p1 + p3: views 1 + 1, carts 1 + 0, units 1, orders 1, 20.00 of D2's 30.00.
      row(D2, 'Home', [2, 2, 1, 0, 1, 1], '20.00', [rate(20, 30), rate(1, 2), 1]),
      // Toys = p2: 10.00 of 30.00; view->cart 2/1; cart->purchase 1/2.
      row(D2, 'Toys', [1, 1, 2, 0, 2, 1], '10.00', [rate(10, 30), 2, rate(1, 2)]),
      // Home = p1 on D3: no revenue that day, so no share (0 / 0 is NULL).
      row(D3, 'Home', [1, 1, 0, 0, 0, 0], '0.00', [null, 0, null]),
    ]);
  });

  it('channel_daily: sessions by their first event, orders by their own channel, NULL campaigns grouped', async () => {
    const row = (
      dt: string,
      source: string,
      campaign: string | null,
      counts: [number, number, number, number, number],
      revenue: string,
      ratios: [unknown, string | null, string | null],
    ): Row => ({
      date_key: Number(dt.replace(/-/g, '')),
      traffic_source: source,
      campaign_id: campaign,
      sessions: String(counts[0]),
      users: String(counts[1]),
      cart_sessions: String(counts[2]),
      purchasing_sessions: String(counts[3]),
      orders: String(counts[4]),
      revenue,
      conversion_rate: ratios[0],
      aov: ratios[1],
      revenue_per_session: ratios[2],
      dt,
    });
    expect(
      await lake.table('channel_daily', 'dt, traffic_source, campaign_id NULLS FIRST'),
    ).toEqual([
      // s5 (view only): conversion 0/1, no orders: AOV NULL, 0.00 per session.
      row(D1, 'direct', null, [1, 1, 0, 0, 0], '0.00', [0, null, '0.00']),
      // s2 (cart, no purchase).
      row(D1, 'email', 'bf', [1, 1, 1, 0, 0], '0.00', [0, null, '0.00']),
      // s1 and s9, both u1 (2 sessions, 1 user); s1 carted and bought; o1 45.00.
      // conversion 1/2; AOV 45.00 / 1; per session 45.00 / 2 = 22.50.
      row(D1, 'organic', null, [2, 1, 1, 1, 1], '45.00', [rate(1, 2), '45.00', '22.50']),
      // s4 bought without a cart; o3 12.51.
      row(D1, 'paid_search', 'bf', [1, 1, 0, 1, 1], '12.51', [1, '12.51', '12.51']),
      // s3 (u4); o2 8.00.
      row(D1, 'social', null, [1, 1, 1, 1, 1], '8.00', [1, '8.00', '8.00']),
      // s5's D2 part (cart, purchase); o4 10.00.
      row(D2, 'direct', null, [1, 1, 1, 1, 1], '10.00', [1, '10.00', '10.00']),
      // o5 (its line carries no campaign) and no session: conversion and per session NULL.
      row(D2, 'email', null, [0, 0, 0, 0, 1], '20.00', [null, '20.00', null]),
      // s6 started with campaign cm and purchased, but its order is counted under email/NULL.
      row(D2, 'email', 'cm', [1, 1, 1, 1, 0], '0.00', [1, null, '0.00']),
      // s7 (view only).
      row(D2, 'organic', null, [1, 1, 0, 0, 0], '0.00', [0, null, '0.00']),
      // s8 (cart, no purchase).
      row(D2, 'social', null, [1, 1, 1, 0, 0], '0.00', [0, null, '0.00']),
      // s10 (view only).
      row(D3, 'organic', null, [1, 1, 0, 0, 0], '0.00', [0, null, '0.00']),
    ]);
  });

  it('the marts agree with each other on the shared totals', async () => {
    // Revenue and orders per date, four ways: daily_kpis, Σ hourly_sales, Σ channel_daily,
    // Σ product_daily (orders there are per product, so only revenue).
    const totals = await lake.rows(`
      SELECT k.dt, k.revenue, k.orders, k.sessions,
        (SELECT CAST(sum(revenue) AS DECIMAL(18, 2)) FROM hourly_sales h WHERE h.dt = k.dt) AS hourly_revenue,
        (SELECT CAST(sum(orders) AS BIGINT) FROM hourly_sales h WHERE h.dt = k.dt) AS hourly_orders,
        (SELECT CAST(sum(sessions) AS BIGINT) FROM hourly_sales h WHERE h.dt = k.dt) AS hourly_sessions,
        (SELECT CAST(sum(revenue) AS DECIMAL(18, 2)) FROM channel_daily c WHERE c.dt = k.dt) AS channel_revenue,
        (SELECT CAST(sum(orders) AS BIGINT) FROM channel_daily c WHERE c.dt = k.dt) AS channel_orders,
        (SELECT CAST(sum(sessions) AS BIGINT) FROM channel_daily c WHERE c.dt = k.dt) AS channel_sessions,
        (SELECT CAST(sum(sessions) AS BIGINT) FROM funnel_daily f WHERE f.dt = k.dt) AS funnel_sessions,
        (SELECT CAST(sum(revenue) AS DECIMAL(18, 2)) FROM product_daily p WHERE p.dt = k.dt) AS product_revenue,
        (SELECT CAST(sum(revenue) AS DECIMAL(18, 2)) FROM category_daily g WHERE g.dt = k.dt) AS category_revenue
      FROM daily_kpis k ORDER BY k.dt`);
    for (const t of totals) {
      expect(t.hourly_revenue).toBe(t.revenue);
      expect(t.channel_revenue).toBe(t.revenue);
      expect(t.product_revenue).toBe(t.revenue);
      expect(t.category_revenue).toBe(t.revenue);
      expect(t.hourly_orders).toBe(t.orders);
      expect(t.channel_orders).toBe(t.orders);
      expect(t.hourly_sessions).toBe(t.sessions);
      expect(t.channel_sessions).toBe(t.sessions);
      expect(t.funnel_sessions).toBe(t.sessions);
    }
    expect(totals.map((t) => t.revenue)).toEqual(['65.51', '30.00', '0.00']);
  });

  it('writes the contract types: counts BIGINT, money DECIMAL(18,2), rates DOUBLE, dt last', async () => {
    const B = 'BIGINT';
    const M = 'DECIMAL(18,2)';
    const R = 'DOUBLE';
    const V = 'VARCHAR';
    const expected: Record<(typeof MARTS)[number], Record<string, string>> = {
      daily_kpis: {
        date_key: 'INTEGER',
        revenue: M,
        orders: B,
        units: B,
        aov: M,
        active_users: B,
        buyers: B,
        sessions: B,
        purchasing_sessions: B,
        cart_sessions: B,
        page_views: B,
        conversion_rate: R,
        cart_rate: R,
        checkout_rate: R,
        cart_abandonment_rate: R,
        revenue_per_user: M,
        new_users: B,
        returning_users: B,
        unknown_users: B,
        unknown_customer_orders: B,
        unknown_product_items: B,
        dt: V,
      },
      hourly_sales: {
        date_key: 'INTEGER',
        hour: 'INTEGER',
        orders: B,
        units: B,
        revenue: M,
        buyers: B,
        sessions: B,
        dt: V,
      },
      funnel_daily: {
        date_key: 'INTEGER',
        device_type: V,
        country: V,
        sessions: B,
        view_sessions: B,
        cart_sessions: B,
        purchase_sessions: B,
        view_to_cart_rate: R,
        cart_to_purchase_rate: R,
        conversion_rate: R,
        drop_off_view_to_cart: B,
        drop_off_cart_to_purchase: B,
        dt: V,
      },
      product_daily: {
        date_key: 'INTEGER',
        product_id: V,
        product_name: V,
        category: V,
        views: B,
        carts: B,
        removes: B,
        units_sold: B,
        orders: B,
        revenue: M,
        view_to_cart_rate: R,
        cart_to_purchase_rate: R,
        dt: V,
      },
      category_daily: {
        date_key: 'INTEGER',
        category: V,
        products: B,
        views: B,
        carts: B,
        removes: B,
        units_sold: B,
        product_orders: B,
        revenue: M,
        revenue_share: R,
        view_to_cart_rate: R,
        cart_to_purchase_rate: R,
        dt: V,
      },
      channel_daily: {
        date_key: 'INTEGER',
        traffic_source: V,
        campaign_id: V,
        sessions: B,
        users: B,
        cart_sessions: B,
        purchasing_sessions: B,
        orders: B,
        revenue: M,
        conversion_rate: R,
        aov: M,
        revenue_per_session: M,
        dt: V,
      },
    };
    for (const mart of MARTS) {
      const columns = await lake.rows(`DESCRIBE "${mart}"`);
      expect(Object.fromEntries(columns.map((c) => [c.column_name, c.column_type])), mart).toEqual(
        expected[mart],
      );
      expect(columns.map((c) => c.column_name).at(-1), mart).toBe('dt');
    }
  });

  it('a date rebuilt on its own gives the rows it had in the full build (incremental = full)', async () => {
    const before = new Map<string, Row[]>();
    for (const mart of MARTS)
      before.set(mart, canonical(await lake.rows(`SELECT * FROM "${mart}"`)));
    // One date per build, newest first, merged into the published tables.
    for (const dt of [D3, D2, D1]) {
      for (const mart of MARTS) {
        await lake.engine.materialize({
          model: model(mart),
          partitions: [dt],
          buildId: `one-date-${dt}`,
          replace: false,
        });
      }
    }
    for (const mart of MARTS) {
      expect(canonical(await lake.rows(`SELECT * FROM "${mart}"`)), mart).toEqual(before.get(mart));
    }
  });
});
