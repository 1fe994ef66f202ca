/**
 * The pipeline's planner (lib/pipeline/plan.ts) on an in-memory Bronze listing with hand-set
 * `lastModified` times and five small models:
 *
 *   bronze_events, bronze_delivery_errors ─▶ lines (dt) ─▶ events (dt) ─┬─▶ daily (dt) ◀─ customers (snapshot_date) ◀─ bronze_customers
 *                                                                       └─▶ summary (table)
 *
 * `daily` reads `events` scoped on dt and `customers` whole, so a new snapshot rebuilds every date.
 *
 * The listing is bounded: partition values come from the folders, objects are listed only in
 * partitions dated on or after the horizon (`lateArrivalHours` before the high mark); the
 * MemoryLake records what was listed.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Model } from '../../lib/engine/model.ts';
import {
  EMPTY_WATERMARK,
  checkRequest,
  modelFingerprint,
  listingHorizon,
  planRun,
  type ModelTask,
  type PlanResult,
  type RunRequest,
  type Watermark,
} from '../../lib/pipeline/plan.ts';
import { MemoryLake, defineModel } from '../helpers/pipeline-fakes.ts';

const D1 = '2026-11-19';
const D2 = '2026-11-20';
const D3 = '2026-11-21';
const S1 = '2026-11-19';
const S2 = '2026-11-21';
const OVERLAP = 600;
const LATE_HOURS = 72;

const T0 = Date.parse('2026-11-22T10:00:00Z');
/** T0 shifted by minutes, as ISO. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const eventKey = (dt: string, hour: string, n: number) =>
  `bronze/events/dt=${dt}/hour=${hour}/lakehouse-events-1-2026-11-22-08-00-00-${uuid(n)}.gz`;
const errorKey = (dt: string, n: number) =>
  `bronze/_errors/processing-failed/dt=${dt}/lakehouse-events-1-2026-11-22-08-00-00-${uuid(n)}.gz`;
const customersKey = (date: string) =>
  `bronze/reference/customers/snapshot_date=${date}/customers.csv`;

const lines = defineModel(
  'silver/lines',
  [
    'materialization: partition_overwrite',
    'partitioned_by: dt',
    'depends_on: bronze_events, bronze_delivery_errors',
    'scope: bronze_events.dt, bronze_delivery_errors.dt',
  ],
  'SELECT raw, dt FROM bronze_events UNION ALL SELECT raw, dt FROM bronze_delivery_errors',
);
const events = defineModel(
  'silver/events',
  [
    'materialization: partition_overwrite',
    'partitioned_by: dt',
    'depends_on: lines',
    'scope: lines.dt',
  ],
  'SELECT raw, dt FROM lines',
);
const customers = defineModel(
  'silver/customers',
  [
    'materialization: partition_overwrite',
    'partitioned_by: snapshot_date',
    'depends_on: bronze_customers',
    'scope: bronze_customers.snapshot_date',
  ],
  'SELECT customer_id, snapshot_date FROM bronze_customers',
);
const daily = defineModel(
  'gold/daily',
  [
    'materialization: partition_overwrite',
    'partitioned_by: dt',
    'depends_on: events, customers',
    'scope: events.dt',
  ],
  'SELECT count(*) AS n, e.dt FROM events e JOIN customers c ON c.customer_id = e.raw GROUP BY e.dt',
);
const summary = defineModel(
  'gold/summary',
  ['materialization: table', 'depends_on: events'],
  'SELECT count(*) AS n FROM events',
);
const MODELS: readonly Model[] = [lines, events, customers, daily, summary];

/**
 * Events on D1 (two hours) and D2, delivery errors on D3, a customers snapshot S1; the newest
 * object (the error file) arrived 30 minutes before T0. Plus objects the planner must ignore: a
 * file at the wrong depth, and a products snapshot no model reads.
 */
function fixtureLake(): MemoryLake {
  return new MemoryLake()
    .add(eventKey(D1, '00', 1), at(-180))
    .add(eventKey(D1, '01', 2), at(-120))
    .add(eventKey(D2, '00', 3), at(-60))
    .add(errorKey(D3, 4), at(-30))
    .add(customersKey(S1), at(-170))
    .add(`bronze/events/dt=${D1}/stray.gz`, at(60))
    .add(`bronze/reference/products/snapshot_date=${S1}/products.jsonl`, at(60));
}

function plan(
  lake: MemoryLake,
  watermark: Watermark,
  request: RunRequest = {},
  opts: { runId?: string; models?: readonly Model[]; lateArrivalHours?: number | null } = {},
): Promise<PlanResult> {
  const late = opts.lateArrivalHours === undefined ? LATE_HOURS : opts.lateArrivalHours;
  return planRun({
    runId: opts.runId ?? 'r2',
    models: opts.models ?? MODELS,
    lake,
    watermark,
    request,
    overlapSeconds: OVERLAP,
    ...(late === null ? {} : { lateArrivalHours: late }),
    now: new Date(T0),
  });
}

/** The watermark a successful first run over the fixture leaves. */
async function afterFirstRun(lake: MemoryLake): Promise<Watermark> {
  return (await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1' })).next;
}

/** model → [partitions, reason], for compact expectations. */
function summaryOf(result: PlanResult): Record<string, [string[] | null, string]> {
  return Object.fromEntries(
    result.waves.flatMap((w) => w.models).map((t) => [t.model, [t.partitions, t.reason]]),
  );
}

function task(result: PlanResult, name: string): ModelTask {
  const t = result.waves.flatMap((w) => w.models).find((m) => m.model === name);
  if (!t) throw new Error(`${name} is not planned`);
  return t;
}

/** model → whether it is published as the whole table. */
function replaceOf(result: PlanResult): Record<string, boolean> {
  return Object.fromEntries(result.waves.flatMap((w) => w.models).map((t) => [t.model, t.replace]));
}

const waveNames = (result: PlanResult) => result.waves.map((w) => w.models.map((m) => m.model));

describe('planRun: the watermark decides what is new', () => {
  it('a first run plans every value of every model, in waves', async () => {
    const result = await plan(fixtureLake(), EMPTY_WATERMARK, {}, { runId: 'r1' });
    expect(result.newObjects).toBe(5);
    expect(summaryOf(result)).toEqual({
      lines: [[D1, D2, D3], 'first build'],
      customers: [[S1], 'first build'],
      events: [[D1, D2, D3], 'first build'],
      daily: [[D1, D2, D3], 'first build'],
      summary: [null, 'first build'],
    });
    expect(waveNames(result)).toEqual([['lines', 'customers'], ['events'], ['daily', 'summary']]);
    expect(result.waves.map((w) => w.index)).toEqual([0, 1, 2]);
    expect(task(result, 'summary')).toEqual({
      runId: 'r1',
      model: 'summary',
      layer: 'gold',
      materialization: 'table',
      partitions: null,
      buildId: 'r1',
      stagingTable: 'summary__stg_r1',
      staged: { events: { stagingTable: 'events__stg_r1', partitionColumn: 'dt' } },
      reason: 'first build',
      replace: true,
    });
    // Upstreams rebuilt completely: read from staging only (no `partitions`).
    expect(task(result, 'daily').staged).toEqual({
      events: { stagingTable: 'events__stg_r1', partitionColumn: 'dt' },
      customers: { stagingTable: 'customers__stg_r1', partitionColumn: 'snapshot_date' },
    });
    expect(task(result, 'lines').staged).toEqual({});
    expect(result.advancesWatermark).toBe(true);
    expect(result.next).toEqual({
      highMark: at(-30),
      // Only the error file is within OVERLAP seconds of the high mark.
      recentKeys: [errorKey(D3, 4)],
      models: Object.fromEntries(MODELS.map((m) => [m.name, modelFingerprint(m)])),
      pending: {},
      runId: 'r1',
      updatedAt: new Date(T0).toISOString(),
    });
    // A first build publishes each table whole.
    expect(Object.values(replaceOf(result))).toEqual([true, true, true, true, true]);
  });

  it('a second run with nothing new plans nothing and keeps the high mark', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    const result = await plan(lake, watermark);
    expect(result.waves).toEqual([]);
    expect(result.newObjects).toBe(0);
    expect(result.next.highMark).toBe(watermark.highMark);
    expect(result.next.recentKeys).toEqual(watermark.recentKeys);
    expect(result.next.runId).toBe('r2');
  });

  it('a late object in an old date rebuilds that date and what reads it, nothing else', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    lake.add(eventKey(D1, '23', 9), at(5));
    const result = await plan(lake, watermark);
    expect(result.newObjects).toBe(1);
    expect(summaryOf(result)).toEqual({
      lines: [[D1], 'new data'],
      events: [[D1], 'upstream'],
      daily: [[D1], 'upstream'],
      summary: [null, 'upstream'],
    });
    expect(waveNames(result)).toEqual([['lines'], ['events'], ['daily', 'summary']]);
    // Merged into the published tables, not replacing them.
    expect(replaceOf(result)).toEqual({
      lines: false,
      events: false,
      daily: false,
      summary: false,
    });
    // Partly rebuilt upstreams: staging overlaid on the published partitions.
    expect(task(result, 'events').staged).toEqual({
      lines: { stagingTable: 'lines__stg_r2', partitionColumn: 'dt', partitions: [D1] },
    });
    expect(task(result, 'daily').staged).toEqual({
      events: { stagingTable: 'events__stg_r2', partitionColumn: 'dt', partitions: [D1] },
    });
    expect(result.next.highMark).toBe(at(5));
    expect(result.next.recentKeys).toEqual([eventKey(D1, '23', 9)]);
  });

  it('new objects in several dates give sorted partitions, from every scoped input', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    lake.add(errorKey(D3, 10), at(2)).add(eventKey(D1, '05', 11), at(1));
    const result = await plan(lake, watermark);
    expect(summaryOf(result).lines).toEqual([[D1, D3], 'new data']);
    expect(result.newObjects).toBe(2);
  });

  it('the overlap window takes an unseen object older than the high mark, never a seen one twice', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake); // high mark at(-30), recentKeys: the error file
    expect(watermark.recentKeys).toEqual([errorKey(D3, 4)]);
    // Became visible after the first run, with time stamps before its high mark:
    lake
      .add(eventKey(D2, '07', 20), at(-35)) // inside the window, unseen: new
      .add(eventKey(D1, '07', 21), at(-40)) // exactly at the window's edge: not new
      .add(eventKey(D1, '08', 22), at(-45)); // before the window: not new
    const result = await plan(lake, watermark);
    expect(result.newObjects).toBe(1);
    // D2 only: not D3 (the error file is in recentKeys), not D1.
    expect(summaryOf(result).lines).toEqual([[D2], 'new data']);
    expect(result.next.highMark).toBe(at(-30));
    expect(result.next.recentKeys).toEqual([errorKey(D3, 4), eventKey(D2, '07', 20)].sort());
  });

  it(
    // A key in recentKeys whose object was rewritten after the high mark (a reference export
    // re-landed at the same key) is new again.
    'an object rewritten at a key in recentKeys, after the high mark, is new again',
    async () => {
      const lake = fixtureLake().add(customersKey(S2), at(-20)); // newest: the high mark
      const watermark = await afterFirstRun(lake);
      expect(watermark.recentKeys).toContain(customersKey(S2));
      lake.add(customersKey(S2), at(60), 'corrected export');
      const result = await plan(lake, watermark);
      expect(summaryOf(result).customers).toEqual([[S2], 'new data']);
    },
  );
});

describe('planRun: what else makes a model rebuild', () => {
  it('a model whose SQL changed is rebuilt in full, and so is what reads it', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    const edited = { ...events, sql: `${events.sql} WHERE raw IS NOT NULL` };
    const result = await plan(
      lake,
      watermark,
      {},
      { models: [lines, edited, customers, daily, summary] },
    );
    expect(summaryOf(result)).toEqual({
      events: [[D1, D2, D3], 'model changed'],
      daily: [[D1, D2, D3], 'upstream'],
      summary: [null, 'upstream'],
    });
    expect(task(result, 'events').staged).toEqual({});
    expect(task(result, 'daily').staged).toEqual({
      events: { stagingTable: 'events__stg_r2', partitionColumn: 'dt' },
    });
    // Only the changed model replaces its table (its columns may have changed).
    expect(replaceOf(result)).toEqual({ events: true, daily: false, summary: false });
    expect(result.next.models.events).toBe(modelFingerprint(edited));
    expect(result.next.models.events).not.toBe(watermark.models.events);
  });

  it('the fingerprint covers SQL and config, not the description', () => {
    const fp = modelFingerprint(events);
    expect(modelFingerprint({ ...events, description: 'changed' })).toBe(fp);
    expect(modelFingerprint({ ...events, sql: `${events.sql} ` })).not.toBe(fp);
    expect(modelFingerprint({ ...events, scope: {} })).not.toBe(fp);
    expect(modelFingerprint({ ...events, materialization: 'table' })).not.toBe(fp);
    expect(modelFingerprint({ ...events, dependsOn: ['lines', 'customers'] })).not.toBe(fp);
  });

  it('a model not in the watermark (newly added) is built in full, as a first build', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    const { daily: _dropped, ...models } = watermark.models;
    const result = await plan(lake, { ...watermark, models });
    expect(summaryOf(result)).toEqual({ daily: [[D1, D2, D3], 'first build'] });
    expect(replaceOf(result)).toEqual({ daily: true });
  });

  it('an unscoped input that changed rebuilds every partition of the model', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    lake.add(customersKey(S2), at(10));
    const result = await plan(lake, watermark);
    expect(summaryOf(result)).toEqual({
      customers: [[S2], 'new data'],
      daily: [[D1, D2, D3], 'upstream'],
    });
    expect(task(result, 'daily').staged).toEqual({
      customers: {
        stagingTable: 'customers__stg_r2',
        partitionColumn: 'snapshot_date',
        partitions: [S2],
      },
    });
    expect(waveNames(result)).toEqual([['customers'], ['daily']]);
  });

  it('a table model is rebuilt when a Bronze input it reads changed', async () => {
    const errorsTotal = defineModel(
      'gold/errors_total',
      ['materialization: table', 'depends_on: bronze_delivery_errors'],
      'SELECT count(*) AS n FROM bronze_delivery_errors',
    );
    const models = [...MODELS, errorsTotal];
    const lake = fixtureLake();
    const watermark = (await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models })).next;
    expect(summaryOf(await plan(lake, watermark, {}, { models }))).toEqual({});
    lake.add(errorKey(D3, 30), at(1));
    const result = await plan(lake, watermark, {}, { models });
    expect(summaryOf(result)).toEqual({
      lines: [[D3], 'new data'],
      events: [[D3], 'upstream'],
      daily: [[D3], 'upstream'],
      summary: [null, 'upstream'],
      errors_total: [null, 'new data'],
    });
    expect(task(result, 'errors_total').staged).toEqual({});
  });
});

describe('planRun: cumulative and lookup inputs rebuild from the change on', () => {
  // dim: an SCD2-style table over the customer snapshots; facts: dt-scoped events with the dim as
  // a lookup; asof: a cumulative snapshot per date (everything up to it).
  const dim = defineModel(
    'gold/dim',
    ['materialization: table', 'depends_on: customers'],
    'SELECT customer_id FROM customers',
  );
  const facts = defineModel(
    'gold/facts',
    [
      'materialization: partition_overwrite',
      'partitioned_by: dt',
      'depends_on: events, dim',
      'scope: events.dt',
      'lookup: dim',
    ],
    'SELECT e.raw, e.dt FROM events e JOIN dim d ON d.customer_id = e.raw',
  );
  const asof = defineModel(
    'rfm/asof',
    [
      'materialization: partition_overwrite',
      'partitioned_by: snapshot_date',
      'depends_on: facts',
      'cumulative: facts.dt',
    ],
    'SELECT count(*) AS n, dt AS snapshot_date FROM facts GROUP BY dt',
  );
  const models = [lines, events, customers, dim, facts, asof];
  const run = (lake: MemoryLake, watermark: Watermark, request: RunRequest = {}) =>
    plan(lake, watermark, request, { models });

  it('a late object in an old date rebuilds that snapshot and every later one', async () => {
    const lake = fixtureLake();
    const watermark = (await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models })).next;
    lake.add(eventKey(D2, '05', 40), at(1));
    expect(summaryOf(await run(lake, watermark))).toEqual({
      lines: [[D2], 'new data'],
      events: [[D2], 'upstream'],
      facts: [[D2], 'upstream'],
      // D2 changed: the snapshots of D2 and D3 hold D2's rows; D1's does not.
      asof: [[D2, D3], 'upstream'],
    });
  });

  it('a new snapshot rebuilds the lookup reader from the snapshot date on, not every date', async () => {
    const lake = fixtureLake();
    const watermark = (await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models })).next;
    // S2 = D3: a dimension version first shown on D3 is valid from D3's start only.
    lake.add(customersKey(S2), at(10));
    expect(summaryOf(await run(lake, watermark))).toEqual({
      customers: [[S2], 'new data'],
      dim: [null, 'upstream'],
      facts: [[D3], 'upstream'],
      asof: [[D3], 'upstream'],
    });
    // A snapshot for an earlier date (a backfill) reaches back to it.
    const later = (await run(lake, watermark)).next;
    lake.add(customersKey(D2), at(20));
    expect(summaryOf(await run(lake, later))).toEqual({
      customers: [[D2], 'new data'],
      dim: [null, 'upstream'],
      facts: [[D2, D3], 'upstream'],
      asof: [[D2, D3], 'upstream'],
    });
  });

  it('a lookup rebuilt whole for another reason rebuilds every date of its readers', async () => {
    const lake = fixtureLake();
    const watermark = (await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models })).next;
    const changedDim = defineModel(
      'gold/dim',
      ['materialization: table', 'depends_on: customers'],
      'SELECT DISTINCT customer_id FROM customers',
    );
    const result = await plan(
      lake,
      watermark,
      {},
      {
        models: [lines, events, customers, changedDim, facts, asof],
      },
    );
    expect(summaryOf(result)).toEqual({
      dim: [null, 'model changed'],
      facts: [[D1, D2, D3], 'upstream'],
      asof: [[D1, D2, D3], 'upstream'],
    });
  });

  it('dates rebuild the later snapshots of a cumulative model too', async () => {
    const lake = fixtureLake();
    const watermark = (await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models })).next;
    const result = await run(lake, watermark, { dates: [D1] });
    expect(task(result, 'facts').partitions).toEqual([D1]);
    expect(task(result, 'asof').partitions).toEqual([D1, D2, D3]);
  });

  it('the cumulative input is staged with the partitions this run rebuilt', async () => {
    const lake = fixtureLake();
    const watermark = (await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models })).next;
    lake.add(eventKey(D2, '05', 41), at(1));
    expect(task(await run(lake, watermark), 'asof').staged).toEqual({
      facts: { stagingTable: 'facts__stg_r2', partitionColumn: 'dt', partitions: [D2] },
    });
  });

  it('with window_days, a change rebuilds only the partitions whose window holds it', async () => {
    const trailing = defineModel(
      'gold/trailing',
      [
        'materialization: partition_overwrite',
        'partitioned_by: dt',
        'depends_on: facts',
        'cumulative: facts.dt',
        'window_days: 1',
      ],
      'SELECT count(*) AS n, dt FROM facts GROUP BY dt',
    );
    const windowed = [...models, trailing];
    const lake = fixtureLake();
    const watermark = (await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models: windowed }))
      .next;
    lake.add(eventKey(D1, '05', 42), at(1));
    const result = await plan(lake, watermark, {}, { models: windowed });
    // D1 changed: its own partition and D2's (D2 reads D1 … D2); D3 reads D2 … D3 only.
    expect(task(result, 'trailing').partitions).toEqual([D1, D2]);
    expect(task(result, 'asof').partitions).toEqual([D1, D2, D3]);
    expect(
      task(await plan(lake, watermark, { dates: [D2] }, { models: windowed }), 'trailing')
        .partitions,
    ).toEqual([D2, D3]);
    // Two changes far apart: each one's window, not everything between them.
    const far = '2026-12-01';
    lake.add(eventKey(far, '00', 43), at(2));
    const both = await plan(lake, watermark, { dates: [D1, far] }, { models: windowed });
    expect(task(both, 'trailing').partitions).toEqual([D1, D2, far]);
  });

  it('fingerprints of models without the new keys are unchanged; with them, they count', () => {
    // The fingerprint as it was computed before cumulative and lookup existed: existing lakes
    // must not rebuild every model after an upgrade.
    const before = createHash('sha256')
      .update(
        JSON.stringify([
          daily.materialization,
          daily.partitionedBy,
          daily.dependsOn,
          Object.entries(daily.scope).sort(),
        ]),
      )
      .update('\n')
      .update(daily.sql)
      .digest('hex');
    expect(modelFingerprint(daily)).toBe(before);
    expect(modelFingerprint(facts)).not.toBe(modelFingerprint({ ...facts, lookup: [] }));
    expect(modelFingerprint(asof)).not.toBe(
      modelFingerprint({ ...asof, cumulative: {}, scope: { facts: 'dt' } }),
    );
  });
});

describe('planRun: requests', () => {
  it('fullRefresh rebuilds everything and still moves the watermark', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    const result = await plan(lake, watermark, { fullRefresh: true });
    expect(summaryOf(result)).toEqual({
      lines: [[D1, D2, D3], 'full refresh'],
      customers: [[S1], 'full refresh'],
      events: [[D1, D2, D3], 'full refresh'],
      daily: [[D1, D2, D3], 'full refresh'],
      summary: [null, 'full refresh'],
    });
    expect(Object.values(replaceOf(result))).toEqual([true, true, true, true, true]);
    expect(result.advancesWatermark).toBe(true);
  });

  it('dates rebuild exactly those partition values and do not move the watermark', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    const result = await plan(lake, watermark, { dates: [D2, '2026-12-01'] });
    expect(summaryOf(result)).toEqual({
      lines: [[D2, '2026-12-01'], 'dates'],
      customers: [[D2, '2026-12-01'], 'dates'],
      events: [[D2, '2026-12-01'], 'dates'],
      daily: [[D2, '2026-12-01'], 'dates'],
      summary: [null, 'dates'],
    });
    // D1 and D3 stay published: staging is overlaid.
    expect(task(result, 'events').staged.lines).toEqual({
      stagingTable: 'lines__stg_r2',
      partitionColumn: 'dt',
      partitions: [D2, '2026-12-01'],
    });
    // Merged: the other published dates stay.
    expect(Object.values(replaceOf(result))).toEqual([false, false, false, false, false]);
    expect(result.advancesWatermark).toBe(false);
  });

  it('a models restriction builds only those models and leaves the others their work', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    lake.add(eventKey(D2, '09', 40), at(10));
    const onlyLines = await plan(lake, watermark, { models: ['lines'] });
    expect(summaryOf(onlyLines)).toEqual({ lines: [[D2], 'new data'] });
    // The watermark moves past the new object; what reads `lines` is owed D2 (summary: whole).
    expect(onlyLines.advancesWatermark).toBe(true);
    expect(onlyLines.next.highMark).toBe(at(10));
    expect(onlyLines.next.pending).toEqual({ events: [D2], daily: [D2], summary: null });

    // The next scheduled run, with nothing new, does that work and clears it.
    const next = await plan(lake, onlyLines.next, {}, { runId: 'r3' });
    expect(next.newObjects).toBe(0);
    expect(Object.fromEntries(Object.entries(summaryOf(next)).map(([m, [p]]) => [m, p]))).toEqual({
      events: [D2],
      daily: [D2],
      summary: null,
    });
    expect(waveNames(next)).toEqual([['events'], ['daily', 'summary']]);
    expect(next.next.pending).toEqual({});
  });

  it('owed work adds to what a later run finds itself', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    lake.add(eventKey(D3, '01', 41), at(10));
    const result = await plan(lake, {
      ...watermark,
      pending: { events: [D1], customers: null },
    });
    expect(Object.fromEntries(Object.entries(summaryOf(result)).map(([m, [p]]) => [m, p]))).toEqual(
      {
        lines: [D3],
        customers: [S1],
        events: [D1, D3],
        daily: [D1, D2, D3], // customers (read whole) is rebuilt: every date
        summary: null,
      },
    );
    expect(result.next.pending).toEqual({});
    // A `dates` run neither does owed work nor forgets it (its watermark is not stored).
    const dated = await plan(lake, { ...watermark, pending: { events: [D1] } }, { dates: [D2] });
    expect(summaryOf(dated).events).toEqual([[D2], 'dates']);
    expect(dated.advancesWatermark).toBe(false);
  });

  it('a restricted model is built from the published upstream: nothing staged', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    lake.add(eventKey(D2, '09', 40), at(10));
    const onlyEvents = await plan(lake, watermark, { models: ['events'] });
    expect(summaryOf(onlyEvents)).toEqual({ events: [[D2], 'upstream'] });
    expect(task(onlyEvents, 'events').staged).toEqual({});
    expect(onlyEvents.next.pending).toEqual({ lines: [D2], daily: [D2], summary: null });
    const refresh = await plan(lake, watermark, { models: ['events'], fullRefresh: true });
    expect(summaryOf(refresh)).toEqual({ events: [[D1, D2, D3], 'full refresh'] });
    expect(task(refresh, 'events').staged).toEqual({});
    expect(replaceOf(refresh)).toEqual({ events: true });
  });

  it('a model whose SQL changed but was not selected keeps its old fingerprint', async () => {
    const lake = fixtureLake();
    const watermark = await afterFirstRun(lake);
    const edited = { ...events, sql: `${events.sql} WHERE raw IS NOT NULL` };
    const models = [lines, edited, customers, daily, summary];
    const result = await plan(lake, watermark, { models: ['lines'] }, { models });
    expect(result.waves).toEqual([]);
    expect(result.next.models.events).toBe(watermark.models.events);
    // So the next full run still rebuilds it as changed.
    const later = await plan(lake, result.next, {}, { models });
    expect(summaryOf(later).events).toEqual([[D1, D2, D3], 'model changed']);
  });

  it(
    // A `models` + `fullRefresh` run refreshes only the selected model; only what reads it
    // (daily, summary) is owed work, not the unrelated models.
    'a full refresh of one model owes work only to what reads it',
    async () => {
      const lake = fixtureLake();
      const watermark = await afterFirstRun(lake);
      const refresh = await plan(lake, watermark, { models: ['events'], fullRefresh: true });
      expect(refresh.next.pending).toEqual({ daily: [D1, D2, D3], summary: null });
    },
  );

  it('bad requests are refused with what is wrong', async () => {
    expect(() => checkRequest({ dates: [D1, '2026-1-1', 'yesterday'] }, MODELS)).toThrow(
      'dates must be YYYY-MM-DD: 2026-1-1, yesterday',
    );
    expect(() => checkRequest({ models: ['events', 'nope'] }, MODELS)).toThrow(
      'unknown model(s): nope (known: lines, events, customers, daily, summary)',
    );
    expect(() => checkRequest({ dates: [D1], models: ['summary'] }, MODELS)).not.toThrow();
    await expect(plan(fixtureLake(), EMPTY_WATERMARK, { dates: ['2026-11-1'] })).rejects.toThrow(
      'dates must be YYYY-MM-DD: 2026-11-1',
    );
  });
});

/** Every date from `from` to `to` (YYYY-MM-DD, inclusive). */
function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (
    let t = Date.parse(`${from}T00:00:00Z`);
    t <= Date.parse(`${to}T00:00:00Z`);
    t += 86_400_000
  ) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

const anyErrorKey = (type: string, dt: string, n: number) =>
  `bronze/_errors/${type}/dt=${dt}/lakehouse-events-1-2026-11-22-08-00-00-${uuid(n)}.gz`;
const FCF = 'format-conversion-failed';
const PF = 'processing-failed';
const HISTORY = datesBetween('2026-11-01', '2026-11-21');
/** With LATE = 48 h: the high mark at(-30) less 48 h and the overlap is 2026-11-20T09:20Z. */
const LATE = 48;
const HORIZON = '2026-11-20';

/**
 * Three weeks of history, each object arriving on its date: events at hours 00 and 12 of every
 * date, a processing-failed error file every date, format-conversion-failed on two dates, three
 * customer snapshots; the newest object (today's hour 09) arrived at(-30), the high mark.
 */
function historyLake(): MemoryLake {
  const lake = new MemoryLake();
  let n = 100;
  for (const d of HISTORY) {
    lake
      .add(eventKey(d, '00', n++), `${d}T01:00:00Z`)
      .add(eventKey(d, '12', n++), `${d}T13:00:00Z`)
      .add(anyErrorKey(PF, d, n++), `${d}T02:00:00Z`);
  }
  lake
    .add(anyErrorKey(FCF, '2026-11-05', n++), '2026-11-05T03:00:00Z')
    .add(anyErrorKey(FCF, '2026-11-21', n++), '2026-11-21T03:00:00Z')
    .add(customersKey('2026-11-01'), '2026-11-01T05:00:00Z')
    .add(customersKey('2026-11-15'), '2026-11-15T05:00:00Z')
    .add(customersKey('2026-11-21'), '2026-11-21T05:00:00Z')
    .add(eventKey('2026-11-22', '09', n), at(-30));
  return lake;
}

/** The watermark a first run over the history leaves, and the lake with its listings cleared. */
async function historyAfterFirstRun(): Promise<{ lake: MemoryLake; watermark: Watermark }> {
  const lake = historyLake();
  const first = await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', lateArrivalHours: LATE });
  expect(first.next.highMark).toBe(at(-30));
  return { lake: lake.resetListings(), watermark: first.next };
}

const planLate = (lake: MemoryLake, watermark: Watermark, request: RunRequest = {}) =>
  plan(lake, watermark, request, { lateArrivalHours: LATE });

describe('planRun: bounded listing', () => {
  it('the horizon is the UTC date of the high mark less the late-arrival hours and the overlap', () => {
    expect(listingHorizon(at(-30), LATE, OVERLAP)).toBe(HORIZON);
    // 2026-11-22T00:05Z less 0 h and 10 min: the day before.
    expect(listingHorizon('2026-11-22T00:05:00.000Z', 0, OVERLAP)).toBe('2026-11-21');
    expect(listingHorizon('2026-11-22T00:15:00.000Z', 0, OVERLAP)).toBe('2026-11-22');
    expect(listingHorizon(null, LATE, OVERLAP)).toBeUndefined();
    expect(listingHorizon(at(-30), undefined, OVERLAP)).toBeUndefined();
  });

  it('a first run (no watermark) lists every partition', async () => {
    const lake = historyLake();
    const first = await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', lateArrivalHours: LATE });
    expect(first.horizon).toBeNull();
    expect(first.listed.objects).toBe(lake.objects.size);
    expect(lake.listed).toHaveLength(HISTORY.length + 1 + HISTORY.length + 2 + 3);
    expect(first.newObjects).toBe(lake.objects.size);
    expect(summaryOf(first).lines).toEqual([[...HISTORY, '2026-11-22'], 'first build']);
  });

  it('a scheduled run lists objects only in partitions on or after the horizon', async () => {
    const { lake, watermark } = await historyAfterFirstRun();
    const result = await planLate(lake, watermark);
    expect(result.horizon).toBe(HORIZON);
    expect(result.waves).toEqual([]);
    // Folders: one listing per level above the scope column, never the hour level.
    expect(lake.prefixesListed).toEqual([
      'bronze/events/',
      'bronze/_errors/',
      `bronze/_errors/${FCF}/`,
      `bronze/_errors/${PF}/`,
      'bronze/reference/customers/',
    ]);
    // Objects: only the partitions dated HORIZON or later, the error table at its dt level.
    expect(lake.listed).toEqual([
      'bronze/events/dt=2026-11-20/',
      'bronze/events/dt=2026-11-21/',
      'bronze/events/dt=2026-11-22/',
      `bronze/_errors/${FCF}/dt=2026-11-21/`,
      `bronze/_errors/${PF}/dt=2026-11-20/`,
      `bronze/_errors/${PF}/dt=2026-11-21/`,
      'bronze/reference/customers/snapshot_date=2026-11-21/',
    ]);
    // 2 + 2 + 1 events, 1 + 2 error files, 1 snapshot; folders: 22 dates, 2 types + 2 + 21
    // dates, 3 snapshots.
    expect(result.listed).toEqual({ objects: 9, prefixes: 22 + 2 + 2 + 21 + 3 });
    // The high mark and the overlap keys survive a run that lists less.
    expect(result.next.highMark).toBe(watermark.highMark);
    expect(result.next.recentKeys).toEqual(watermark.recentKeys);
  });

  it('a full refresh, a changed model and a first build still plan every value, from the folders', async () => {
    const { lake, watermark } = await historyAfterFirstRun();
    const everyDate = [...HISTORY, '2026-11-22'];
    const refresh = await planLate(lake, watermark, { fullRefresh: true });
    expect(summaryOf(refresh).lines).toEqual([everyDate, 'full refresh']);
    expect(summaryOf(refresh).customers).toEqual([
      ['2026-11-01', '2026-11-15', '2026-11-21'],
      'full refresh',
    ]);
    expect(lake.listed.every((p) => !p.includes('dt=2026-11-19'))).toBe(true);

    const { daily: _dropped, ...models } = watermark.models;
    const edited = { ...events, sql: `${events.sql} WHERE raw IS NOT NULL` };
    const changed = await plan(
      lake,
      { ...watermark, models },
      {},
      { lateArrivalHours: LATE, models: [lines, edited, customers, daily, summary] },
    );
    expect(summaryOf(changed).events).toEqual([everyDate, 'model changed']);
    expect(summaryOf(changed).daily).toEqual([everyDate, 'first build']);
  });

  it('a late object within the horizon is found, one beyond it is not (dates and full refresh build it)', async () => {
    const { lake, watermark } = await historyAfterFirstRun();
    lake
      .add(eventKey(HORIZON, '23', 1), at(5)) // dated the horizon: listed, new
      .add(eventKey('2026-11-19', '23', 2), at(6)) // the day before: not listed
      .add(eventKey('2026-10-15', '08', 3), at(7)); // weeks late, in a date with no other data
    const result = await planLate(lake, watermark);
    expect(result.newObjects).toBe(1);
    expect(summaryOf(result).lines).toEqual([[HORIZON], 'new data']);
    expect(result.next.highMark).toBe(at(5));
    expect(result.next.recentKeys).toEqual([eventKey(HORIZON, '23', 1)]);
    // The next scheduled run does not see them either: they are before its horizon too.
    const later = await planLate(lake, result.next);
    expect(later.waves).toEqual([]);

    // They stay in Bronze: a dates run rebuilds those dates, a full refresh every folder's date.
    const dated = await planLate(lake, result.next, { dates: ['2026-10-15', '2026-11-19'] });
    expect(summaryOf(dated).lines).toEqual([['2026-10-15', '2026-11-19'], 'dates']);
    const refresh = await planLate(lake, result.next, { fullRefresh: true });
    expect(summaryOf(refresh).lines?.[0]).toEqual(['2026-10-15', ...HISTORY, '2026-11-22']);
  });

  it('future dates and values that are not dates are always listed', async () => {
    const { lake, watermark } = await historyAfterFirstRun();
    lake
      .add(eventKey('2026-12-05', '10', 1), at(5)) // a future timestamp
      .add(customersKey('latest'), at(6)) // a snapshot value that is not a date
      .add(anyErrorKey(PF, '2026-11-02', 3), at(7)); // before the horizon: not listed
    const result = await planLate(lake, watermark);
    expect(lake.listed).toContain('bronze/events/dt=2026-12-05/');
    expect(lake.listed).toContain('bronze/reference/customers/snapshot_date=latest/');
    expect(lake.listed).not.toContain(`bronze/_errors/${PF}/dt=2026-11-02/`);
    expect(result.newObjects).toBe(2);
    expect(summaryOf(result).lines).toEqual([['2026-12-05'], 'new data']);
    expect(summaryOf(result).customers).toEqual([['latest'], 'new data']);
  });

  it('without a horizon every partition is listed, as before', async () => {
    const { lake, watermark } = await historyAfterFirstRun();
    lake.add(eventKey('2026-10-15', '08', 3), at(7));
    const result = await plan(lake, watermark, {}, { lateArrivalHours: null });
    expect(result.horizon).toBeNull();
    expect(result.listed.objects).toBe(lake.objects.size);
    expect(summaryOf(result).lines).toEqual([['2026-10-15'], 'new data']);
  });
});

describe('planRun: a model over a record table (dq_daily over dq_results)', () => {
  const trend = defineModel(
    'dq/trend',
    [
      'materialization: partition_overwrite',
      'partitioned_by: dt',
      'depends_on: dq_results',
      'scope: dq_results.run_date',
    ],
    'SELECT count(*) AS n, run_date AS dt FROM dq_results GROUP BY run_date',
  );
  const withTrend = [...MODELS, trend];
  const TODAY = '2026-11-22';
  const YESTERDAY = '2026-11-21';
  const resultsKey = (date: string) => `dq/dq_results/run_date=${date}/r0-silver.json`;

  it('a first build covers every run date with results, plus the run date and the day before', async () => {
    const lake = fixtureLake().add(resultsKey('2026-11-10'), at(-600));
    const result = await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models: withTrend });
    expect(summaryOf(result).trend).toEqual([['2026-11-10', YESTERDAY, TODAY], 'first build']);
    // It reads no model: it comes in the first wave of its own layer.
    expect(task(result, 'trend').layer).toBe('dq');
  });

  it('later: the run date and the day before, whenever the run builds anything else', async () => {
    const lake = fixtureLake().add(resultsKey('2026-11-10'), at(-600));
    const first = await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models: withTrend });
    lake.add(eventKey(D3, '05', 9), at(10));
    const next = await plan(lake, first.next, {}, { models: withTrend });
    expect(summaryOf(next).trend).toEqual([[YESTERDAY, TODAY], 'new data']);
  });

  it('and nothing when the run builds nothing else (no new results to summarize)', async () => {
    const lake = fixtureLake();
    const first = await plan(lake, EMPTY_WATERMARK, {}, { runId: 'r1', models: withTrend });
    const idle = await plan(lake, first.next, {}, { models: withTrend });
    expect(summaryOf(idle)).toEqual({});
  });
});
