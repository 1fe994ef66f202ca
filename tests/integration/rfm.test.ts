/**
 * The RFM models (athena/models/rfm/) and the saved query rfm_segment_migration_between on a small
 * shop built from Bronze with every model in between, on DuckDB. Every expected value was worked
 * out by hand from the orders listed below and the rules in the model headers (the derivation is
 * in the comments next to it); nothing was pasted from a run.
 *
 * Three order dates, a week apart: D1 = 2026-11-02, D2 = 2026-11-09, D3 = 2026-11-16 (so recency
 * is 0, 7 or 14 days). Ten buyers u01..u10 (u11 only looks around). Each order below is one
 * purchase line of price x 1 unless noted:
 *
 *   user  D1                       D2                 D3         orders / revenue at D1, D2, D3
 *   u01   o01a 40                  o01b 40, o01c 40   o01d 40,   1/40   3/120  5/200
 *                                                     o01e 40
 *   u02   -                        -                  o02a 10    -      -      1/10
 *   u03   o03a 10+5 (2 lines),     o03c 15, o03d 15   -          2/30   4/60   4/60
 *         o03b 15
 *   u04   o04a 15                  o04b 25, o04c 25   -          1/15   3/65   3/65
 *   u05   -                        o05a 30            -          -      1/30   1/30
 *   u06   o06a 10                  o06b 10            -          1/10   2/20   2/20
 *   u07   o07a..o07e 30 each       -                  -          5/150  5/150  5/150
 *   u08   o08a 10                  -                  -          1/10   1/10   1/10
 *   u09   o09a 20, o09b 20,        -                  -          3/70   3/70   3/70
 *         o09c 15 x 2
 *   u10   o10a 15, o10b 15         -                  -          2/30   2/30   2/30
 *
 * Scores (mid-rank percentile): score = 1 + floor(5 * (below + equal / 2) / n), in integers
 * 1 + (5 * x) / (2 * n) with x = 2 * below + equal, where below = the snapshot's customers strictly
 * worse on the measure (rank() - 1), equal = those with the same value (itself included), n = the
 * snapshot's customers. Below, "b2 e3" means below 2, equal 3, so x = 7. The x -> score tables:
 *   D1, n = 8  (5x / 16): x 1-3 -> 1; 4-6 -> 2; 7-9  -> 3; 10-12 -> 4; 13-15 -> 5
 *   D2, n = 9  (5x / 18): x 1-3 -> 1; 4-7 -> 2; 8-10 -> 3; 11-14 -> 4; 15-17 -> 5
 *   D3, n = 10 (5x / 20): x 1-3 -> 1; 4-7 -> 2; 8-11 -> 3; 12-15 -> 4; 16-19 -> 5
 * (e.g. D2, x = 11: 55 / 18 = 3.06 -> 1 + 3 = 4; x = 10: 50 / 18 = 2.78 -> 3.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savedQuery } from '../../lib/catalog/saved-queries.ts';
import { canonical, model, ShopLake, type Row, type ShopEvent } from '../helpers/shop-lake.ts';

const D1 = '2026-11-02';
const D2 = '2026-11-09';
const D3 = '2026-11-16';
const USERS = ['u01', 'u02', 'u03', 'u04', 'u05', 'u06', 'u07', 'u08', 'u09', 'u10', 'u11'];

let eventNo = 0;
/** One order: a purchase line per [price, quantity], at `time` on `date` (UTC). */
function order(
  id: string,
  user: string,
  date: string,
  time: string,
  lines: readonly (readonly [number, number])[],
): ShopEvent[] {
  return lines.map(([price, quantity], i) => ({
    id: `e${String(++eventNo).padStart(3, '0')}`,
    type: 'purchase',
    ts: `${date}T${time}Z`,
    user,
    session: `s-${id}`,
    product: i === 0 ? 'p1' : 'p2',
    price,
    quantity,
    order: id,
    // The helper's default payment method ('card') is not in the contract: Silver quarantines it.
    payment: 'credit_card',
  }));
}
/** An order of one line of `price` x 1. */
const one = (id: string, user: string, date: string, time: string, price: number) =>
  order(id, user, date, time, [[price, 1]]);

const EVENTS: ShopEvent[] = [
  // D1
  ...one('o01a', 'u01', D1, '09:00:00', 40),
  ...order('o03a', 'u03', D1, '09:10:00', [
    [10, 1],
    [5, 1],
  ]),
  ...one('o03b', 'u03', D1, '15:00:00', 15),
  ...one('o04a', 'u04', D1, '10:00:00', 15),
  ...one('o06a', 'u06', D1, '11:00:00', 10),
  ...['a', 'b', 'c', 'd', 'e'].flatMap((x, i) => one(`o07${x}`, 'u07', D1, `1${i}:30:00`, 30)),
  ...one('o08a', 'u08', D1, '12:00:00', 10),
  ...one('o09a', 'u09', D1, '13:00:00', 20),
  ...one('o09b', 'u09', D1, '14:00:00', 20),
  ...order('o09c', 'u09', D1, '16:00:00', [[15, 2]]),
  ...one('o10a', 'u10', D1, '17:00:00', 15),
  ...one('o10b', 'u10', D1, '18:00:00', 15),
  // D2
  ...one('o01b', 'u01', D2, '09:00:00', 40),
  ...one('o01c', 'u01', D2, '10:00:00', 40),
  ...one('o03c', 'u03', D2, '11:00:00', 15),
  ...one('o03d', 'u03', D2, '12:00:00', 15),
  ...one('o04b', 'u04', D2, '13:00:00', 25),
  ...one('o04c', 'u04', D2, '14:00:00', 25),
  ...one('o05a', 'u05', D2, '15:00:00', 30),
  ...one('o06b', 'u06', D2, '16:00:00', 10),
  // D3
  ...one('o01d', 'u01', D3, '09:00:00', 40),
  ...one('o01e', 'u01', D3, '10:00:00', 40),
  ...one('o02a', 'u02', D3, '11:00:00', 10),
  // Not orders: page views and a cart (u11 never buys, so is in no snapshot).
  { id: 'v001', ts: `${D1}T08:00:00Z`, user: 'u11', session: 's-v1', product: 'p1' },
  { id: 'v002', ts: `${D3}T08:00:00Z`, user: 'u02', session: 's-o02a', product: 'p1' },
  {
    id: 'v003',
    type: 'add_to_cart',
    ts: `${D3}T08:05:00Z`,
    user: 'u11',
    session: 's-v3',
    product: 'p2',
  },
];

const CUSTOMERS = USERS.map((id) => ({ id, updated: '2025-01-01T00:00:00Z' }));
const PRODUCTS = [
  { id: 'p1', price: 10, updated: '2025-01-01T00:00:00Z' },
  { id: 'p2', price: 5, updated: '2025-01-01T00:00:00Z' },
];

/** One expected rfm_customer row; r, f and m scores are the digits of `cell`. */
function rfm(
  snapshot: string,
  user: string,
  lastOrder: string,
  recency: number,
  frequency: number,
  monetary: string,
  cell: string,
  scoreSum: number,
  fm: number,
  tier: string,
  segment: string,
): Row {
  return {
    user_id: user,
    last_order_date: lastOrder,
    recency_days: String(recency),
    frequency: String(frequency),
    monetary,
    r_score: Number(cell[0]),
    f_score: Number(cell[1]),
    m_score: Number(cell[2]),
    rfm_cell: cell,
    score_sum: scoreSum,
    tier,
    fm_score: fm,
    segment,
    snapshot_date: snapshot,
  };
}

const CLT = "Can't Lose Them";

const EXPECTED_RFM: Row[] = [
  // D1: n = 8, everyone ordered on D1, so recency is 0 for all: all tied, b0 e8, x = 8 -> R3 for
  // all (everyone tied scores the middle, 3; the old bottom-of-the-tie rule gave them all R1).
  // F (frequency): 1 (u01,u04,u06,u08) b0 e4 x4 -> 2; 2 (u03,u10) b4 e2 x10 -> 4;
  //   3 (u09) b6 e1 x13 -> 5; 5 (u07) b7 e1 x15 -> 5.
  // M (monetary): 10 (u06,u08) b0 e2 x2 -> 1; 15 (u04) b2 e1 x5 -> 2; 30 (u03,u10) b3 e2 x8 -> 3;
  //   40 (u01) b5 e1 x11 -> 4; 70 (u09) b6 e1 x13 -> 5; 150 (u07) b7 e1 x15 -> 5.
  // fm = (f + m + 1) / 2 in integers; tier by r + f + m; segment by (R, FM).
  rfm(D1, 'u01', D1, 0, 1, '40.00', '324', 9, 3, 'Potential', 'Need Attention'), // (2+4+1)/2 = 3
  rfm(D1, 'u03', D1, 0, 2, '30.00', '343', 10, 4, 'Loyal', 'Loyal Customers'), // (4+3+1)/2 = 4
  rfm(D1, 'u04', D1, 0, 1, '15.00', '322', 7, 2, 'Potential', 'About To Sleep'), // (2+2+1)/2 = 2
  rfm(D1, 'u06', D1, 0, 1, '10.00', '321', 6, 2, 'At Risk', 'About To Sleep'), // (2+1+1)/2 = 2
  rfm(D1, 'u07', D1, 0, 5, '150.00', '355', 13, 5, 'Champion', 'Loyal Customers'), // R3 FM5
  rfm(D1, 'u08', D1, 0, 1, '10.00', '321', 6, 2, 'At Risk', 'About To Sleep'),
  rfm(D1, 'u09', D1, 0, 3, '70.00', '355', 13, 5, 'Champion', 'Loyal Customers'),
  rfm(D1, 'u10', D1, 0, 2, '30.00', '343', 10, 4, 'Loyal', 'Loyal Customers'),
  // D2: n = 9 (u02 has not ordered yet). Last order D1 (recency 7): u07..u10, b0 e4 x4 -> R2;
  // last order D2 (recency 0): u01,u03,u04,u05,u06, b4 e5 x13 -> R4.
  // F: 1 (u05,u08) b0 e2 x2 -> 1; 2 (u06,u10) b2 e2 x6 -> 2; 3 (u01,u04,u09) b4 e3 x11 -> 4;
  //   4 (u03) b7 e1 x15 -> 5; 5 (u07) b8 e1 x17 -> 5.
  // M: 10 (u08) b0 e1 x1 -> 1; 20 (u06) b1 e1 x3 -> 1; 30 (u05,u10) b2 e2 x6 -> 2;
  //   60 (u03) b4 e1 x9 -> 3; 65 (u04) b5 e1 x11 -> 4; 70 (u09) b6 e1 x13 -> 4;
  //   120 (u01) b7 e1 x15 -> 5; 150 (u07) b8 e1 x17 -> 5.
  rfm(D2, 'u01', D2, 0, 3, '120.00', '445', 13, 5, 'Champion', 'Loyal Customers'), // R4 FM5
  rfm(D2, 'u03', D2, 0, 4, '60.00', '453', 12, 4, 'Loyal', 'Loyal Customers'), // (5+3+1)/2 = 4
  rfm(D2, 'u04', D2, 0, 3, '65.00', '444', 12, 4, 'Loyal', 'Loyal Customers'), // (4+4+1)/2 = 4
  rfm(D2, 'u05', D2, 0, 1, '30.00', '412', 7, 2, 'Potential', 'Potential Loyalists'), // R4 FM2
  rfm(D2, 'u06', D2, 0, 2, '20.00', '421', 7, 2, 'Potential', 'Potential Loyalists'),
  rfm(D2, 'u07', D1, 7, 5, '150.00', '255', 12, 5, 'Loyal', CLT), // R2 FM5
  rfm(D2, 'u08', D1, 7, 1, '10.00', '211', 4, 1, 'Lost', 'Hibernating'), // (1+1+1)/2 = 1
  rfm(D2, 'u09', D1, 7, 3, '70.00', '244', 10, 4, 'Loyal', 'At Risk'), // R2 FM4
  rfm(D2, 'u10', D1, 7, 2, '30.00', '222', 6, 2, 'At Risk', 'Hibernating'), // (2+2+1)/2 = 2
  // D3: n = 10. Last order D1 (recency 14): u07..u10, b0 e4 x4 -> R2; D2 (recency 7): u03..u06,
  // b4 e4 x12 -> R4; D3 (recency 0): u01, u02, b8 e2 x18 -> R5.
  // F: 1 (u02,u05,u08) b0 e3 x3 -> 1; 2 (u06,u10) b3 e2 x8 -> 3; 3 (u04,u09) b5 e2 x12 -> 4;
  //   4 (u03) b7 e1 x15 -> 4; 5 (u01,u07: a tie at the top) b8 e2 x18 -> 5.
  // M: 10 (u02,u08) b0 e2 x2 -> 1; 20 (u06) b2 e1 x5 -> 2; 30 (u05,u10) b3 e2 x8 -> 3;
  //   60 (u03) b5 e1 x11 -> 3; 65 (u04) b6 e1 x13 -> 4; 70 (u09) b7 e1 x15 -> 4;
  //   150 (u07) b8 e1 x17 -> 5; 200 (u01) b9 e1 x19 -> 5.
  rfm(D3, 'u01', D3, 0, 5, '200.00', '555', 15, 5, 'Champion', 'Champions'), // R5 FM5
  rfm(D3, 'u02', D3, 0, 1, '10.00', '511', 7, 1, 'Potential', 'New Customers'), // R5 FM1
  rfm(D3, 'u03', D2, 7, 4, '60.00', '443', 11, 4, 'Loyal', 'Loyal Customers'), // (4+3+1)/2 = 4
  rfm(D3, 'u04', D2, 7, 3, '65.00', '444', 12, 4, 'Loyal', 'Loyal Customers'),
  rfm(D3, 'u05', D2, 7, 1, '30.00', '413', 8, 2, 'Potential', 'Potential Loyalists'), // FM2
  // u06's M went from 1 to 2 only because u02 joined below it (b1 of 9, x3 -> b2 of 10, x5).
  rfm(D3, 'u06', D2, 7, 2, '20.00', '432', 9, 3, 'Potential', 'Potential Loyalists'), // R4 FM3
  rfm(D3, 'u07', D1, 14, 5, '150.00', '255', 12, 5, 'Loyal', CLT),
  rfm(D3, 'u08', D1, 14, 1, '10.00', '211', 4, 1, 'Lost', 'Hibernating'),
  rfm(D3, 'u09', D1, 14, 3, '70.00', '244', 10, 4, 'Loyal', 'At Risk'),
  // u10 did not order, yet went from Hibernating to At Risk: u02 joined below it on F
  // (b2 of 9, x6 -> 2; b3 of 10, x8 -> 3), so FM (3+3+1)/2 = 3, R2 FM3.
  rfm(D3, 'u10', D1, 14, 2, '30.00', '233', 8, 3, 'Potential', 'At Risk'),
];

function summary(
  snapshot: string,
  segment: string,
  customers: number,
  revenue: string,
  customerShare: number,
  revenueShare: number,
  avgRecency: number,
  avgFrequency: number,
  avgMonetary: string,
): Row {
  return {
    segment,
    customers: String(customers),
    revenue,
    customer_share: customerShare,
    revenue_share: revenueShare,
    avg_recency_days: avgRecency,
    avg_frequency: avgFrequency,
    avg_monetary: avgMonetary,
    snapshot_date: snapshot,
  };
}

const EXPECTED_SUMMARY: Row[] = [
  // D1: 8 customers, revenue 40+30+15+10+150+10+70+30 = 355.
  summary(D1, 'Need Attention', 1, '40.00', 1 / 8, 40 / 355, 0, 1, '40.00'), // u01
  // Loyal Customers u03,u07,u09,u10: 30+150+70+30 = 280; frequency (2+5+3+2)/4 = 3; 280/4 = 70.
  summary(D1, 'Loyal Customers', 4, '280.00', 4 / 8, 280 / 355, 0, 3, '70.00'),
  // About To Sleep u04,u06,u08: 15+10+10 = 35; 35/3 = 11.666... -> 11.67 (rounded to cents).
  summary(D1, 'About To Sleep', 3, '35.00', 3 / 8, 35 / 355, 0, 1, '11.67'),
  // D2: 9 customers, revenue 120+60+65+30+20+150+10+70+30 = 555.
  // Loyal Customers u01,u03,u04: 120+60+65 = 245; recency 0; frequency (3+4+3)/3 = 10/3;
  // 245/3 = 81.666... -> 81.67.
  summary(D2, 'Loyal Customers', 3, '245.00', 3 / 9, 245 / 555, 0, 10 / 3, '81.67'),
  // Potential Loyalists u05,u06: 30+20 = 50; recency 0; frequency (1+2)/2 = 1.5; 25.00.
  summary(D2, 'Potential Loyalists', 2, '50.00', 2 / 9, 50 / 555, 0, 1.5, '25.00'),
  summary(D2, CLT, 1, '150.00', 1 / 9, 150 / 555, 7, 5, '150.00'), // u07
  // Hibernating u08,u10: 10+30 = 40; recency 7; frequency (1+2)/2 = 1.5; 20.00.
  summary(D2, 'Hibernating', 2, '40.00', 2 / 9, 40 / 555, 7, 1.5, '20.00'),
  summary(D2, 'At Risk', 1, '70.00', 1 / 9, 70 / 555, 7, 3, '70.00'), // u09
  // D3: 10 customers, revenue 200+10+60+65+30+20+150+10+70+30 = 645.
  summary(D3, 'Champions', 1, '200.00', 1 / 10, 200 / 645, 0, 5, '200.00'), // u01
  summary(D3, 'New Customers', 1, '10.00', 1 / 10, 10 / 645, 0, 1, '10.00'), // u02
  // Loyal Customers u03,u04: 60+65 = 125; recency 7; frequency (4+3)/2 = 3.5; 62.50.
  summary(D3, 'Loyal Customers', 2, '125.00', 2 / 10, 125 / 645, 7, 3.5, '62.50'),
  // Potential Loyalists u05,u06: 30+20 = 50; recency 7; frequency (1+2)/2 = 1.5; 25.00.
  summary(D3, 'Potential Loyalists', 2, '50.00', 2 / 10, 50 / 645, 7, 1.5, '25.00'),
  summary(D3, CLT, 1, '150.00', 1 / 10, 150 / 645, 14, 5, '150.00'), // u07
  summary(D3, 'Hibernating', 1, '10.00', 1 / 10, 10 / 645, 14, 1, '10.00'), // u08
  // At Risk u09,u10: 70+30 = 100; recency 14; frequency (3+2)/2 = 2.5; 50.00.
  summary(D3, 'At Risk', 2, '100.00', 2 / 10, 100 / 645, 14, 2.5, '50.00'),
];

const move = (
  snapshot: string,
  previous: string | null,
  from: string,
  to: string,
  customers: number,
): Row => ({
  from_segment: from,
  to_segment: to,
  customers: String(customers),
  previous_snapshot_date: previous,
  snapshot_date: snapshot,
});

const EXPECTED_MIGRATION: Row[] = [
  // D1 is the first snapshot: no previous date, everyone is '(new)'.
  move(D1, null, '(new)', 'Need Attention', 1), // u01
  move(D1, null, '(new)', 'Loyal Customers', 4), // u03, u07, u09, u10
  move(D1, null, '(new)', 'About To Sleep', 3), // u04, u06, u08
  // D2 from D1 (the segments of EXPECTED_RFM, D1 -> D2). D1 is 7 days before D2: the oldest a
  // previous snapshot may be (the gap case is in the edge cases below).
  // D2 from D1:
  move(D2, D1, 'Need Attention', 'Loyal Customers', 1), // u01
  move(D2, D1, 'Loyal Customers', 'Loyal Customers', 1), // u03
  move(D2, D1, 'About To Sleep', 'Loyal Customers', 1), // u04
  move(D2, D1, '(new)', 'Potential Loyalists', 1), // u05: first order on D2
  move(D2, D1, 'About To Sleep', 'Potential Loyalists', 1), // u06
  move(D2, D1, 'Loyal Customers', CLT, 1), // u07
  move(D2, D1, 'About To Sleep', 'Hibernating', 1), // u08
  move(D2, D1, 'Loyal Customers', 'At Risk', 1), // u09
  move(D2, D1, 'Loyal Customers', 'Hibernating', 1), // u10
  // D3 from D2:
  move(D3, D2, 'Loyal Customers', 'Champions', 1), // u01
  move(D3, D2, '(new)', 'New Customers', 1), // u02: first order on D3
  move(D3, D2, 'Loyal Customers', 'Loyal Customers', 2), // u03, u04
  move(D3, D2, 'Potential Loyalists', 'Potential Loyalists', 2), // u05, u06
  move(D3, D2, CLT, CLT, 1), // u07
  move(D3, D2, 'Hibernating', 'Hibernating', 1), // u08
  move(D3, D2, 'At Risk', 'At Risk', 1), // u09
  move(D3, D2, 'Hibernating', 'At Risk', 1), // u10
];

/** athena/queries/rfm_segment_migration_between.sql with its two dates set. */
function between(from: string, to: string): string {
  const sql = savedQuery('rfm_segment_migration_between');
  const edited = sql
    .replace(/'\d{4}-\d{2}-\d{2}' AS from_date/, `'${from}' AS from_date`)
    .replace(/'\d{4}-\d{2}-\d{2}' AS to_date/, `'${to}' AS to_date`);
  expect(edited.match(new RegExp(`'${from}' AS from_date`))).not.toBeNull();
  expect(edited.match(new RegExp(`'${to}' AS to_date`))).not.toBeNull();
  return edited;
}

const RFM_TABLES = {
  rfm_customer: 'snapshot_date, user_id',
  rfm_segment_summary: 'snapshot_date, segment',
  rfm_segment_migration: 'snapshot_date, from_segment, to_segment',
} as const;

describe('RFM models on a hand-written shop', () => {
  let lake: ShopLake;

  beforeAll(async () => {
    lake = await ShopLake.open({
      events: EVENTS,
      customers: { '2026-11-01': CUSTOMERS },
      products: { '2026-11-01': PRODUCTS },
    });
    await lake.build(Object.keys(RFM_TABLES));
  }, 120_000);

  afterAll(async () => {
    await lake?.close();
  });

  it('rfm_customer: columns and types', async () => {
    const cols = await lake.rows('DESCRIBE rfm_customer');
    expect(cols.map((c) => [c.column_name, c.column_type])).toEqual([
      ['user_id', 'VARCHAR'],
      ['last_order_date', 'DATE'],
      ['recency_days', 'BIGINT'],
      ['frequency', 'BIGINT'],
      ['monetary', 'DECIMAL(18,2)'],
      ['r_score', 'INTEGER'],
      ['f_score', 'INTEGER'],
      ['m_score', 'INTEGER'],
      ['rfm_cell', 'VARCHAR'],
      ['score_sum', 'INTEGER'],
      ['tier', 'VARCHAR'],
      ['fm_score', 'INTEGER'],
      ['segment', 'VARCHAR'],
      ['snapshot_date', 'VARCHAR'],
    ]);
  });

  it('rfm_customer: one row per snapshot and buyer with the hand-computed scores', async () => {
    const actual = await lake.rows(
      `SELECT * REPLACE (CAST(last_order_date AS VARCHAR) AS last_order_date) FROM rfm_customer`,
    );
    expect(canonical(actual)).toEqual(canonical(EXPECTED_RFM));
  });

  it('rfm_customer: every tier and the named segments occur', async () => {
    const tiers = new Set(EXPECTED_RFM.map((r) => r.tier));
    expect([...tiers].sort()).toEqual(['At Risk', 'Champion', 'Lost', 'Loyal', 'Potential']);
    const segments = await lake.rows('SELECT DISTINCT segment FROM rfm_customer ORDER BY 1');
    // Nine of the eleven segments: all but Promising and Lost (Lost is in the edge cases below).
    expect(segments.map((r) => r.segment)).toEqual([
      'About To Sleep',
      'At Risk',
      CLT,
      'Champions',
      'Hibernating',
      'Loyal Customers',
      'Need Attention',
      'New Customers',
      'Potential Loyalists',
    ]);
  });

  it('rfm_segment_summary: customers, revenue, shares and averages per segment', async () => {
    const cols = await lake.rows('DESCRIBE rfm_segment_summary');
    expect(cols.map((c) => [c.column_name, c.column_type])).toEqual([
      ['segment', 'VARCHAR'],
      ['customers', 'BIGINT'],
      ['revenue', 'DECIMAL(18,2)'],
      ['customer_share', 'DOUBLE'],
      ['revenue_share', 'DOUBLE'],
      ['avg_recency_days', 'DOUBLE'],
      ['avg_frequency', 'DOUBLE'],
      ['avg_monetary', 'DECIMAL(18,2)'],
      ['snapshot_date', 'VARCHAR'],
    ]);
    const actual = await lake.rows('SELECT * FROM rfm_segment_summary');
    expect(canonical(actual)).toEqual(canonical(EXPECTED_SUMMARY));
  });

  it('rfm_segment_migration: from the previous snapshot, new customers from (new)', async () => {
    const cols = await lake.rows('DESCRIBE rfm_segment_migration');
    expect(cols.map((c) => [c.column_name, c.column_type])).toEqual([
      ['from_segment', 'VARCHAR'],
      ['to_segment', 'VARCHAR'],
      ['customers', 'BIGINT'],
      ['previous_snapshot_date', 'VARCHAR'],
      ['snapshot_date', 'VARCHAR'],
    ]);
    const actual = await lake.rows('SELECT * FROM rfm_segment_migration');
    expect(canonical(actual)).toEqual(canonical(EXPECTED_MIGRATION));
  });

  it('the saved query gives the migration model for consecutive dates', async () => {
    for (const [from, to] of [
      [D1, D2],
      [D2, D3],
    ] as const) {
      const actual = await lake.rows(between(from, to));
      const expected = EXPECTED_MIGRATION.filter((r) => r.snapshot_date === to).map((r) => ({
        from_date: from,
        to_date: to,
        from_segment: r.from_segment,
        to_segment: r.to_segment,
        customers: r.customers,
      }));
      expect(canonical(actual), `${from} -> ${to}`).toEqual(canonical(expected));
      // And the same as the published model's partition, read back.
      const published = await lake.rows(
        `SELECT previous_snapshot_date AS from_date, snapshot_date AS to_date, from_segment,
                to_segment, customers
         FROM rfm_segment_migration WHERE snapshot_date = '${to}'`,
      );
      expect(canonical(actual), `${from} -> ${to}`).toEqual(canonical(published));
    }
  });

  it('the saved query spans any two snapshots, either way round', async () => {
    const row = (from: string, to: string, f: string, t: string, n: number): Row => ({
      from_date: from,
      to_date: to,
      from_segment: f,
      to_segment: t,
      customers: String(n),
    });
    // D1 -> D3, segments from EXPECTED_RFM (D1 column, D3 column).
    expect(canonical(await lake.rows(between(D1, D3)))).toEqual(
      canonical([
        row(D1, D3, 'Need Attention', 'Champions', 1), // u01
        row(D1, D3, '(new)', 'New Customers', 1), // u02
        row(D1, D3, 'Loyal Customers', 'Loyal Customers', 1), // u03
        row(D1, D3, 'About To Sleep', 'Loyal Customers', 1), // u04
        row(D1, D3, '(new)', 'Potential Loyalists', 1), // u05
        row(D1, D3, 'About To Sleep', 'Potential Loyalists', 1), // u06
        row(D1, D3, 'Loyal Customers', CLT, 1), // u07
        row(D1, D3, 'About To Sleep', 'Hibernating', 1), // u08
        row(D1, D3, 'Loyal Customers', 'At Risk', 2), // u09, u10
      ]),
    );
    // D3 -> D2 (backwards): u02 is not in D2's snapshot, so it goes to '(gone)'; the other
    // nine are the D2 -> D3 moves reversed.
    expect(canonical(await lake.rows(between(D3, D2)))).toEqual(
      canonical([
        row(D3, D2, 'Champions', 'Loyal Customers', 1), // u01
        row(D3, D2, 'New Customers', '(gone)', 1), // u02
        row(D3, D2, 'Loyal Customers', 'Loyal Customers', 2), // u03, u04
        row(D3, D2, 'Potential Loyalists', 'Potential Loyalists', 2), // u05, u06
        row(D3, D2, CLT, CLT, 1), // u07
        row(D3, D2, 'Hibernating', 'Hibernating', 1), // u08
        row(D3, D2, 'At Risk', 'At Risk', 1), // u09
        row(D3, D2, 'At Risk', 'Hibernating', 1), // u10
      ]),
    );
  });

  it('the segment grid in rfm_customer is the spec grid, and the tiers are the spec tiers', async () => {
    // The CASE expressions of the model, run over every (r_score, fm_score) and score_sum.
    const sql = model('rfm_customer').sql;
    const segmentCase = /CASE\s+WHEN r_score = 5[\s\S]*?END(?= AS segment)/.exec(sql)?.[0];
    const tierCase = /CASE\s+WHEN score_sum >= 13[\s\S]*?END(?= AS tier)/.exec(sql)?.[0];
    expect(segmentCase).toBeDefined();
    expect(tierCase).toBeDefined();
    const grid = await lake.rows(`
      SELECT r_score, fm_score, ${segmentCase!} AS segment
      FROM (SELECT CAST(r AS INTEGER) AS r_score, CAST(fm AS INTEGER) AS fm_score
            FROM range(1, 6) a(r), range(1, 6) b(fm))
      ORDER BY r_score DESC, fm_score`);
    // prettier-ignore
    const spec: Record<number, string[]> = {
      // FM: 1           2                      3                      4                  5
      5: ['New Customers', 'Potential Loyalists', 'Potential Loyalists', 'Champions', 'Champions'],
      4: ['Promising', 'Potential Loyalists', 'Potential Loyalists', 'Loyal Customers', 'Loyal Customers'],
      3: ['About To Sleep', 'About To Sleep', 'Need Attention', 'Loyal Customers', 'Loyal Customers'],
      2: ['Hibernating', 'Hibernating', 'At Risk', 'At Risk', CLT],
      1: ['Lost', 'Lost', 'At Risk', 'At Risk', CLT],
    };
    const expected = [5, 4, 3, 2, 1].flatMap((r) =>
      spec[r]!.map((segment, i) => ({ r_score: r, fm_score: i + 1, segment })),
    );
    expect(grid).toEqual(expected);
    // The table in the header comment says the same.
    const documented = sql
      .split('\n')
      .map((l) => /^--\s+\|\s+(\d)\s+\|(.*)\|\s*$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .flatMap((m) =>
        m[2]!.split('|').map((cell, i) => ({
          r_score: Number(m[1]),
          fm_score: i + 1,
          segment: cell.trim(),
        })),
      );
    expect(documented).toEqual(expected);
    const tiers = await lake.rows(`
      SELECT score_sum, ${tierCase!} AS tier
      FROM (SELECT CAST(s AS INTEGER) AS score_sum FROM range(3, 16) t(s))
      ORDER BY score_sum`);
    // Champion 13-15, Loyal 10-12, Potential 7-9, At Risk 5-6, Lost 3-4.
    const tier = (s: number) =>
      s >= 13 ? 'Champion' : s >= 10 ? 'Loyal' : s >= 7 ? 'Potential' : s >= 5 ? 'At Risk' : 'Lost';
    expect(tiers).toEqual(
      Array.from({ length: 13 }, (_, i) => ({ score_sum: i + 3, tier: tier(i + 3) })),
    );
  });

  it('building a single date (as an incremental run does) gives the rows of the full build', async () => {
    const before = await Promise.all(
      Object.entries(RFM_TABLES).map(([t, order]) => lake.table(t, order)),
    );
    // The planner rebuilds every snapshot from the earliest changed date on; here each date on
    // its own: D2 reads fact_orders up to D2 only, D3 up to D3 (the cumulative filter), and the
    // migration of D2 reads rfm_customer for D2 − 7 … D2 only (window_days: 7), which holds D1.
    let n = 0;
    for (const date of [D2, D3, D1]) {
      for (const name of Object.keys(RFM_TABLES)) {
        const r = await lake.engine.materialize({
          model: model(name),
          partitions: [date],
          buildId: `single${++n}`,
        });
        expect(
          r.partitions.map((p) => p.value),
          `${name} ${date}`,
        ).toEqual([date]);
      }
    }
    const after = await Promise.all(
      Object.entries(RFM_TABLES).map(([t, order]) => lake.table(t, order)),
    );
    expect(after).toEqual(before);
  });

  it('building again changes nothing', async () => {
    const before = await Promise.all(
      Object.entries(RFM_TABLES).map(([t, order]) => lake.table(t, order)),
    );
    await lake.build(Object.keys(RFM_TABLES));
    const after = await Promise.all(
      Object.entries(RFM_TABLES).map(([t, order]) => lake.table(t, order)),
    );
    expect(after).toEqual(before);
  });
});

describe('RFM models: edge cases', () => {
  it('an order whose lines fall on two dates counts once, from its first date; a lone customer scores 333', async () => {
    // Order ox: a line of 10.00 at 23:59:30 on E1 and one of 5.00 at 00:00:30 on E2, so
    // fact_orders holds a row for it on each date. Snapshot E1: 1 order, 10.00. Snapshot E2: still
    // 1 order (counted from E1), 15.00, last order date E2. One customer per snapshot: n = 1,
    // below 0, equal 1 for every measure: 1 + (5 * 1) / 2 = 1 + 2 = 3, so cell 333, sum 9, tier
    // Potential; fm (3+3+1)/2 = 3, R3 FM3 = Need Attention.
    const E1 = '2026-11-20';
    const E2 = '2026-11-21';
    const lake = await ShopLake.open({
      events: [
        ...one('ox', 'x1', E1, '23:59:30', 10),
        { ...one('ox', 'x1', E2, '00:00:30', 5)[0]!, product: 'p2' },
      ],
      customers: { '2026-11-19': [{ id: 'x1', updated: '2025-01-01T00:00:00Z' }] },
      products: { '2026-11-19': PRODUCTS },
    });
    try {
      await lake.build(['rfm_customer']);
      const orders = await lake.rows('SELECT order_id, revenue, dt FROM fact_orders ORDER BY dt');
      expect(orders).toEqual([
        { order_id: 'ox', revenue: '10.00', dt: E1 },
        { order_id: 'ox', revenue: '5.00', dt: E2 },
      ]);
      const actual = await lake.rows(
        `SELECT * REPLACE (CAST(last_order_date AS VARCHAR) AS last_order_date)
         FROM rfm_customer ORDER BY snapshot_date`,
      );
      expect(actual).toEqual([
        rfm(E1, 'x1', E1, 0, 1, '10.00', '333', 9, 3, 'Potential', 'Need Attention'),
        rfm(E2, 'x1', E2, 0, 1, '15.00', '333', 9, 3, 'Potential', 'Need Attention'),
      ]);
    } finally {
      await lake.close();
    }
  });

  it('a snapshot where everyone ordered that day gives R = 3 to all; a lapsed customer then scores R = 1', async () => {
    // F1: y1 (5.00), y2 (20.00) and y3 (30.00) each place their first order. Snapshot F1: n = 3,
    // recency 0 for all: b0 e3, x = 3, 1 + (5 * 3) / 6 = 1 + 2 = 3 -> R3 for all (not R1: a new
    // customer is not lost). F: all 1 order, b0 e3 -> 3. M (5x / 6): 5 b0 e1 x1 -> 1; 20 b1 e1 x3
    // -> 3; 30 b2 e1 x5 -> 5.
    //   y1 331, sum 7 Potential, fm (3+1+1)/2 = 2, R3 FM2 About To Sleep.
    //   y2 333, sum 9 Potential, fm 3, R3 FM3 Need Attention.
    //   y3 335, sum 11 Loyal, fm (3+5+1)/2 = 4, R3 FM4 Loyal Customers.
    // F2 (a week later): y2 (20.00) and y3 (30.00) order again, y4 (40.00) for the first time; y1
    // does not. Snapshot F2: n = 4 (5x / 8: x1 -> 1; 2-3 -> 2; 4 -> 3; 5-6 -> 4; 7 -> 5).
    // R: y1 (recency 7) b0 e1 x1 -> 1; y2, y3, y4 (recency 0) b1 e3 x5 -> 4.
    // F: 1 (y1, y4) b0 e2 x2 -> 2; 2 (y2, y3) b2 e2 x6 -> 4.
    // M: 5 (y1) b0 e1 x1 -> 1; 40 (y2, y4) b1 e2 x4 -> 3; 60 (y3) b3 e1 x7 -> 5.
    //   y1 121, sum 4 Lost, fm (2+1+1)/2 = 2, R1 FM2 Lost.
    //   y2 443, sum 11 Loyal, fm (4+3+1)/2 = 4, R4 FM4 Loyal Customers.
    //   y3 445, sum 13 Champion, fm (4+5+1)/2 = 5, R4 FM5 Loyal Customers.
    //   y4 423, sum 9 Potential, fm (2+3+1)/2 = 3, R4 FM3 Potential Loyalists.
    const F1 = '2026-11-20';
    const F2 = '2026-11-27';
    const lake = await ShopLake.open({
      events: [
        ...one('oy1a', 'y1', F1, '09:00:00', 5),
        ...one('oy2a', 'y2', F1, '10:00:00', 20),
        ...one('oy3a', 'y3', F1, '11:00:00', 30),
        ...one('oy2b', 'y2', F2, '09:00:00', 20),
        ...one('oy3b', 'y3', F2, '10:00:00', 30),
        ...one('oy4a', 'y4', F2, '11:00:00', 40),
      ],
      customers: {
        '2026-11-19': ['y1', 'y2', 'y3', 'y4'].map((id) => ({
          id,
          updated: '2025-01-01T00:00:00Z',
        })),
      },
      products: { '2026-11-19': PRODUCTS },
    });
    try {
      await lake.build(['rfm_customer']);
      const actual = await lake.rows(
        `SELECT * REPLACE (CAST(last_order_date AS VARCHAR) AS last_order_date)
         FROM rfm_customer ORDER BY snapshot_date, user_id`,
      );
      expect(actual.filter((r) => r.snapshot_date === F1).map((r) => r.r_score)).toEqual([3, 3, 3]);
      expect(actual).toEqual([
        rfm(F1, 'y1', F1, 0, 1, '5.00', '331', 7, 2, 'Potential', 'About To Sleep'),
        rfm(F1, 'y2', F1, 0, 1, '20.00', '333', 9, 3, 'Potential', 'Need Attention'),
        rfm(F1, 'y3', F1, 0, 1, '30.00', '335', 11, 4, 'Loyal', 'Loyal Customers'),
        rfm(F2, 'y1', F1, 7, 1, '5.00', '121', 4, 2, 'Lost', 'Lost'),
        rfm(F2, 'y2', F2, 0, 2, '40.00', '443', 11, 4, 'Loyal', 'Loyal Customers'),
        rfm(F2, 'y3', F2, 0, 2, '60.00', '445', 13, 5, 'Champion', 'Loyal Customers'),
        rfm(F2, 'y4', F2, 0, 1, '40.00', '423', 9, 3, 'Potential', 'Potential Loyalists'),
      ]);
    } finally {
      await lake.close();
    }
  });
  it('rfm_segment_migration: a snapshot more than 7 days after the previous one has no previous snapshot, everyone (new)', async () => {
    // G1, G2 = G1 + 8 days, G3 = G2 + 7 days; one first order on each (z1 10.00, z2 20.00, z3
    // 30.00), so the snapshots are G1 (z1), G2 (z1, z2), G3 (z1, z2, z3). Scores as in the file
    // header, 1 + (5 * x) / (2 * n) with x = 2 * below + equal:
    //   G1, n = 1: z1 alone, x = 1 -> 3 on R, F, M: 333, R3 FM3 Need Attention.
    //   G2, n = 2 (5x / 4): R z1 (recency 8) x1 -> 2, z2 (0) x3 -> 4; F both 1 order x2 -> 3;
    //   M z1 10.00 x1 -> 2, z2 20.00 x3 -> 4. z1 232, fm (3+2+1)/2 = 3, R2 FM3 At Risk; z2 434,
    //   fm (3+4+1)/2 = 4, R4 FM4 Loyal Customers.
    //   G3, n = 3 (5x / 6): R z1 (15) x1 -> 1, z2 (7) x3 -> 3, z3 (0) x5 -> 5; F all x3 -> 3;
    //   M 10 x1 -> 1, 20 x3 -> 3, 30 x5 -> 5. z1 131, fm 2, R1 FM2 Lost; z2 333, fm 3, Need
    //   Attention; z3 535, fm (3+5+1)/2 = 4, R5 FM4 Champions.
    // Migration: G1 is the first snapshot; G1 is 8 days before G2, outside D - 7 ... D - 1, so G2
    // has no previous snapshot either and both its customers are '(new)' (the model without the
    // window compared G2 with G1: z1 Need Attention -> At Risk); G2 is 7 days before G3, inside.
    const G1 = '2026-12-01';
    const G2 = '2026-12-09';
    const G3 = '2026-12-16';
    const lake = await ShopLake.open({
      events: [
        ...one('oz1', 'z1', G1, '09:00:00', 10),
        ...one('oz2', 'z2', G2, '09:00:00', 20),
        ...one('oz3', 'z3', G3, '09:00:00', 30),
      ],
      customers: {
        '2026-11-30': ['z1', 'z2', 'z3'].map((id) => ({ id, updated: '2025-01-01T00:00:00Z' })),
      },
      products: { '2026-11-30': PRODUCTS },
    });
    try {
      await lake.build(['rfm_segment_migration']);
      const segments = await lake.rows(
        'SELECT snapshot_date, user_id, rfm_cell, segment FROM rfm_customer ORDER BY 1, 2',
      );
      expect(segments).toEqual([
        { snapshot_date: G1, user_id: 'z1', rfm_cell: '333', segment: 'Need Attention' },
        { snapshot_date: G2, user_id: 'z1', rfm_cell: '232', segment: 'At Risk' },
        { snapshot_date: G2, user_id: 'z2', rfm_cell: '434', segment: 'Loyal Customers' },
        { snapshot_date: G3, user_id: 'z1', rfm_cell: '131', segment: 'Lost' },
        { snapshot_date: G3, user_id: 'z2', rfm_cell: '333', segment: 'Need Attention' },
        { snapshot_date: G3, user_id: 'z3', rfm_cell: '535', segment: 'Champions' },
      ]);
      const expected = [
        move(G1, null, '(new)', 'Need Attention', 1), // z1
        move(G2, null, '(new)', 'At Risk', 1), // z1: G1 is 8 days back, not looked at
        move(G2, null, '(new)', 'Loyal Customers', 1), // z2
        move(G3, G2, 'At Risk', 'Lost', 1), // z1
        move(G3, G2, 'Loyal Customers', 'Need Attention', 1), // z2
        move(G3, G2, '(new)', 'Champions', 1), // z3: first order on G3
      ];
      const full = await lake.rows('SELECT * FROM rfm_segment_migration');
      expect(canonical(full)).toEqual(canonical(expected));
      // Each date built alone (reading rfm_customer for D - 7 ... D) gives the same rows.
      let n = 0;
      for (const date of [G3, G2, G1]) {
        await lake.engine.materialize({
          model: model('rfm_segment_migration'),
          partitions: [date],
          buildId: `gap${++n}`,
        });
      }
      expect(canonical(await lake.rows('SELECT * FROM rfm_segment_migration'))).toEqual(
        canonical(expected),
      );
    } finally {
      await lake.close();
    }
  });
});
