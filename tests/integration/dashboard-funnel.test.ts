/**
 * The "Funnel and products" dashboard page (dashboards/pages/funnel.ts) on a small hand-written
 * shop: every panel's SQL run through `queryPanel` (its macros expanded for a range of days, its
 * columns checked against the spec) on the Gold marts built from Bronze with the pipeline's own
 * materializations. Every expected value was worked out by hand from the sessions listed below
 * and the metric definitions in athena/models/gold/{funnel,product,category,channel}_daily.sql;
 * nothing was pasted from a run.
 *
 * Two dates, D1 2026-11-20 and D2 2026-11-21; the full range is D1 … D2, and D2 alone is the
 * range that leaves D1 out. Values come back as DuckDB's JSON forms: BIGINT as strings ('3'),
 * DOUBLE as numbers, NULL as null.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../dashboards/pages/index.ts';
import { funnel } from '../../dashboards/pages/funnel.ts';
import { dayRange } from '../../lib/dashboards/macros.ts';
import { loadPages, type LoadedPanel } from '../../lib/dashboards/panel-spec.ts';
import { queryPanel } from '../../lib/dashboards/run-panel.ts';
import { ShopLake, type Row, type ShopEvent, type ShopFixture } from '../helpers/shop-lake.ts';

const D1 = '2026-11-20';
const D2 = '2026-11-21';

// Products as the events show them (price = what the shopper paid).
const LAMP = { product: 'p1', name: 'Desk Lamp', category: 'Home', price: 20 } as const;
const BALL = { product: 'p2', name: 'Ball', category: 'Toys', price: 5 } as const;
const MUG = { product: 'p3', name: 'Mug', category: 'Home', price: 8 } as const;
const KITE = { product: 'p4', name: 'Kite', category: 'Toys', price: 15 } as const;

// Sessions: user, device, country, traffic source and campaign (of the session's first event).
const F1 = { session: 'f1', user: 'u1', device: 'desktop', country: 'DE', source: 'organic' };
const F2 = {
  session: 'f2',
  user: 'u2',
  device: 'mobile',
  country: 'DE',
  source: 'email',
  campaign: 'bf',
};
const F3 = {
  session: 'f3',
  user: 'u3',
  device: 'mobile',
  country: 'FR',
  source: 'paid_search',
  campaign: 'gs',
};
const F4 = { session: 'f4', user: 'u4', device: 'tablet', country: 'FR', source: 'organic' };
const F5 = {
  session: 'f5',
  user: 'u5',
  device: 'desktop',
  country: 'FR',
  source: 'email',
  campaign: 'bf',
};
const F6 = { session: 'f6', user: 'u1', device: 'mobile', country: 'DE', source: 'social' };
const F7 = { session: 'f7', user: 'u6', device: 'mobile', country: 'DE', source: 'organic' };
const F8 = {
  session: 'f8',
  user: 'u2',
  device: 'mobile',
  country: 'DE',
  source: 'email',
  campaign: 'bf',
};
const F9 = {
  session: 'f9',
  user: 'u7',
  device: 'tablet',
  country: 'DE',
  source: 'paid_search',
  campaign: 'gs',
};
const F10 = { session: 'f10', user: 'u8', device: 'desktop', country: 'FR', source: 'organic' };

const view = 'page_view' as const;
const cart = 'add_to_cart' as const;
const buy = 'purchase' as const;

const EVENTS: ShopEvent[] = [
  // ---- D1 ----
  // f1 (desktop DE organic): view, cart, buys 2 lamps: o1 = 2 x 20 = 40.
  { id: 'e01', type: view, ts: `${D1}T09:00:00Z`, ...F1, ...LAMP },
  { id: 'e02', type: cart, ts: `${D1}T09:01:00Z`, ...F1, ...LAMP },
  { id: 'e03', type: buy, ts: `${D1}T09:02:00Z`, ...F1, ...LAMP, quantity: 2, order: 'o1' },
  // f2 (mobile DE email/bf): view, cart the ball, leaves (abandoned cart).
  { id: 'e04', type: view, ts: `${D1}T10:00:00Z`, ...F2, ...BALL },
  { id: 'e05', type: cart, ts: `${D1}T10:01:00Z`, ...F2, ...BALL },
  // f3 (mobile FR paid_search/gs): view, cart, buys the mug: o2 = 8.
  { id: 'e06', type: view, ts: `${D1}T11:00:00Z`, ...F3, ...MUG },
  { id: 'e07', type: cart, ts: `${D1}T11:01:00Z`, ...F3, ...MUG },
  { id: 'e08', type: buy, ts: `${D1}T11:02:00Z`, ...F3, ...MUG, order: 'o2' },
  // f4 (tablet FR organic): views the lamp only.
  { id: 'e09', type: view, ts: `${D1}T12:00:00Z`, ...F4, ...LAMP },
  // f5 (desktop FR email/bf): view, cart the kite, buys it and 2 balls: o3 = 15 + 2 x 5 = 25.
  { id: 'e10', type: view, ts: `${D1}T13:00:00Z`, ...F5, ...KITE },
  { id: 'e11', type: cart, ts: `${D1}T13:01:00Z`, ...F5, ...KITE },
  { id: 'e12', type: buy, ts: `${D1}T13:02:00Z`, ...F5, ...KITE, order: 'o3' },
  { id: 'e13', type: buy, ts: `${D1}T13:02:00Z`, ...F5, ...BALL, quantity: 2, order: 'o3' },
  // f6 (mobile DE social): views the ball only.
  { id: 'e14', type: view, ts: `${D1}T14:00:00Z`, ...F6, ...BALL },
  // ---- D2 ----
  // f7 (mobile DE organic): view, cart, buys a lamp, now shown as 'Desk Lamp XL': o4 = 20.
  { id: 'e15', type: view, ts: `${D2}T09:00:00Z`, ...F7, ...LAMP, name: 'Desk Lamp XL' },
  { id: 'e16', type: cart, ts: `${D2}T09:01:00Z`, ...F7, ...LAMP, name: 'Desk Lamp XL' },
  {
    id: 'e17',
    type: buy,
    ts: `${D2}T09:02:00Z`,
    ...F7,
    ...LAMP,
    name: 'Desk Lamp XL',
    order: 'o4',
  },
  // f8 (mobile DE email/bf): view, cart 2 kites, buys them: o5 = 2 x 15 = 30.
  { id: 'e18', type: view, ts: `${D2}T10:00:00Z`, ...F8, ...KITE },
  { id: 'e19', type: cart, ts: `${D2}T10:01:00Z`, ...F8, ...KITE, quantity: 2 },
  { id: 'e20', type: buy, ts: `${D2}T10:02:00Z`, ...F8, ...KITE, quantity: 2, order: 'o5' },
  // f9 (tablet DE paid_search/gs): view, cart the ball, leaves (abandoned cart).
  { id: 'e21', type: view, ts: `${D2}T11:00:00Z`, ...F9, ...BALL },
  { id: 'e22', type: cart, ts: `${D2}T11:01:00Z`, ...F9, ...BALL },
  // f10 (desktop FR organic): views the mug only.
  { id: 'e23', type: view, ts: `${D2}T12:00:00Z`, ...F10, ...MUG },
];

const FIXTURE: ShopFixture = {
  // The helper's default payment method is not in the contract: every purchase pays by card.
  events: EVENTS.map((e) => (e.type === 'purchase' ? { payment: 'credit_card', ...e } : e)),
  customers: {
    [D1]: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'].map((id) => ({
      id,
      updated: '2025-01-01T00:00:00Z',
    })),
  },
  products: {
    [D1]: [LAMP, BALL, MUG, KITE].map((p) => ({
      id: p.product,
      name: p.name,
      category: p.category,
      price: p.price,
      updated: '2026-11-01T00:00:00Z',
    })),
  },
};

// The sessions per date (used by several panels):
//   D1: f1 desktop DE (view, cart, purchase), f2 mobile DE (view, cart), f3 mobile FR (view,
//       cart, purchase), f4 tablet FR (view), f5 desktop FR (view, cart, purchase), f6 mobile DE
//       (view).
//   D2: f7 mobile DE (view, cart, purchase), f8 mobile DE (view, cart, purchase), f9 tablet DE
//       (view, cart), f10 desktop FR (view).
//   Orders: D1 o1 40 (f1, organic), o2 8 (f3, paid_search/gs), o3 25 (f5, email/bf);
//           D2 o4 20 (f7, organic), o5 30 (f8, email/bf).

const BOTH = dayRange(D1, D2);
const D2_ONLY = dayRange(D2, D2);

/** A DOUBLE expected to 12 decimal places. */
const ratio = (n: number, d: number) => expect.closeTo(n / d, 12);

// This page alone, so that another page's problem does not stop these tests.
const PAGE = loadPages([funnel])[0];
const TESTED = new Set<string>();

function panel(id: string): LoadedPanel {
  const p = PAGE?.panels.find((x) => x.id === id);
  if (!p) throw new Error(`the funnel page has no panel ${id}`);
  return p;
}

let lake: ShopLake;

/** The panel's rows for the range (through queryPanel: macros expanded, columns checked). */
async function rows(id: string, range = BOTH): Promise<Row[]> {
  TESTED.add(id);
  return [...(await queryPanel(lake.engine, panel(id), range)).rows];
}

beforeAll(async () => {
  lake = await ShopLake.open(FIXTURE);
  await lake.build(['funnel_daily', 'product_daily', 'category_daily', 'channel_daily']);
}, 120_000);

afterAll(async () => {
  await lake?.close();
});

describe('the funnel page on a hand-written shop', () => {
  it('is one of the dashboards’ pages, titled "Funnel and products"', () => {
    expect(PAGES).toContain(funnel);
    expect(PAGE?.title).toBe('Funnel and products');
    expect(PAGE?.panels.length).toBeGreaterThanOrEqual(5);
    expect(PAGE?.panels.length).toBeLessThanOrEqual(8);
  });

  it('funnel-by-device: the share of each device’s sessions reaching each step', async () => {
    // D1 … D2 per device: sessions, viewed, carted, purchased.
    //   mobile  f2 f3 f6 f7 f8: 5, 5, 4 (f2 f3 f7 f8), 3 (f3 f7 f8)
    //   desktop f1 f5 f10:      3, 3, 2 (f1 f5),       2 (f1 f5)
    //   tablet  f4 f9:          2, 2, 1 (f9),          0
    // Devices by sessions, largest first, within each step.
    const step = (s: string, device: string, share: unknown, sessions: number): Row => ({
      step: s,
      device_type: device,
      share_of_sessions: share,
      step_sessions: String(sessions),
    });
    expect(await rows('funnel-by-device')).toEqual([
      step('Sessions', 'mobile', 1, 5),
      step('Sessions', 'desktop', 1, 3),
      step('Sessions', 'tablet', 1, 2),
      step('Viewed a product', 'mobile', 1, 5),
      step('Viewed a product', 'desktop', 1, 3),
      step('Viewed a product', 'tablet', 1, 2),
      step('Added to cart', 'mobile', ratio(4, 5), 4),
      step('Added to cart', 'desktop', ratio(2, 3), 2),
      step('Added to cart', 'tablet', ratio(1, 2), 1),
      step('Purchased', 'mobile', ratio(3, 5), 3),
      step('Purchased', 'desktop', ratio(2, 3), 2),
      step('Purchased', 'tablet', 0, 0),
    ]);
    // D2 alone: mobile f7 f8 (2, 2, 2, 2); desktop f10 (1, 1, 0, 0); tablet f9 (1, 1, 1, 0).
    // desktop and tablet tie on sessions: by name.
    expect(await rows('funnel-by-device', D2_ONLY)).toEqual([
      step('Sessions', 'mobile', 1, 2),
      step('Sessions', 'desktop', 1, 1),
      step('Sessions', 'tablet', 1, 1),
      step('Viewed a product', 'mobile', 1, 2),
      step('Viewed a product', 'desktop', 1, 1),
      step('Viewed a product', 'tablet', 1, 1),
      step('Added to cart', 'mobile', 1, 2),
      step('Added to cart', 'desktop', 0, 0),
      step('Added to cart', 'tablet', 1, 1),
      step('Purchased', 'mobile', 1, 2),
      step('Purchased', 'desktop', 0, 0),
      step('Purchased', 'tablet', 0, 0),
    ]);
  });

  it('funnel-by-country: steps, strict step rates and drop-offs per country, biggest first', async () => {
    expect(await rows('funnel-by-country')).toEqual([
      {
        country: 'DE', // f1 f2 f6 f7 f8 f9
        sessions: '6',
        view_sessions: '6',
        cart_sessions: '5', // f1 f2 f7 f8 f9
        purchase_sessions: '3', // f1 f7 f8
        view_to_cart_rate: ratio(5, 6), // viewed and carted 5 / viewed 6
        cart_to_purchase_rate: ratio(3, 5), // carted and bought 3 / carted 5
        conversion_rate: ratio(3, 6),
        drop_off_view_to_cart: '1', // f6
        drop_off_cart_to_purchase: '2', // f2, f9
      },
      {
        country: 'FR', // f3 f4 f5 f10
        sessions: '4',
        view_sessions: '4',
        cart_sessions: '2', // f3 f5
        purchase_sessions: '2', // f3 f5
        view_to_cart_rate: ratio(2, 4),
        cart_to_purchase_rate: 1, // 2 / 2
        conversion_rate: ratio(2, 4),
        drop_off_view_to_cart: '2', // f4, f10
        drop_off_cart_to_purchase: '0',
      },
    ]);
    expect(await rows('funnel-by-country', D2_ONLY)).toEqual([
      {
        country: 'DE', // f7 f8 f9
        sessions: '3',
        view_sessions: '3',
        cart_sessions: '3',
        purchase_sessions: '2', // f7 f8
        view_to_cart_rate: 1,
        cart_to_purchase_rate: ratio(2, 3),
        conversion_rate: ratio(2, 3),
        drop_off_view_to_cart: '0',
        drop_off_cart_to_purchase: '1', // f9
      },
      {
        country: 'FR', // f10: a view, nothing else
        sessions: '1',
        view_sessions: '1',
        cart_sessions: '0',
        purchase_sessions: '0',
        view_to_cart_rate: 0,
        cart_to_purchase_rate: null, // no carts
        conversion_rate: 0,
        drop_off_view_to_cart: '1',
        drop_off_cart_to_purchase: '0',
      },
    ]);
  });

  it('top-products: by revenue, with units, orders, views, carts and view → cart', async () => {
    const product = (
      id: string,
      name: string,
      category: string,
      revenue: number,
      units: number,
      orders: number,
      views: number,
      carts: number,
      rate: unknown,
    ): Row => ({
      product_id: id,
      product_name: name,
      category,
      revenue,
      units_sold: String(units),
      orders: String(orders),
      views: String(views),
      carts: String(carts),
      view_to_cart_rate: rate,
    });
    expect(await rows('top-products')).toEqual([
      // o1 2 x 20 + o4 20 = 60; views e01 e09 e15; carts e02 e16; named as on D2, the newest day.
      product('p1', 'Desk Lamp XL', 'Home', 60, 3, 2, 3, 2, ratio(2, 3)),
      // o3 15 + o5 2 x 15 = 45; views e10 e18; carts e11 e19.
      product('p4', 'Kite', 'Toys', 45, 3, 2, 2, 2, 1),
      // o3 2 x 5 = 10; views e04 e14 e21; carts e05 e22.
      product('p2', 'Ball', 'Toys', 10, 2, 1, 3, 2, ratio(2, 3)),
      // o2 8; views e06 e23; cart e07.
      product('p3', 'Mug', 'Home', 8, 1, 1, 2, 1, ratio(1, 2)),
    ]);
    // D2 alone: the kite (o5 30) leads the lamp (o4 20); ball and mug sold nothing on D2.
    expect(await rows('top-products', D2_ONLY)).toEqual([
      product('p4', 'Kite', 'Toys', 30, 2, 1, 1, 1, 1),
      product('p1', 'Desk Lamp XL', 'Home', 20, 1, 1, 1, 1, 1),
    ]);
    // D1 alone: the lamp still has the name it was shown with on D1.
    const d1 = await rows('top-products', dayRange(D1, D1));
    expect(d1.map((r) => [r.product_name, r.revenue])).toEqual([
      ['Desk Lamp', 40],
      ['Kite', 15],
      ['Ball', 10],
      ['Mug', 8],
    ]);
  });

  it('top-categories: revenue per category, its share, units and view → cart', async () => {
    expect(await rows('top-categories')).toEqual([
      // lamp 60 + mug 8; units 3 + 1; views 3 + 2; carts 2 + 1.
      {
        category: 'Home',
        revenue: 68,
        revenue_share: ratio(68, 123),
        units_sold: '4',
        view_to_cart_rate: ratio(3, 5),
      },
      // kite 45 + ball 10; units 3 + 2; views 2 + 3; carts 2 + 2.
      {
        category: 'Toys',
        revenue: 55,
        revenue_share: ratio(55, 123),
        units_sold: '5',
        view_to_cart_rate: ratio(4, 5),
      },
    ]);
    // D2 alone, Toys leads: kite 30 (+ the ball's view and cart, no sale) against lamp 20.
    expect(await rows('top-categories', D2_ONLY)).toEqual([
      {
        category: 'Toys',
        revenue: 30,
        revenue_share: ratio(30, 50),
        units_sold: '2',
        view_to_cart_rate: 1, // carts e19 e22 / views e18 e21
      },
      {
        category: 'Home',
        revenue: 20,
        revenue_share: ratio(20, 50),
        units_sold: '1',
        view_to_cart_rate: ratio(1, 2), // cart e16 / views e15 e23
      },
    ]);
  });

  it('channels: sessions, orders, revenue, conversion, AOV and revenue per session per source', async () => {
    expect(await rows('channels')).toEqual([
      {
        traffic_source: 'organic', // f1 f4 f7 f10; o1 40, o4 20
        sessions: '4',
        orders: '2',
        revenue: 60,
        conversion_rate: ratio(2, 4), // f1 f7
        aov: 30,
        revenue_per_session: 15,
      },
      {
        traffic_source: 'email', // f2 f5 f8 (all campaign bf); o3 25, o5 30
        sessions: '3',
        orders: '2',
        revenue: 55,
        conversion_rate: ratio(2, 3), // f5 f8
        aov: 27.5,
        revenue_per_session: 18.33, // 55 / 3 = 18.333… to the cent
      },
      {
        traffic_source: 'paid_search', // f3 f9 (campaign gs); o2 8
        sessions: '2',
        orders: '1',
        revenue: 8,
        conversion_rate: ratio(1, 2),
        aov: 8,
        revenue_per_session: 4,
      },
      {
        traffic_source: 'social', // f6: a view
        sessions: '1',
        orders: '0',
        revenue: 0,
        conversion_rate: 0,
        aov: null,
        revenue_per_session: 0,
      },
    ]);
    // Totals over the sources: the shop's 10 sessions, 5 orders and 123.00.
    const all = await rows('channels');
    expect(all.reduce((s, r) => s + Number(r.sessions), 0)).toBe(10);
    expect(all.reduce((s, r) => s + Number(r.orders), 0)).toBe(5);
    expect(all.reduce((s, r) => s + Number(r.revenue), 0)).toBe(123);
    // D2 alone: email (o5 30) before organic (o4 20); paid_search has f9 and no order; no social.
    expect(await rows('channels', D2_ONLY)).toEqual([
      {
        traffic_source: 'email',
        sessions: '1',
        orders: '1',
        revenue: 30,
        conversion_rate: 1,
        aov: 30,
        revenue_per_session: 30,
      },
      {
        traffic_source: 'organic',
        sessions: '2',
        orders: '1',
        revenue: 20,
        conversion_rate: ratio(1, 2),
        aov: 20,
        revenue_per_session: 10,
      },
      {
        traffic_source: 'paid_search',
        sessions: '1',
        orders: '0',
        revenue: 0,
        conversion_rate: 0,
        aov: null,
        revenue_per_session: 0,
      },
    ]);
  });

  it('campaigns: only traffic with a campaign, by revenue', async () => {
    expect(await rows('campaigns')).toEqual([
      {
        campaign_id: 'bf',
        traffic_source: 'email',
        sessions: '3', // f2 f5 f8
        orders: '2', // o3 o5
        revenue: 55,
        conversion_rate: ratio(2, 3),
        aov: 27.5,
      },
      {
        campaign_id: 'gs',
        traffic_source: 'paid_search',
        sessions: '2', // f3 f9
        orders: '1', // o2
        revenue: 8,
        conversion_rate: ratio(1, 2),
        aov: 8,
      },
    ]);
    expect(await rows('campaigns', D2_ONLY)).toEqual([
      {
        campaign_id: 'bf',
        traffic_source: 'email',
        sessions: '1', // f8
        orders: '1', // o5
        revenue: 30,
        conversion_rate: 1,
        aov: 30,
      },
      {
        campaign_id: 'gs',
        traffic_source: 'paid_search',
        sessions: '1', // f9, no order
        orders: '0',
        revenue: 0,
        conversion_rate: 0,
        aov: null,
      },
    ]);
  });

  it('a range without data gives empty panels, not errors', async () => {
    const empty = dayRange('2026-12-01', '2026-12-07');
    for (const p of PAGE?.panels ?? []) {
      expect((await queryPanel(lake.engine, p, empty)).rows, p.id).toEqual([]);
    }
  });

  it('every panel of the page is checked above', () => {
    expect([...TESTED].sort()).toEqual((PAGE?.panels ?? []).map((p) => p.id).sort());
  });
});
