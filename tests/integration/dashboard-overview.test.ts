/**
 * The Overview page's panels on a hand-written shop of four days: the stat tiles over the last
 * two days against the two before, revenue by day and sales by hour. Every expected number is
 * worked out from the events below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDashboards } from '../../lib/dashboards/dashboards.ts';
import { dayRange } from '../../lib/dashboards/macros.ts';
import type { LoadedPanel } from '../../lib/dashboards/panel-spec.ts';
import { queryPanel } from '../../lib/dashboards/run-panel.ts';
import { ShopLake, type ShopEvent, type ShopFixture } from '../helpers/shop-lake.ts';

const [D1, D2, D3, D4] = ['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21'] as const;
// History for the anomaly baseline, three days apart from D1–D2's previous period (11-16, 11-17).
const [H1, H2, H3] = ['2026-11-13', '2026-11-14', '2026-11-15'] as const;

// Orders (price × quantity): H1 10, H2 10, H3 12; D1 o1 20; D2 o2 30; D3 o3 40; D4 o4 30 + o5 10.
// Sessions: D1 s1 (buys), s2; D2 s3 (buys); D3 s4 (buys), s5, s6; D4 s7 (buys), s8 (buys).
const view = (id: string, ts: string, user: string, session: string): ShopEvent => ({
  id,
  ts,
  user,
  session,
  product: 'p1',
});
const buy = (
  id: string,
  ts: string,
  user: string,
  session: string,
  order: string,
  product: string,
  price: number,
  quantity: number,
): ShopEvent => ({ id, type: 'purchase', ts, user, session, product, order, price, quantity });

const FIXTURE: ShopFixture = {
  events: [
    buy('h1', `${H1}T12:00:00Z`, 'u1', 's9', 'o9', 'p2', 10, 1),
    buy('h2', `${H2}T12:00:00Z`, 'u1', 's10', 'o10', 'p2', 10, 1),
    buy('h3', `${H3}T12:00:00Z`, 'u1', 's11', 'o11', 'p3', 12, 1),
    view('e1', `${D1}T10:00:00Z`, 'u1', 's1'),
    buy('e2', `${D1}T10:05:00Z`, 'u1', 's1', 'o1', 'p1', 20, 1),
    view('e3', `${D1}T11:00:00Z`, 'u2', 's2'),
    buy('e4', `${D2}T14:10:00Z`, 'u1', 's3', 'o2', 'p2', 10, 3),
    buy('e5', `${D3}T09:00:00Z`, 'u2', 's4', 'o3', 'p1', 20, 2),
    view('e6', `${D3}T09:30:00Z`, 'u3', 's5'),
    view('e7', `${D3}T21:00:00Z`, 'u4', 's6'),
    buy('e8', `${D4}T09:15:00Z`, 'u1', 's7', 'o4', 'p3', 15, 2),
    buy('e9', `${D4}T22:00:00Z`, 'u3', 's8', 'o5', 'p2', 10, 1),
  ],
  customers: {
    [H1]: ['u1', 'u2', 'u3'].map((id) => ({ id, updated: '2025-01-01T00:00:00Z' })),
  },
  products: {
    [H1]: [
      { id: 'p1', price: 20, updated: '2025-01-01T00:00:00Z' },
      { id: 'p2', price: 10, updated: '2025-01-01T00:00:00Z' },
      { id: 'p3', price: 15, updated: '2025-01-01T00:00:00Z' },
    ],
  },
};

let lake: ShopLake;
const panels = new Map<string, LoadedPanel>();

beforeAll(async () => {
  for (const p of loadDashboards().find((x) => x.id === 'overview')!.panels) panels.set(p.id, p);
  lake = await ShopLake.open(FIXTURE);
  await lake.build(['daily_kpis', 'hourly_sales', 'revenue_anomalies']);
});
afterAll(() => lake?.close());

async function rows(panel: string, from: string, to: string) {
  const p = panels.get(panel);
  if (!p) throw new Error(`no overview panel ${panel}`);
  return (await queryPanel(lake.engine, p, dayRange(from, to))).rows;
}

describe('Overview panels on a hand-written shop', () => {
  it('stat tiles: the last two days against the two before', async () => {
    const [kpis] = await rows('revenue', D3, D4);
    // Current D3–D4: revenue 40 + 30 + 10 = 80, orders 3, AOV 80/3, conversion 3 of 5 sessions.
    // Previous D1–D2: revenue 20 + 30 = 50, orders 2, AOV 25, conversion 2 of 3 sessions.
    expect(kpis).toMatchObject({ revenue: 80, orders: 3, aov: 26.67 });
    expect(kpis!.conversion_rate).toBeCloseTo(3 / 5, 12);
    expect(kpis!.revenue_change).toBeCloseTo((80 - 50) / 50, 12);
    expect(kpis!.orders_change).toBeCloseTo(0.5, 12);
    expect(kpis!.aov_change).toBeCloseTo((80 / 3 - 25) / 25, 12);
    expect(kpis!.conversion_change).toBeCloseTo((3 / 5 - 2 / 3) / (2 / 3), 12);
  });

  it('stat tiles: the four tiles read one query; a range with no days before it has no change', async () => {
    const ids = ['revenue', 'orders', 'aov', 'conversion'];
    expect(new Set(ids.map((id) => panels.get(id)!.file))).toEqual(
      new Set(['dashboards/sql/overview/kpis.sql']),
    );
    const [kpis] = await rows('orders', D1, D2);
    expect(kpis).toMatchObject({
      revenue: 50,
      orders: 2,
      aov: 25,
      revenue_change: null,
      orders_change: null,
      aov_change: null,
      conversion_change: null,
    });
    // One day against the day before: D4 (40, 2 orders) vs D3 (40, 1 order).
    const [d4] = await rows('aov', D4, D4);
    expect(d4).toMatchObject({
      revenue: 40,
      orders: 2,
      aov: 20,
      revenue_change: 0,
      orders_change: 1,
    });
    expect(d4!.aov_change).toBeCloseTo((20 - 40) / 40, 12);
  });

  it('stat tiles: a range without data gives zeros, not an empty panel', async () => {
    const [none] = await rows('revenue', '2026-12-01', '2026-12-07');
    expect(none).toMatchObject({ revenue: 0, orders: 0, aov: null, conversion_rate: null });
  });

  it('revenue by day: one point per day in the range, the trailing mean, spikes and drops marked', async () => {
    const r = await rows('revenue-by-day', D2, D4);
    expect(r.map((x) => [x.time, x.revenue])).toEqual([
      [`${D2} 00:00:00`, 30],
      [`${D3} 00:00:00`, 40],
      [`${D4} 00:00:00`, 40],
    ]);
    // revenue_anomalies: the mean (and sample deviation) of the days with data before each, once
    // there are at least 4. D2 ← 10, 10, 12, 20: mean 13, sd √(68/3) = 4.761, z = 3.57: a spike.
    // D3 ← …, 30: mean 16.4, sd √74.8 = 8.649, z = 2.73: a spike. D4 ← …, 40: mean 20.33,
    // sd √152.67 = 12.356, z = 1.59: none.
    expect(r.map((x) => x.trailing_mean)).toEqual([13, 16.4, 20.33]);
    expect(r.map((x) => x.anomaly)).toEqual([30, 40, null]);
    // D1 has 3 days before it: no baseline, no mark.
    expect(await rows('revenue-by-day', D1, D1)).toEqual([
      { time: `${D1} 00:00:00`, revenue: 20, trailing_mean: null, anomaly: null },
    ]);
  });

  it('sales by hour of day: all 24 UTC hours, summed over the range', async () => {
    const r = await rows('hourly-sales', D3, D4);
    expect(r.map((x) => x.hour)).toEqual(
      Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')),
    );
    // D3 09:00 o3 40 and D4 09:15 o4 30 share hour 09; D4 22:00 o5 10; every other hour 0.
    const sold = r.filter((x) => x.revenue !== 0);
    expect(sold).toEqual([
      { hour: '09', revenue: 70, orders: '2' },
      { hour: '22', revenue: 10, orders: '1' },
    ]);
    // D2 alone: o2 at 14:10.
    expect((await rows('hourly-sales', D2, D2)).filter((x) => x.revenue !== 0)).toEqual([
      { hour: '14', revenue: 30, orders: '1' },
    ]);
  });
});
