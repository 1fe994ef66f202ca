/**
 * The "Customers" dashboard page (dashboards/pages/customers.ts) on a small hand-written shop:
 * every panel's SQL run through `queryPanel` (its macros expanded for a range of days, its columns
 * checked against the spec) on the RFM and Gold signal tables built from Bronze with the
 * pipeline's own materializations. Every expected value was worked out by hand from the orders and
 * carts listed below and the rules in the model headers (athena/models/rfm/*.sql,
 * athena/models/gold/{customer_ltv,hot_leads}.sql); the derivations are in the comments.
 *
 * Three consecutive dates A 2026-11-20, B 2026-11-21, C 2026-11-22, each with orders (so each is an
 * RFM snapshot, and each snapshot's previous one is the day before). Every order is one purchase
 * line of one unit, in a session that starts with a page view of the product:
 *
 *   user  A          B            C            carts left (no purchase in the session)
 *   u1    oA1 10     oB1 10       -            C 15:00 (1 add, 1 view)
 *   u2    oA2 20     -            -            -
 *   u3    -          oB2 30       oC1 30       -
 *   u4    -          -            oC2 40       B 11:00 (2 adds, 1 view)
 *   u5    -          -            oC3 40       -
 *   u6    -          -            -            B 12:00 (1 add, 1 view)
 *
 * Values come back as DuckDB's JSON forms: BIGINT as strings ('3'), INTEGER and DOUBLE as
 * numbers, NULL as null.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../dashboards/pages/index.ts';
import { customers } from '../../dashboards/pages/customers.ts';
import { dayRange } from '../../lib/dashboards/macros.ts';
import { loadPages, type LoadedPanel } from '../../lib/dashboards/panel-spec.ts';
import { queryPanel } from '../../lib/dashboards/run-panel.ts';
import { ShopLake, type Row, type ShopEvent, type ShopFixture } from '../helpers/shop-lake.ts';

const A = '2026-11-20';
const B = '2026-11-21';
const C = '2026-11-22';

const PRICES: Record<string, number> = { p1: 10, p2: 20, p3: 30, p4: 40 };

let eventNo = 0;
const nextId = () => `e${String(++eventNo).padStart(3, '0')}`;

/** A session with a page view at `time`, then a purchase (order `order`) 5 minutes later. */
function bought(
  session: string,
  user: string,
  date: string,
  time: string,
  product: string,
  order: string,
): ShopEvent[] {
  const at = (min: number) => `${date}T${time.slice(0, 3)}${String(min).padStart(2, '0')}:00Z`;
  const base = { user, session, product, price: PRICES[product] };
  return [
    { id: nextId(), type: 'page_view', ts: at(0), ...base },
    { id: nextId(), type: 'purchase', ts: at(5), ...base, order, payment: 'credit_card' },
  ];
}

/** A session with a page view at `time`, then one add_to_cart a minute apart per product. */
function abandoned(
  session: string,
  user: string,
  date: string,
  time: string,
  products: readonly string[],
): ShopEvent[] {
  const at = (min: number) => `${date}T${time.slice(0, 3)}${String(min).padStart(2, '0')}:00Z`;
  return [
    { id: nextId(), type: 'page_view', ts: at(0), user, session, product: products[0]! },
    ...products.map((product, i): ShopEvent => ({
      id: nextId(),
      type: 'add_to_cart',
      ts: at(i + 1),
      user,
      session,
      product,
      price: PRICES[product],
    })),
  ];
}

const EVENTS: ShopEvent[] = [
  ...bought('c-s1', 'u1', A, '09:00', 'p1', 'oA1'),
  ...bought('c-s2', 'u2', A, '10:00', 'p2', 'oA2'),
  ...bought('c-s3', 'u1', B, '09:00', 'p1', 'oB1'),
  ...bought('c-s4', 'u3', B, '10:00', 'p3', 'oB2'),
  ...abandoned('c-s5', 'u4', B, '11:00', ['p2', 'p1']),
  ...abandoned('c-s6', 'u6', B, '12:00', ['p3']),
  ...bought('c-s7', 'u3', C, '09:00', 'p3', 'oC1'),
  ...bought('c-s8', 'u4', C, '10:00', 'p4', 'oC2'),
  ...bought('c-s9', 'u5', C, '11:00', 'p4', 'oC3'),
  ...abandoned('c-s10', 'u1', C, '15:00', ['p2']),
];

const TIERS: Record<string, string> = {
  u1: 'silver',
  u2: 'bronze',
  u3: 'gold',
  u4: 'bronze',
  u5: 'bronze',
  u6: 'gold',
};

const FIXTURE: ShopFixture = {
  events: EVENTS,
  // One CRM export dated A: every version is valid from A 00:00, before every event.
  customers: {
    [A]: Object.entries(TIERS).map(([id, tier]) => ({
      id,
      tier,
      updated: '2025-01-01T00:00:00Z',
    })),
  },
  products: {
    [A]: Object.entries(PRICES).map(([id, price]) => ({
      id,
      price,
      updated: '2026-11-01T00:00:00Z',
    })),
  },
};

// RFM, worked out with the rules of athena/models/rfm/rfm_customer.sql: score = 1 + (5 * (2 *
// below + equal)) / (2 * n) in integers (below = customers strictly worse on the measure, equal =
// those tied with this one, itself included), fm = (f + m + 1) / 2, segment by (R, FM).
//   A, n = 2: u1 (last A, 1 order, 10), u2 (A, 1, 20). R: tied, b0 e2, 10 / 4 -> 3 for both;
//     F: tied -> 3; M: u1 b0 e1 5 / 4 -> 2, u2 b1 e1 15 / 4 -> 4.
//     u1 R3 FM (3+2+1)/2 = 3 -> Need Attention; u2 R3 FM (3+4+1)/2 = 4 -> Loyal Customers.
//   B, n = 3: u1 (B, 2, 20), u2 (A, 1, 20), u3 (B, 1, 30).
//     R: u2 b0 e1 5 / 6 -> 1; u1, u3 b1 e2 20 / 6 -> 4.
//     F: u2, u3 b0 e2 10 / 6 -> 2; u1 b2 e1 25 / 6 -> 5.
//     M: u1, u2 b0 e2 10 / 6 -> 2; u3 b2 e1 25 / 6 -> 5.
//     u1 R4 FM (5+2+1)/2 = 4 -> Loyal Customers; u2 R1 FM (2+2+1)/2 = 2 -> Lost;
//     u3 R4 FM (2+5+1)/2 = 4 -> Loyal Customers.
//   C, n = 5: u1 (B, 2, 20), u2 (A, 1, 20), u3 (C, 2, 60), u4 (C, 1, 40), u5 (C, 1, 40).
//     R: u2 b0 e1 5 / 10 -> 1; u1 b1 e1 15 / 10 -> 2; u3 u4 u5 b2 e3 35 / 10 -> 4.
//     F: u2 u4 u5 b0 e3 15 / 10 -> 2; u1 u3 b3 e2 40 / 10 -> 5.
//     M: u1 u2 (20) b0 e2 10 / 10 -> 2; u4 u5 (40) b2 e2 30 / 10 -> 4; u3 (60) b4 e1 45 / 10 -> 5.
//     u1 R2 FM (5+2+1)/2 = 4 -> At Risk; u2 R1 FM 2 -> Lost; u3 R4 FM (5+5+1)/2 = 5 -> Loyal
//     Customers; u4, u5 R4 FM (2+4+1)/2 = 3 -> Potential Loyalists.

const ALL = dayRange(A, C);

/** A DOUBLE expected to 12 decimal places. */
const ratio = (n: number, d: number) => expect.closeTo(n / d, 12);

// This page alone, so that another page's problem does not stop these tests.
const PAGE = loadPages([customers])[0];
const TESTED = new Set<string>();

function panel(id: string): LoadedPanel {
  const p = PAGE?.panels.find((x) => x.id === id);
  if (!p) throw new Error(`the customers page has no panel ${id}`);
  return p;
}

let lake: ShopLake;

/** The panel's rows for the range (through queryPanel: macros expanded, columns checked). */
async function rows(id: string, range = ALL): Promise<Row[]> {
  TESTED.add(id);
  return [...(await queryPanel(lake.engine, panel(id), range)).rows];
}

/** A stat tile's value for the range: the first row's value column. */
async function stat(id: string, range = ALL): Promise<unknown> {
  const p = panel(id);
  if (p.visual !== 'stat') throw new Error(`${id} is not a stat`);
  const r = await rows(id, range);
  expect(r).toHaveLength(1);
  return r[0]![p.value];
}

beforeAll(async () => {
  lake = await ShopLake.open(FIXTURE);
  await lake.build(['rfm_segment_summary', 'rfm_segment_migration', 'customer_ltv', 'hot_leads']);
}, 120_000);

afterAll(async () => {
  await lake?.close();
});

describe('the customers page on a hand-written shop', () => {
  it('is one of the dashboards’ pages, titled "Customers"', () => {
    expect(PAGES).toContain(customers);
    expect(PAGE?.title).toBe('Customers');
    expect(PAGE?.panels.length).toBeGreaterThanOrEqual(5);
    expect(PAGE?.panels.length).toBeLessThanOrEqual(8);
  });

  it('customer-count: buyers up to the range’s last day', async () => {
    expect(await stat('customer-count')).toBe('5'); // u1 … u5 by C
    expect(await stat('customer-count', dayRange(A, B))).toBe('3'); // u1 u2 u3 by B
    expect(await stat('customer-count', dayRange(A, A))).toBe('2'); // u1 u2
    // A range after the last order still counts every buyer so far (the snapshot of C).
    expect(await stat('customer-count', dayRange('2026-11-25', '2026-11-30'))).toBe('5');
    expect(await stat('customer-count', dayRange('2026-11-01', '2026-11-19'))).toBe('0');
  });

  it('new-customers: buyers whose first order is in the range', async () => {
    expect(await stat('new-customers')).toBe('5'); // no snapshot before A
    expect(await stat('new-customers', dayRange(B, C))).toBe('3'); // 5 at C − 2 at A: u3 u4 u5
    expect(await stat('new-customers', dayRange(C, C))).toBe('2'); // 5 at C − 3 at B: u4 u5
    expect(await stat('new-customers', dayRange('2026-11-25', '2026-11-30'))).toBe('0');
  });

  it('revenue-per-customer: lifetime revenue per buyer as of the range’s last day', async () => {
    // C: 20 + 20 + 60 + 40 + 40 = 180 over 5.
    expect(await stat('revenue-per-customer')).toBe(36);
    // B: u1 20 + u2 20 + u3 30 = 70 over 3 = 23.333… to the cent.
    expect(await stat('revenue-per-customer', dayRange(A, B))).toBe(23.33);
    expect(await stat('revenue-per-customer', dayRange('2026-11-01', '2026-11-19'))).toBeNull();
  });

  it('hot-lead-count: the leads as of the newest as-of date in the range', async () => {
    expect(await stat('hot-lead-count')).toBe('2'); // as of C: u1, u6 (u4 bought on C)
    expect(await stat('hot-lead-count', dayRange(A, B))).toBe('2'); // as of B: u4, u6
    expect(await stat('hot-lead-count', dayRange(A, A))).toBe('0'); // nobody left a cart by A
  });

  it('rfm-segments: the newest snapshot in the range, best segments first', async () => {
    const segment = (
      name: string,
      customers: number,
      revenue: number,
      recency: number,
      frequency: number,
      monetary: number,
      snapshot: string,
      all: { customers: number; revenue: number },
    ): Row => ({
      segment: name,
      customers: String(customers),
      customer_share: ratio(customers, all.customers),
      revenue,
      revenue_share: ratio(revenue, all.revenue),
      avg_recency_days: recency,
      avg_frequency: frequency,
      avg_monetary: monetary,
      snapshot_date: snapshot,
    });
    const atC = { customers: 5, revenue: 180 };
    expect(await rows('rfm-segments')).toEqual([
      segment('Loyal Customers', 1, 60, 0, 2, 60, C, atC), // u3
      segment('Potential Loyalists', 2, 80, 0, 1, 40, C, atC), // u4, u5
      segment('At Risk', 1, 20, 1, 2, 20, C, atC), // u1: last order B, 1 day before C
      segment('Lost', 1, 20, 2, 1, 20, C, atC), // u2: last order A
    ]);
    // A … B: the snapshot of B.
    const atB = { customers: 3, revenue: 70 };
    expect(await rows('rfm-segments', dayRange(A, B))).toEqual([
      segment('Loyal Customers', 2, 50, 0, 1.5, 25, B, atB), // u1 (20, 2 orders), u3 (30, 1)
      segment('Lost', 1, 20, 1, 1, 20, B, atB), // u2
    ]);
  });

  it('rfm-migration: from the previous snapshot’s segment to the newest snapshot’s', async () => {
    const move = (to: string, from: string, customers: number, prev: string, snap: string) => ({
      to_segment: to,
      from_segment: from,
      customers: String(customers),
      previous_snapshot_date: prev,
      snapshot_date: snap,
    });
    // C from B, by the segment now (best first), then where they came from ((new) first).
    expect(await rows('rfm-migration')).toEqual([
      move('Loyal Customers', 'Loyal Customers', 1, B, C), // u3 stayed
      move('Potential Loyalists', '(new)', 2, B, C), // u4, u5: first order on C
      move('At Risk', 'Loyal Customers', 1, B, C), // u1: no order on C
      move('Lost', 'Lost', 1, B, C), // u2
    ]);
    // B from A.
    expect(await rows('rfm-migration', dayRange(A, B))).toEqual([
      move('Loyal Customers', '(new)', 1, A, B), // u3
      move('Loyal Customers', 'Need Attention', 1, A, B), // u1 ordered again
      move('Lost', 'Loyal Customers', 1, A, B), // u2
    ]);
  });

  it('ltv-deciles: lifetime revenue per LTV decile, whatever the range', async () => {
    // customer_ltv as of C: u1 20, u2 20, u3 60, u4 40, u5 40; decile = 1 + floor(10 (r − 1) / 5)
    // with r the rank by revenue: 20s r 1 -> D1; 40s r 3 -> D5; 60 r 5 -> D9.
    const expected = [
      {
        decile: 'D1',
        revenue: 40,
        customers: '2',
        revenue_share: ratio(40, 180),
        min_revenue: 20,
        max_revenue: 20,
        as_of_date: C,
      },
      {
        decile: 'D5',
        revenue: 80,
        customers: '2',
        revenue_share: ratio(80, 180),
        min_revenue: 40,
        max_revenue: 40,
        as_of_date: C,
      },
      {
        decile: 'D9',
        revenue: 60,
        customers: '1',
        revenue_share: ratio(60, 180),
        min_revenue: 60,
        max_revenue: 60,
        as_of_date: C,
      },
    ];
    expect(await rows('ltv-deciles')).toEqual(expected);
    // customer_ltv is one snapshot (as of its as_of_date): the range does not change it.
    expect(await rows('ltv-deciles', dayRange(A, A))).toEqual(expected);
  });

  it('hot-leads: the top leads as of the newest as-of date in the range', async () => {
    // Propensity (athena/models/gold/hot_leads.sql) = recency (40 − 5 x days since the last
    // abandoned cart) + carts (1 add -> 5, 2-3 -> 10) + page views in the window (1-4 -> 4)
    // + orders of the window before that cart (0 -> 0, 2-3 -> 10).
    // As of C: u1 left a cart on C (40), 1 add (5), 3 views c-s1 c-s3 c-s10 (4), 2 orders before
    // it, oA1 oB1 (10, 20.00): 59. u6 left one on B (35), 1 add (5), 1 view (4): 44.
    // u4 left one on B but bought on C: not a lead.
    expect(await rows('hot-leads')).toEqual([
      {
        lead_rank: '1',
        user_id: 'u1',
        loyalty_tier: 'silver',
        propensity_score: 59,
        last_abandoned_at: `${C} 15:00`,
        abandoned_cart_adds: '1',
        page_views: '3',
        past_orders: '2',
        past_revenue: 20,
        as_of: C,
      },
      {
        lead_rank: '2',
        user_id: 'u6',
        loyalty_tier: 'gold',
        propensity_score: 44,
        last_abandoned_at: `${B} 12:00`,
        abandoned_cart_adds: '1',
        page_views: '1',
        past_orders: '0',
        past_revenue: 0,
        as_of: C,
      },
    ]);
    // As of B: u4 (40 + 2 adds 10 + 1 view 4 = 54) before u6 (40 + 5 + 4 = 49); u1 had not left
    // a cart yet.
    const asOfB = await rows('hot-leads', dayRange(A, B));
    expect(asOfB.map((r) => [r.lead_rank, r.user_id, r.propensity_score, r.as_of])).toEqual([
      ['1', 'u4', 54, B],
      ['2', 'u6', 49, B],
    ]);
    expect(asOfB[0]).toMatchObject({ loyalty_tier: 'bronze', abandoned_cart_adds: '2' });
    expect(await rows('hot-leads', dayRange(A, A))).toEqual([]);
  });

  it('every panel of the page is checked above', () => {
    expect([...TESTED].sort()).toEqual((PAGE?.panels ?? []).map((p) => p.id).sort());
  });
});
