/**
 * The build planner (lib/build/plan.ts) on an in-memory lake listing and a fake catalog: which
 * partitions each model rebuilds as Bronze objects arrive or change, as upstream partitions are
 * republished and as model SQL is edited; and runBuild (lib/build/run-build.ts) recording the
 * fingerprints only once a model is published.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bronzeFingerprints,
  createPlanner,
  type BuildState,
  type LakeLister,
  type LakeObject,
  type PlanContext,
} from '../../lib/build/plan.ts';
import { BuildStateFile, runBuild } from '../../lib/build/run-build.ts';
import { loadModels, type Model } from '../../lib/engine/model.ts';
import type { MaterializeRequest, SqlEngine } from '../../lib/engine/sql-engine.ts';

const D1 = '2026-11-20';
const D2 = '2026-11-21';
const D3 = '2026-11-22';

/** A lake listing held in memory: key → size, listed in key order like S3. */
class MemoryLake implements LakeLister {
  readonly objects = new Map<string, number>();

  put(key: string, size = 1000): this {
    this.objects.set(key, size);
    return this;
  }

  async *list(prefix: string): AsyncIterable<LakeObject> {
    for (const key of [...this.objects.keys()].sort()) {
      if (key.startsWith(prefix)) yield { key, size: this.objects.get(key)! };
    }
  }
}

/** Published partitions of built tables, as the engine's catalog would report them. */
class FakeCatalog {
  readonly tables: Record<string, Record<string, string>> = {};
  readonly published = (table: string) => this.tables[table];

  publish(model: Model, values: readonly string[], buildId: string): void {
    const t = (this.tables[model.name] ??= {});
    const column = model.partitionedBy[0];
    for (const v of values) t[v] = `${model.layer}/${model.name}/${buildId}/${column}=${v}/`;
  }
}

const models = loadModels();
function model(name: string): Model {
  const m = models.find((x) => x.name === name);
  if (!m) throw new Error(`no model ${name}`);
  return m;
}
const SILVER = [
  'silver_customers',
  'silver_event_lines',
  'silver_events',
  'silver_products',
  'silver_quarantine',
] as const;

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const eventKey = (dt: string, hour: string, arrival: string, n: number) =>
  `bronze/events/dt=${dt}/hour=${hour}/lakehouse-events-1-${arrival}-${uuid(n)}.gz`;
const errorKey = (type: string, dt: string, arrival: string, n: number) =>
  `bronze/_errors/${type}/dt=${dt}/lakehouse-events-1-${arrival}-${uuid(n)}.gz`;

/**
 * Events on D1 (two hours) and D2, delivery errors on D2 and on D3 (a date with errors only),
 * customers snapshots on D1 and D2, a products snapshot on D1.
 */
function fixtureLake(): MemoryLake {
  return new MemoryLake()
    .put(eventKey(D1, '10', '2026-11-20-10-20-00', 1), 5000)
    .put(eventKey(D1, '23', '2026-11-20-23-40-00', 2), 3000)
    .put(eventKey(D2, '01', '2026-11-21-01-40-00', 3), 4000)
    .put(errorKey('processing-failed', D2, '2026-11-21-00-05-00', 4), 700)
    .put(errorKey('processing-failed', D3, '2026-11-22-00-01-00', 5), 600)
    .put(`bronze/reference/customers/snapshot_date=${D1}/customers.csv`, 20000)
    .put(`bronze/reference/customers/snapshot_date=${D2}/customers.csv`, 21000)
    .put(`bronze/reference/products/snapshot_date=${D1}/products.jsonl`, 9000);
}

/**
 * One build the way runBuild does it, without an engine: each model in dependency order is
 * planned, "built" (its partitions republished under `buildId`) and its fingerprints recorded.
 * Returns the partitions planned per model.
 */
async function simulateRun(
  lake: MemoryLake,
  catalog: FakeCatalog,
  state: BuildState,
  buildId: string,
  opts: { only?: readonly string[]; models?: readonly Model[] } = {},
): Promise<Record<string, readonly string[]>> {
  const plan = createPlanner({
    lister: lake,
    published: catalog.published,
    state,
    only: opts.only,
  });
  const out: Record<string, readonly string[]> = {};
  for (const m of opts.models ?? models) {
    const p = await plan(m);
    out[m.name] = p.partitions;
    if (p.partitions.length === 0) continue;
    catalog.publish(m, p.partitions, buildId);
    const mine = (state[m.name] ??= {});
    for (const v of p.partitions) mine[v] = p.fingerprints[v]!;
  }
  return out;
}

/** Partitions each model would plan now (no build). */
async function planOnly(ctx: PlanContext, list: readonly Model[] = models) {
  const plan = createPlanner(ctx);
  const out: Record<string, readonly string[]> = {};
  for (const m of list) out[m.name] = (await plan(m)).partitions;
  return out;
}

/** A lake, catalog and state after one full build of it. */
async function builtOnce() {
  const lake = fixtureLake();
  const catalog = new FakeCatalog();
  const state: BuildState = {};
  await simulateRun(lake, catalog, state, 'b1');
  return { lake, catalog, state };
}

const NOTHING = Object.fromEntries(SILVER.map((n) => [n, []]));

describe('createPlanner', () => {
  it('plans, on the first build, every Bronze date of each partitioned model', async () => {
    const lake = fixtureLake();
    const catalog = new FakeCatalog();
    // Before anything is published, models over Silver have nothing to build.
    expect(await planOnly({ lister: lake, published: catalog.published, state: {} })).toEqual({
      silver_customers: [D1, D2],
      silver_event_lines: [D1, D2, D3],
      silver_events: [],
      silver_products: [D1],
      silver_quarantine: [],
    });
    // In a build, each model is planned once its inputs are published.
    expect(await simulateRun(lake, catalog, {}, 'b1')).toEqual({
      silver_customers: [D1, D2],
      silver_event_lines: [D1, D2, D3],
      silver_events: [D1, D2, D3],
      silver_products: [D1],
      silver_quarantine: [D1, D2, D3],
    });
  });

  it('plans nothing when nothing changed since the recorded build', async () => {
    const { lake, catalog, state } = await builtOnce();
    expect(await planOnly({ lister: lake, published: catalog.published, state })).toEqual(NOTHING);
    expect(await simulateRun(lake, catalog, state, 'b2')).toEqual(NOTHING);
  });

  it('plans exactly the date that received a late object, downstream included', async () => {
    const { lake, catalog, state } = await builtOnce();
    // A late event for D1 arrives two days later (Firehose files it under its event time).
    lake.put(eventKey(D1, '10', '2026-11-22-09-00-00', 9), 200);
    expect(await simulateRun(lake, catalog, state, 'b2')).toEqual({
      ...NOTHING,
      silver_event_lines: [D1],
      silver_events: [D1],
      silver_quarantine: [D1],
    });
    // A new delivery error on D2.
    lake.put(errorKey('processing-failed', D2, '2026-11-21-07-00-00', 10), 300);
    expect(await simulateRun(lake, catalog, state, 'b3')).toEqual({
      ...NOTHING,
      silver_event_lines: [D2],
      silver_events: [D2],
      silver_quarantine: [D2],
    });
    // A new products snapshot.
    lake.put(`bronze/reference/products/snapshot_date=${D3}/products.jsonl`, 9100);
    expect(await simulateRun(lake, catalog, state, 'b4')).toEqual({
      ...NOTHING,
      silver_products: [D3],
    });
  });

  it('plans the date whose object changed size', async () => {
    const { lake, catalog, state } = await builtOnce();
    lake.put(eventKey(D2, '01', '2026-11-21-01-40-00', 3), 4001);
    lake.put(`bronze/reference/customers/snapshot_date=${D1}/customers.csv`, 19999);
    expect(await planOnly({ lister: lake, published: catalog.published, state })).toEqual({
      ...NOTHING,
      silver_customers: [D1],
      silver_event_lines: [D2],
    });
  });

  it('plans every date of a model whose SQL changed, and only that model', async () => {
    const { lake, catalog, state } = await builtOnce();
    const edited = models.map((m) =>
      m.name === 'silver_event_lines' ? { ...m, sql: `${m.sql}\n-- edited` } : m,
    );
    expect(await planOnly({ lister: lake, published: catalog.published, state }, edited)).toEqual({
      ...NOTHING,
      silver_event_lines: [D1, D2, D3],
    });
  });

  it('forces exactly the `only` dates, even when unchanged or absent from the input', async () => {
    const { lake, catalog, state } = await builtOnce();
    const ctx = { lister: lake, published: catalog.published, state };
    expect(await planOnly({ ...ctx, only: [D2] })).toEqual(
      Object.fromEntries(SILVER.map((n) => [n, [D2]])),
    );
    const plan = createPlanner({ ...ctx, only: [D3, D1] });
    const p = await plan(model('silver_customers'));
    expect(p.partitions).toEqual([D1, D3]); // sorted; D3 has no customers snapshot
    expect(Object.keys(p.fingerprints).sort()).toEqual([D1, D3]);
    // An unchanged date forced by `only` keeps its fingerprint: recording it changes nothing.
    expect(p.fingerprints[D1]).toBe(state.silver_customers![D1]);
  });

  it('plans a downstream model for the dates whose upstream partition was republished', async () => {
    const { lake, catalog, state } = await builtOnce();
    // silver_event_lines D2 republished elsewhere (e.g. by `lakehouse build --dates` of it alone).
    catalog.publish(model('silver_event_lines'), [D2], 'b9');
    expect(await planOnly({ lister: lake, published: catalog.published, state })).toEqual({
      ...NOTHING,
      silver_events: [D2],
      silver_quarantine: [D2],
    });
    // A new upstream date that was never built downstream is due too.
    catalog.publish(model('silver_event_lines'), ['2026-11-23'], 'b9');
    const p = await createPlanner({ lister: lake, published: catalog.published, state })(
      model('silver_events'),
    );
    expect(p.partitions).toEqual([D2, '2026-11-23']);
  });

  it('fingerprints a hand-made table model as one partition over all its inputs', async () => {
    const table: Model = {
      name: 'product_count',
      layer: 'gold',
      materialization: 'table',
      partitionedBy: [],
      dependsOn: ['bronze_products', 'silver_events'],
      scope: {},
      description: '',
      file: 'athena/models/gold/product_count.sql',
      sql: 'SELECT count(*) AS n FROM bronze_products',
    };
    const { lake, catalog, state } = await builtOnce();
    const ctx = () => ({ lister: lake, published: catalog.published, state });
    const first = await createPlanner(ctx())(table);
    expect(first.partitions).toEqual(['']);
    state[table.name] = { ...first.fingerprints };
    expect((await createPlanner(ctx())(table)).partitions).toEqual([]);
    lake.put(`bronze/reference/products/snapshot_date=${D2}/products.jsonl`, 10);
    expect((await createPlanner(ctx())(table)).partitions).toEqual(['']);
    state[table.name] = { ...(await createPlanner(ctx())(table)).fingerprints };
    catalog.publish(model('silver_events'), [D1], 'b7');
    expect((await createPlanner(ctx())(table)).partitions).toEqual(['']);
  });
});

describe('bronzeFingerprints', () => {
  it('groups delivery errors by dt, the second key segment after the bare error type', async () => {
    const lake = new MemoryLake()
      .put(errorKey('processing-failed', D1, '2026-11-20-10-00-00', 1), 100)
      .put(errorKey('format-conversion-failed', D1, '2026-11-20-11-00-00', 2), 200)
      .put(errorKey('processing-failed', D2, '2026-11-21-10-00-00', 3), 300);
    const byDt = await bronzeFingerprints(lake, 'bronze_delivery_errors', 'dt');
    expect([...byDt.keys()].sort()).toEqual([D1, D2]);
    const byType = await bronzeFingerprints(lake, 'bronze_delivery_errors', 'error_type');
    expect([...byType.keys()].sort()).toEqual(['format-conversion-failed', 'processing-failed']);

    // A date's fingerprint depends on its own objects only, whatever their error type.
    const d1Only = new MemoryLake()
      .put(errorKey('processing-failed', D1, '2026-11-20-10-00-00', 1), 100)
      .put(errorKey('format-conversion-failed', D1, '2026-11-20-11-00-00', 2), 200);
    expect((await bronzeFingerprints(d1Only, 'bronze_delivery_errors', 'dt')).get(D1)).toBe(
      byDt.get(D1),
    );
    lake.put(errorKey('format-conversion-failed', D1, '2026-11-20-11-00-00', 2), 201);
    const after = await bronzeFingerprints(lake, 'bronze_delivery_errors', 'dt');
    expect(after.get(D1)).not.toBe(byDt.get(D1));
    expect(after.get(D2)).toBe(byDt.get(D2));
  });

  it('plans silver_event_lines by the dt of delivery errors', async () => {
    const { lake, catalog, state } = await builtOnce();
    lake.put(errorKey('format-conversion-failed', D3, '2026-11-22-05-00-00', 11), 50);
    const p = await createPlanner({ lister: lake, published: catalog.published, state })(
      model('silver_event_lines'),
    );
    expect(p.partitions).toEqual([D3]);
  });

  it('ignores keys that do not fit the partition layout', async () => {
    const { lake, catalog, state } = await builtOnce();
    const tables = [
      ['bronze_events', 'dt'],
      ['bronze_delivery_errors', 'dt'],
      ['bronze_customers', 'snapshot_date'],
      ['bronze_products', 'snapshot_date'],
    ] as const;
    const before = await Promise.all(tables.map(([t, c]) => bronzeFingerprints(lake, t, c)));
    for (const key of [
      'bronze/events/_SUCCESS',
      'bronze/events/README.md',
      'bronze/events/dt=/hour=10/x.gz',
      `bronze/events/hour=10/dt=${D1}/x.gz`,
      `bronze/events/date=${D1}/hour=10/x.gz`,
      'bronze/_errors/processing-failed/x.gz',
      `bronze/_errors/dt=${D1}/x.gz`,
      'bronze/reference/customers/customers.csv',
      'bronze/reference/customers/snapshot_date=/customers.csv',
      `bronze/eventsarchive/dt=${D1}/hour=10/x.gz`,
    ]) {
      lake.put(key, 1);
    }
    const after = await Promise.all(tables.map(([t, c]) => bronzeFingerprints(lake, t, c)));
    expect(after).toEqual(before);
    expect(await planOnly({ lister: lake, published: catalog.published, state })).toEqual(NOTHING);
  });

  it('bronzeFingerprints: ignores objects above the hour= level, which no engine reads', async () => {
    // The DuckDB view reads bronze/events/*/*/*.gz and Athena's projection reads
    // dt=${dt}/hour=${hour}/, so neither of these objects is ever read: counting them would
    // rebuild D1 for nothing and build a date with no data.
    const { lake, catalog, state } = await builtOnce();
    lake.put(`bronze/events/dt=${D1}/stray.gz`, 10);
    lake.put('bronze/events/dt=2026-11-25/', 0); // an S3 console "folder" marker
    expect(await planOnly({ lister: lake, published: catalog.published, state })).toEqual(NOTHING);
  });
});

describe('runBuild', () => {
  const work = mkdtempSync(join(tmpdir(), 'build-plan-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let n = 0;

  /** An engine that publishes to `catalog` and fails once for the models in `failOnce`. */
  function fakeEngine(catalog: FakeCatalog, failOnce: Set<string> = new Set()) {
    const calls: [string, readonly string[] | undefined][] = [];
    const engine: SqlEngine = {
      kind: 'duckdb',
      query: () => Promise.reject(new Error('not used')),
      async materialize(req: MaterializeRequest) {
        calls.push([req.model.name, req.partitions]);
        if (failOnce.delete(req.model.name)) throw new Error(`${req.model.name} failed`);
        catalog.publish(req.model, req.partitions ?? [], req.buildId);
        return {
          model: req.model.name,
          rows: 0,
          partitions: [],
          removed: [],
          location: `${req.model.layer}/${req.model.name}/${req.buildId}/`,
          statements: 1,
          seconds: 0,
        };
      },
      close: () => Promise.resolve(),
    };
    return { engine, calls };
  }

  it('records fingerprints once each model is published; the next run builds nothing', async () => {
    const lake = fixtureLake();
    const catalog = new FakeCatalog();
    const state = new BuildStateFile(join(work, String(n++), 'state.json'));
    const { engine, calls } = fakeEngine(catalog);
    const context = { lister: lake, published: catalog.published };
    await runBuild({ engine, models, context, state, buildId: 'b1' });
    expect(calls).toEqual([
      ['silver_customers', [D1, D2]],
      ['silver_event_lines', [D1, D2, D3]],
      ['silver_events', [D1, D2, D3]],
      ['silver_products', [D1]],
      ['silver_quarantine', [D1, D2, D3]],
    ]);
    expect(Object.keys(state.read()).sort()).toEqual([...SILVER]);
    expect(Object.keys(state.read().silver_event_lines!).sort()).toEqual([D1, D2, D3]);

    calls.length = 0;
    const runs = await runBuild({ engine, models, context, state, buildId: 'b2' });
    expect(calls).toEqual([]);
    expect(runs.map((r) => r.planned)).toEqual(SILVER.map(() => []));

    lake.put(eventKey(D2, '01', '2026-11-23-08-00-00', 20), 99);
    await runBuild({ engine, models, context, state, buildId: 'b3' });
    expect(calls).toEqual([
      ['silver_event_lines', [D2]],
      ['silver_events', [D2]],
      ['silver_quarantine', [D2]],
    ]);
  });

  it('records nothing for a model whose build failed, so the next run retries it', async () => {
    const lake = fixtureLake();
    const catalog = new FakeCatalog();
    const state = new BuildStateFile(join(work, String(n++), 'state.json'));
    const { engine, calls } = fakeEngine(catalog, new Set(['silver_events']));
    const context = { lister: lake, published: catalog.published };
    await expect(runBuild({ engine, models, context, state, buildId: 'b1' })).rejects.toThrow(
      'silver_events failed',
    );
    expect(Object.keys(state.read()).sort()).toEqual(['silver_customers', 'silver_event_lines']);

    calls.length = 0;
    await runBuild({ engine, models, context, state, buildId: 'b2' });
    expect(calls).toEqual([
      ['silver_events', [D1, D2, D3]],
      ['silver_products', [D1]],
      ['silver_quarantine', [D1, D2, D3]],
    ]);
  });
});
