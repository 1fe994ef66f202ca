/**
 * `lakehouse serve`'s HTTP API on a hand-written shop: the spec, panel rows as Arrow IPC, clear
 * errors (a broken panel fails alone), and a lake that changes under a running server.
 */
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPanels, loadDashboards } from '../../lib/dashboards/dashboards.ts';
import type { LoadedPage } from '../../lib/dashboards/panel-spec.ts';
import { dayRange } from '../../lib/dashboards/macros.ts';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINE_RUNS_PREFIX } from '../../lib/pipeline/run-records.ts';
import {
  lakeRange,
  startDashboardServer,
  untilNow,
  type DashboardServer,
} from '../../lib/dashboards/server.ts';
import { ShopLake, type ShopFixture } from '../helpers/shop-lake.ts';

const D1 = '2026-11-20';
const D2 = '2026-11-21';

// D1: one order of 2 × 15 = 30 in a session of two events; D2: one of 1 × 12.5 and a session
// without a purchase. Revenue D1–D2 = 42.5, 2 orders, 2 of 3 sessions converted.
const FIXTURE: ShopFixture = {
  events: [
    { id: 'e1', ts: `${D1}T08:00:00Z`, user: 'u1', session: 's1', product: 'p1' },
    {
      id: 'e2',
      type: 'purchase',
      ts: `${D1}T08:05:00Z`,
      user: 'u1',
      session: 's1',
      product: 'p1',
      price: 15,
      quantity: 2,
      order: 'o1',
    },
    {
      id: 'e3',
      type: 'purchase',
      ts: `${D2}T19:00:00Z`,
      user: 'u2',
      session: 's2',
      product: 'p1',
      price: 12.5,
      order: 'o2',
    },
    { id: 'e4', ts: `${D2}T20:00:00Z`, user: 'u3', session: 's3', product: 'p1' },
  ],
  customers: { [D1]: [{ id: 'u1', updated: '2025-01-01T00:00:00Z' }] },
  products: { [D1]: [{ id: 'p1', price: 15, updated: '2025-01-01T00:00:00Z' }] },
};

let lake: ShopLake;
let server: DashboardServer;
let broken: DashboardServer;

beforeAll(async () => {
  lake = await ShopLake.open(FIXTURE);
  await lake.build(['daily_kpis', 'hourly_sales']);
  server = await startDashboardServer({ lakeRoot: lake.root, database: 'lakehouse_test', port: 0 });
  // The same pages with two panels broken: bad SQL, and a spec naming a column the SQL lacks.
  const pages: LoadedPage[] = loadDashboards().map((p) => ({
    ...p,
    panels: p.panels.map((x) =>
      x.id === 'orders'
        ? { ...x, query: undefined, sql: 'SELECT nope FROM daily_kpis' }
        : x.id === 'hourly-sales'
          ? { ...x, sql: 'SELECT 1 AS hour' }
          : x,
    ),
  }));
  broken = await startDashboardServer({
    lakeRoot: lake.root,
    database: 'lakehouse_test',
    port: 0,
    pages,
  });
});
afterAll(async () => {
  await server?.close();
  await broken?.close();
  await lake?.close();
});

async function panel(s: DashboardServer, id: string, from = D1, to = D2) {
  const res = await fetch(`${s.url}api/panels/${id}?from=${from}&to=${to}`);
  return res;
}

async function rows(s: DashboardServer, id: string, from = D1, to = D2) {
  const res = await panel(s, id, from, to);
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
  return tableFromIPC(new Uint8Array(await res.arrayBuffer()))
    .toArray()
    .map((r) => r.toJSON() as Record<string, unknown>);
}

describe('lakeRange', () => {
  it('spans the data days, and names the newest day a run started on', () => {
    expect(lakeRange(lake.root)).toEqual({ first: D1, last: D2, lastRun: null });
    const runDay = join(lake.root, PIPELINE_RUNS_PREFIX, 'run_date=2026-11-22');
    mkdirSync(runDay, { recursive: true });
    try {
      expect(lakeRange(lake.root)).toEqual({ first: D1, last: D2, lastRun: '2026-11-22' });
    } finally {
      rmSync(runDay, { recursive: true });
    }
  });
});

describe('untilNow', () => {
  it('ends a range that runs into the future now, to the second; leaves past ranges alone', () => {
    const now = new Date('2026-11-21T10:30:15.750Z');
    expect(untilNow(dayRange(D1, D2), now)).toEqual({
      from: new Date(`${D1}T00:00:00Z`),
      to: new Date('2026-11-21T10:30:15Z'),
    });
    expect(untilNow(dayRange(D1, D1), now)).toEqual(dayRange(D1, D1));
    // All in the future: left as asked (an empty answer, not a reversed range).
    expect(untilNow(dayRange('2026-11-25', '2026-11-26'), now)).toEqual(
      dayRange('2026-11-25', '2026-11-26'),
    );
  });
});

describe('lakehouse serve: the API', () => {
  it('serves the app and the spec: every page and panel with its SQL, and the lake range', async () => {
    const html = await (await fetch(server.url)).text();
    expect(html).toMatch(/app\.js/);
    const js = await fetch(`${server.url}app.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('content-encoding')).toBe('gzip');
    const raw = await fetch(`${server.url}app.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(raw.headers.get('content-encoding')).toBeNull();
    expect((await raw.text()).length).toBe((await js.text()).length);
    const spec = (await (await fetch(`${server.url}api/dashboards`)).json()) as {
      pages: LoadedPage[];
      range: { first: string; last: string };
    };
    expect(spec.pages.map((p) => p.id)).toEqual(loadDashboards().map((p) => p.id));
    expect(allPanels(spec.pages).every((p) => /SELECT/i.test(p.sql))).toBe(true);
    expect(spec.range).toEqual({ first: D1, last: D2, lastRun: null });
  });

  it('answers a panel with its rows as Arrow IPC, hand-computed', async () => {
    const [kpis] = await rows(server, 'revenue');
    expect(kpis).toMatchObject({ revenue: 42.5, orders: 2, aov: 21.25, revenue_change: null });
    expect(kpis!.conversion_rate).toBeCloseTo(2 / 3, 12);
    // D2 against D1: revenue 12.5 vs 30.
    const [d2] = await rows(server, 'revenue', D2, D2);
    expect(d2!.revenue_change).toBeCloseTo((12.5 - 30) / 30, 12);
    const hours = await rows(server, 'hourly-sales', D1, D1);
    expect(hours).toHaveLength(24);
    expect(hours.filter((h) => h.revenue !== 0)).toEqual([{ hour: '08', revenue: 30, orders: 1 }]);
  });

  it('bad requests get a JSON error naming the problem', async () => {
    const cases: [string, number, RegExp][] = [
      ['api/panels/nope?from=2026-11-20&to=2026-11-21', 404, /no panel nope/],
      ['api/panels/revenue?from=2026-11-20', 400, /from and to/],
      ['api/panels/revenue?from=2026-11-21&to=2026-11-20', 400, /ends before it starts/],
      ['api/panels/revenue?from=2026-11-31&to=2026-12-01', 400, /not a date: 2026-11-31/],
      ['nope.html', 404, /not found/],
    ];
    for (const [path, status, message] of cases) {
      const res = await fetch(`${server.url}${path}`);
      expect([path, res.status]).toEqual([path, status]);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
  });

  it("a panel's failing SQL is that panel's error; the others still answer", async () => {
    const bad = await panel(broken, 'orders');
    expect(bad.status).toBe(500);
    expect(((await bad.json()) as { error: string }).error).toMatch(/nope/);
    const missing = await panel(broken, 'hourly-sales');
    expect(missing.status).toBe(500);
    expect(((await missing.json()) as { error: string }).error).toMatch(
      /returns no column revenue \(it returns hour\)/,
    );
    expect((await rows(broken, 'revenue'))[0]).toMatchObject({ revenue: 42.5 });
  });

  it('sees a build published while it runs', async () => {
    // revenue_anomalies was never built: an empty table until it is.
    expect(await rows(server, 'revenue-by-day')).toEqual([]);
    const before = ((await (await fetch(`${server.url}api/version`)).json()) as { version: string })
      .version;
    await lake.build(['revenue_anomalies']);
    await new Promise((r) => setTimeout(r, 1100)); // the server looks at the disk once a second
    const after = ((await (await fetch(`${server.url}api/version`)).json()) as { version: string })
      .version;
    expect(after).not.toBe(before);
    expect((await rows(server, 'revenue-by-day')).map((r) => r.revenue)).toEqual([30, 12.5]);
  });
});
