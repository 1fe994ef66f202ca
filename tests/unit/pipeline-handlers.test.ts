/**
 * The pipeline's Lambda handlers (lib/pipeline/handlers.ts) on an in-memory lake and a fake
 * engine: the run lock (skip, idempotent retry, stale by age, stale by a dead local owner), the
 * planner's RUNNING record and pending plan, the renderer and publisher, and the recorder on
 * success (watermark, run records, lock) and on failure (staging dropped, watermark kept, error
 * text). Also the run records' keys and ids (lib/pipeline/run-records.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Model } from '../../lib/engine/model.ts';
import type { AuditSummary } from '../../lib/dq/audit.ts';
import type { Check } from '../../lib/dq/check-spec.ts';
import type { DqResult } from '../../lib/dq/evaluate.ts';
import type {
  MaterializeRequest,
  MaterializeResult,
  QueryResult,
  SqlEngine,
} from '../../lib/engine/sql-engine.ts';
import { renderBuild } from '../../lib/engine/statements.ts';
import {
  createPipelineHandlers,
  errorText,
  type ModelResult,
  type PipelineDeps,
  type PipelinePlan,
} from '../../lib/pipeline/handlers.ts';
import {
  EMPTY_WATERMARK,
  type LayerPlan,
  type ModelTask,
  type Wave,
  type Watermark,
} from '../../lib/pipeline/plan.ts';
import {
  DQ_RESULTS_PREFIX,
  LOCK_KEY,
  PIPELINE_RUNS_PREFIX,
  PIPELINE_RUN_MODELS_PREFIX,
  WATERMARK_KEY,
  describeRequest,
  pendingKey,
  runIdFor,
  runRecordKey,
  type ExecutionRef,
  type LockBody,
  type PendingRun,
  type PipelineRunModelRow,
  type PipelineRunRow,
} from '../../lib/pipeline/run-records.ts';
import { MemoryLake, defineModel } from '../helpers/pipeline-fakes.ts';

const D1 = '2026-11-20';
const D2 = '2026-11-21';
const NOW = Date.parse('2026-11-22T11:05:00Z');
const EXECUTION: ExecutionRef = { name: 'exec-1', startTime: '2026-11-22T11:00:00Z' };
const RUN_ID = '20261122T110000Z-exec-1';

const lines = defineModel(
  'silver/lines',
  [
    'materialization: partition_overwrite',
    'partitioned_by: dt',
    'depends_on: bronze_events',
    'scope: bronze_events.dt',
  ],
  'SELECT raw, dt FROM bronze_events',
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
const summary = defineModel(
  'gold/summary',
  ['materialization: table', 'depends_on: events'],
  'SELECT count(*) AS n FROM events',
);
const MODELS: readonly Model[] = [lines, events, summary];

const eventKey = (dt: string, n: number) =>
  `bronze/events/dt=${dt}/hour=00/lakehouse-events-1-2026-11-22-10-00-00-${n}.gz`;

/** Records what the handlers ask of the engine; `failDiscard` names models whose drop fails. */
class FakeEngine implements Pick<SqlEngine, 'publishStaging' | 'discardStaging' | 'query'> {
  readonly published: MaterializeRequest[] = [];
  readonly queries: string[] = [];
  /** Rows every query answers (the auditor's check queries). */
  rows: Record<string, unknown>[] = [];

  async query(sql: string): Promise<QueryResult> {
    this.queries.push(sql);
    return { columns: [], rows: this.rows };
  }
  readonly discarded: { model: string; buildId: string }[] = [];
  readonly failDiscard = new Set<string>();
  result: Omit<MaterializeResult, 'model'> = {
    rows: 7,
    partitions: [
      { value: D1, rows: 3 },
      { value: D2, rows: 4 },
    ],
    removed: ['2026-11-19'],
    location: 'silver/lines/b/',
    statements: 0,
    seconds: 0.5,
  };

  async publishStaging(req: MaterializeRequest): Promise<MaterializeResult> {
    this.published.push(req);
    return { model: req.model.name, ...this.result };
  }

  async discardStaging(req: Pick<MaterializeRequest, 'model' | 'buildId'>): Promise<void> {
    if (this.failDiscard.has(req.model.name)) throw new Error('access denied');
    this.discarded.push({ model: req.model.name, buildId: req.buildId });
  }
}

let lake: MemoryLake;
let engine: FakeEngine;
let clock: number;

beforeEach(() => {
  lake = new MemoryLake()
    .add(eventKey(D1, 1), '2026-11-22T10:00:00Z')
    .add(eventKey(D2, 2), '2026-11-22T10:30:00Z');
  engine = new FakeEngine();
  clock = NOW;
});

function handlers(overrides: Partial<PipelineDeps> = {}) {
  return createPipelineHandlers({
    lake,
    engine,
    models: () => MODELS,
    checks: () => [],
    database: 'lake_db',
    lakeUri: 's3://lake-bucket/',
    overlapSeconds: 600,
    lockTimeoutMinutes: 60,
    now: () => new Date(clock),
    ...overrides,
  });
}

const runKey = (runId: string, date = '2026-11-22') =>
  runRecordKey(PIPELINE_RUNS_PREFIX, date, runId);
const modelsKey = (runId: string, date = '2026-11-22') =>
  runRecordKey(PIPELINE_RUN_MODELS_PREFIX, date, runId);

/** The rows of a JSON-lines record. */
function rowsOf<T>(key: string): T[] {
  const text = lake.objects.get(key)?.body;
  if (text === undefined) throw new Error(`no object ${key}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}
const runRow = (runId: string, date?: string) => rowsOf<PipelineRunRow>(runKey(runId, date))[0]!;

function putLock(body: LockBody): void {
  lake.objects.set(LOCK_KEY, { body: JSON.stringify(body), lastModified: new Date(NOW) });
}

/** A watermark left by an earlier run (no model fingerprints: every model counts as changed). */
const PREVIOUS_WATERMARK: Watermark = {
  ...EMPTY_WATERMARK,
  highMark: '2026-11-01T00:00:00.000Z',
  runId: 'prev',
  updatedAt: '2026-11-01T00:05:00.000Z',
};

const tasksOf = (plan: PipelinePlan): ModelTask[] =>
  plan.layers.flatMap((l) => l.waves.flatMap((w) => w.models));

/** A publisher result per task, as the state machine hands `layers` to the recorder. */
function results(plan: PipelinePlan): LayerPlan[] {
  return plan.layers.map((l) => ({
    ...l,
    waves: l.waves.map((w) =>
      w.models.map((t, i): ModelResult => ({
        model: t.model,
        layer: t.layer,
        reason: t.reason,
        partitions: t.partitions?.length ?? 0,
        removed: i,
        rows: 10 * (i + 1),
        bytesScanned: 1000,
        seconds: 1.23456,
        statements: 1,
        firstPartition: t.partitions?.[0] ?? null,
        lastPartition: t.partitions?.at(-1) ?? null,
      })),
    ) as unknown as Wave[],
  }));
}

describe('planner', () => {
  it('takes the lock, writes the pending plan and a RUNNING record', async () => {
    const plan = await handlers().planner({ execution: EXECUTION });
    expect(plan).toMatchObject({
      runId: RUN_ID,
      executionName: 'exec-1',
      startedAt: '2026-11-22T11:00:00.000Z',
      skip: false,
      reason: '3 model(s) to build (scheduled)',
      request: {},
      window: { start: null, end: '2026-11-22T10:30:00.000Z' },
      newObjects: 2,
      modelCount: 3,
      // lines 2 + events 2 + summary (a whole table counts 1)
      partitionCount: 5,
    });
    // One layer after the other, each in its own waves.
    expect(
      plan.layers.map((l) => [l.layer, l.waves.map((w) => w.models.map((m) => m.model))]),
    ).toEqual([
      ['silver', [['lines'], ['events']]],
      ['gold', [['summary']]],
    ]);
    expect(lake.json(LOCK_KEY)).toEqual({
      runId: RUN_ID,
      executionName: 'exec-1',
      startedAt: '2026-11-22T11:00:00.000Z',
    });
    const pending = lake.json<PendingRun>(pendingKey(RUN_ID));
    expect(pending.runId).toBe(RUN_ID);
    expect(pending.advancesWatermark).toBe(true);
    expect(pending.next.highMark).toBe('2026-11-22T10:30:00.000Z');
    expect(pending.staging).toEqual([
      { model: 'lines', buildId: RUN_ID },
      { model: 'events', buildId: RUN_ID },
      { model: 'summary', buildId: RUN_ID },
    ]);
    expect(rowsOf<PipelineRunRow>(runKey(RUN_ID))).toEqual([
      {
        run_id: RUN_ID,
        execution_name: 'exec-1',
        status: 'RUNNING',
        started_at: '2026-11-22T11:00:00.000Z',
        finished_at: null,
        duration_seconds: null,
        window_start: null,
        window_end: '2026-11-22T10:30:00.000Z',
        request: 'scheduled',
        new_objects: 2,
        listed_objects: 2,
        models_built: 0,
        partitions_written: 0,
        partitions_removed: 0,
        rows_written: 0,
        bytes_scanned: 0,
        error: null,
      },
    ]);
    expect(lake.objects.get(modelsKey(RUN_ID))?.body).toBe('');
    expect(lake.objects.has(WATERMARK_KEY)).toBe(false);
  });

  it('says so when there is nothing new since the watermark', async () => {
    const first = await handlers().planner({ execution: EXECUTION });
    await handlers().recorder({ status: 'SUCCEEDED', execution: EXECUTION, run: first });
    const second = await handlers().planner({
      execution: { name: 'exec-2', startTime: '2026-11-22T11:15:00Z' },
    });
    expect(second).toMatchObject({
      skip: false,
      reason: 'nothing new since the watermark',
      window: { start: '2026-11-22T10:30:00.000Z', end: '2026-11-22T10:30:00.000Z' },
      newObjects: 0,
      modelCount: 0,
      partitionCount: 0,
      layers: [],
    });
  });

  it('describes a restricted request', async () => {
    const plan = await handlers().planner({
      execution: EXECUTION,
      request: { dates: [D1], models: ['lines'] },
    });
    expect(plan.reason).toBe('1 model(s) to build (dates 2026-11-20; models lines)');
    expect(runRow(RUN_ID).request).toBe('dates 2026-11-20; models lines');
    expect(lake.json<PendingRun>(pendingKey(RUN_ID)).advancesWatermark).toBe(false);
  });

  it('a planner error releases the lock and rethrows', async () => {
    await expect(
      handlers().planner({ execution: EXECUTION, request: { models: ['nope'] } }),
    ).rejects.toThrow('unknown model(s): nope (known: lines, events, summary)');
    expect(lake.objects.has(LOCK_KEY)).toBe(false);

    lake.objects.set(WATERMARK_KEY, { body: '{oops', lastModified: new Date(NOW) });
    await expect(handlers().planner({ execution: EXECUTION })).rejects.toThrow(
      `${WATERMARK_KEY} is not valid JSON`,
    );
    expect(lake.objects.has(LOCK_KEY)).toBe(false);
  });
});

describe('the plan size', () => {
  it('refuses a plan too large for a Step Functions state, naming the way out, and keeps no lock', async () => {
    const planned = await handlers().planner({ execution: EXECUTION });
    const bytes = Buffer.byteLength(JSON.stringify(planned));
    // Another execution, same data: with room for the plan it succeeds, without it fails.
    lake.objects.delete(LOCK_KEY);
    await expect(
      handlers({ maxPlanBytes: bytes - 1 }).planner({
        execution: { ...EXECUTION, name: 'exec-2' },
      }),
    ).rejects.toThrow(/is \d+ bytes, more than a Step Functions state can carry .*--models/);
    expect(lake.objects.has(LOCK_KEY)).toBe(false);
  });
});

describe('the run lock', () => {
  const other: LockBody = {
    runId: '20261122T104500Z-exec-0',
    executionName: 'exec-0',
    startedAt: '2026-11-22T10:45:00.000Z',
  };

  it('a run that finds another live run holding the lock ends without building', async () => {
    putLock(other);
    const plan = await handlers().planner({ execution: EXECUTION });
    expect(plan).toMatchObject({
      runId: RUN_ID,
      skip: true,
      reason: `run ${other.runId} (started ${other.startedAt}) is still running; this run ends without building`,
      window: { start: null, end: null },
      layers: [],
      modelCount: 0,
    });
    expect(lake.json(LOCK_KEY)).toEqual(other);
    expect(lake.objects.has(pendingKey(RUN_ID))).toBe(false);
    expect(lake.objects.has(runKey(RUN_ID))).toBe(false);
    expect(engine.discarded).toEqual([]);
  });

  it('a retried planner of the same run finds its own lock and plans again', async () => {
    const h = handlers();
    const first = await h.planner({ execution: EXECUTION });
    clock += 30_000;
    const again = await h.planner({ execution: EXECUTION });
    expect(again.skip).toBe(false);
    expect(again.layers).toEqual(first.layers);
    expect(lake.json<LockBody>(LOCK_KEY).runId).toBe(RUN_ID);
    expect(engine.discarded).toEqual([]);
  });

  it('a lock older than the timeout is taken over: its staging dropped, its run TIMED_OUT', async () => {
    const old: LockBody = {
      runId: '20261122T090000Z-exec-old',
      executionName: 'exec-old',
      startedAt: '2026-11-22T09:00:00.000Z', // 125 min before NOW; the timeout is 60
    };
    putLock(old);
    const oldPending: PendingRun = {
      runId: old.runId,
      next: {} as Watermark,
      advancesWatermark: true,
      staging: [
        { model: 'lines', buildId: old.runId },
        { model: 'events', buildId: old.runId },
      ],
    };
    await lake.put(pendingKey(old.runId), JSON.stringify(oldPending));
    const plan = await handlers().planner({ execution: EXECUTION });
    expect(plan.skip).toBe(false);
    expect(lake.json<LockBody>(LOCK_KEY).runId).toBe(RUN_ID);
    expect(engine.discarded).toEqual([
      { model: 'lines', buildId: old.runId },
      { model: 'events', buildId: old.runId },
    ]);
    expect(lake.objects.has(pendingKey(old.runId))).toBe(false);
    expect(runRow(old.runId)).toMatchObject({
      run_id: old.runId,
      execution_name: 'exec-old',
      status: 'TIMED_OUT',
      started_at: old.startedAt,
      finished_at: new Date(NOW).toISOString(),
      error: `superseded: run ${RUN_ID} found its lock older than 60 min`,
    });
    expect(runRow(RUN_ID).status).toBe('RUNNING');
  });

  it('a lock just inside the timeout is still held', async () => {
    putLock({ ...other, startedAt: new Date(NOW - 59 * 60_000).toISOString() });
    expect((await handlers().planner({ execution: EXECUTION })).skip).toBe(true);
  });

  describe('a local owner', () => {
    const me = { host: 'laptop', pid: 100 };
    const local = (alive: boolean) =>
      handlers({ owner: me, isOwnerAlive: (o) => (o.pid === 4242 ? alive : true) });
    const lockOf = (host: string): LockBody => ({ ...other, owner: { host, pid: 4242 } });

    it('whose process is gone on this host loses the lock at once: ABORTED', async () => {
      putLock(lockOf('laptop'));
      const plan = await local(false).planner({ execution: EXECUTION });
      expect(plan.skip).toBe(false);
      expect(lake.json(LOCK_KEY)).toEqual({
        runId: RUN_ID,
        executionName: 'exec-1',
        startedAt: '2026-11-22T11:00:00.000Z',
        owner: me,
      });
      expect(runRow(other.runId)).toMatchObject({
        status: 'ABORTED',
        error: `superseded: run ${RUN_ID} found its lock held by a process that is gone`,
      });
    });

    it('whose process is alive keeps it', async () => {
      putLock(lockOf('laptop'));
      expect((await local(true).planner({ execution: EXECUTION })).skip).toBe(true);
    });

    it('on another host keeps it (its pid means nothing here)', async () => {
      putLock(lockOf('other-host'));
      expect((await local(false).planner({ execution: EXECUTION })).skip).toBe(true);
    });

    it('is not judged without a liveness check', async () => {
      putLock(lockOf('laptop'));
      const plan = await handlers({ owner: me }).planner({ execution: EXECUTION });
      expect(plan.skip).toBe(true);
    });
  });
});

describe('renderer and publisher', () => {
  it('the renderer returns the statements renderBuild writes for the task', async () => {
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION });
    const task = tasksOf(plan).find((t) => t.model === 'events')!;
    const out = await h.renderer(task);
    const expected = renderBuild(events, [D1, D2], RUN_ID, {
      database: 'lake_db',
      lakeUri: 's3://lake-bucket/',
      staged: task.staged,
    });
    expect(out).toEqual({
      stagingTable: 'events__stg_20261122t110000z_exec_1',
      statements: expected.statements.map((s) => ({ label: s.label, sql: s.sql })),
    });
    // It reads `lines` from this run's staging table.
    expect(out.statements[0]!.sql).toContain('"lake_db"."lines__stg_20261122t110000z_exec_1"');
    await expect(h.renderer({ ...task, model: 'gone' })).rejects.toThrow('unknown model gone');
  });

  it("the publisher publishes the task's build and sums its statements' statistics", async () => {
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION });
    const task = tasksOf(plan).find((t) => t.model === 'lines')!;
    const result = await h.publisher({
      task,
      stage: [
        { queryId: 'q1', bytes: 100, ms: 1500 },
        { queryId: 'q2', bytes: null, ms: null },
        { queryId: 'q3', bytes: 50, ms: 500 },
      ],
    });
    expect(result).toEqual({
      model: 'lines',
      layer: 'silver',
      reason: 'first build',
      partitions: 2,
      removed: 1,
      rows: 7,
      bytesScanned: 150,
      seconds: 2.5, // 2 s of statements + 0.5 s of publishing
      statements: 3,
      firstPartition: D1,
      lastPartition: D2,
    });
    expect(engine.published).toHaveLength(1);
    expect(engine.published[0]).toEqual({
      model: lines,
      buildId: RUN_ID,
      partitions: [D1, D2],
      replace: true,
    });
  });

  it('a table task is published without partitions', async () => {
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION });
    const task = tasksOf(plan).find((t) => t.model === 'summary')!;
    engine.result = { ...engine.result, partitions: [], removed: [] };
    const result = await h.publisher({ task, stage: [] });
    expect('partitions' in engine.published[0]!).toBe(false);
    expect(result).toMatchObject({
      partitions: 0,
      bytesScanned: 0,
      seconds: 0.5,
      statements: 0,
      firstPartition: null,
      lastPartition: null,
    });
  });
});

describe('recorder', () => {
  it('on success: moves the watermark, writes the run and its models, releases the lock', async () => {
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION });
    const pending = lake.json<PendingRun>(pendingKey(RUN_ID));
    const summary = await h.recorder({
      status: 'SUCCEEDED',
      execution: EXECUTION,
      run: { ...plan, layers: results(plan) },
    });
    expect(lake.json(WATERMARK_KEY)).toEqual(pending.next);
    expect(lake.objects.has(pendingKey(RUN_ID))).toBe(false);
    expect(lake.objects.has(LOCK_KEY)).toBe(false);
    const row = runRow(RUN_ID);
    expect(row).toEqual({
      run_id: RUN_ID,
      execution_name: 'exec-1',
      status: 'SUCCEEDED',
      started_at: '2026-11-22T11:00:00.000Z',
      finished_at: '2026-11-22T11:05:00.000Z',
      duration_seconds: 300,
      window_start: null,
      window_end: '2026-11-22T10:30:00.000Z',
      request: 'scheduled',
      new_objects: 2,
      listed_objects: 2,
      models_built: 3,
      partitions_written: 4,
      partitions_removed: 0,
      rows_written: 30,
      bytes_scanned: 3000,
      error: null,
    });
    const models = rowsOf<PipelineRunModelRow>(modelsKey(RUN_ID));
    expect(models.map((m) => m.model)).toEqual(['lines', 'events', 'summary']);
    expect(models[2]).toEqual({
      run_id: RUN_ID,
      model: 'summary',
      layer: 'gold',
      reason: 'first build',
      partitions: 0,
      partitions_removed: 0,
      rows_written: 10,
      bytes_scanned: 1000,
      seconds: 1.235,
      first_partition: null,
      last_partition: null,
    });
    expect(summary).toMatchObject({
      runId: RUN_ID,
      status: 'SUCCEEDED',
      subject: `[lakehouse] run succeeded: ${RUN_ID}`,
      row,
      models,
    });
    expect(summary.message).toContain(`Run ${RUN_ID} SUCCEEDED in 300 s (scheduled).`);
    expect(summary.message).toContain('Watermark: 2026-11-22T10:30:00.000Z.');
    expect(engine.discarded).toEqual([]);
  });

  it('a restricted run leaves the watermark where it was', async () => {
    const previous = JSON.stringify(PREVIOUS_WATERMARK);
    await lake.put(WATERMARK_KEY, previous);
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION, request: { dates: [D1] } });
    const summary = await h.recorder({
      status: 'SUCCEEDED',
      execution: EXECUTION,
      run: { ...plan, layers: results(plan) },
    });
    expect(lake.objects.get(WATERMARK_KEY)?.body).toBe(previous);
    expect(runRow(RUN_ID)).toMatchObject({ status: 'SUCCEEDED', request: 'dates 2026-11-20' });
    expect(summary.message).toContain('Watermark unchanged (a restricted run).');
    expect(lake.objects.has(pendingKey(RUN_ID))).toBe(false);
  });

  it('a models run moves the watermark and keeps the work it left for the others', async () => {
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION, request: { models: ['lines'] } });
    expect(tasksOf(plan).map((t) => t.model)).toEqual(['lines']);
    await h.recorder({ status: 'SUCCEEDED', execution: EXECUTION, run: plan });
    const watermark = lake.json<Watermark>(WATERMARK_KEY);
    expect(watermark.highMark).toBe('2026-11-22T10:30:00.000Z');
    expect(watermark.pending).toEqual({ events: [D1, D2], summary: null });
    expect(Object.keys(watermark.models)).toEqual(['lines']);
  });

  it('releases the lock only when this run holds it', async () => {
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION });
    const thief: LockBody = {
      runId: 'someone-else',
      executionName: 'x',
      startedAt: plan.startedAt,
    };
    putLock(thief);
    await h.recorder({ status: 'SUCCEEDED', execution: EXECUTION, run: plan });
    expect(lake.json(LOCK_KEY)).toEqual(thief);
  });

  it('on failure: drops every staged model, keeps the watermark, records the error', async () => {
    const previous = JSON.stringify(PREVIOUS_WATERMARK);
    await lake.put(WATERMARK_KEY, previous);
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION });
    const summary = await h.recorder({
      status: 'FAILED',
      execution: EXECUTION,
      run: {
        ...plan,
        error: {
          Error: 'Error',
          Cause: JSON.stringify({ errorType: 'Error', errorMessage: 'lines: out of memory' }),
        },
      },
    });
    expect(engine.discarded).toEqual([
      { model: 'lines', buildId: RUN_ID },
      { model: 'events', buildId: RUN_ID },
      { model: 'summary', buildId: RUN_ID },
    ]);
    expect(engine.published).toEqual([]);
    expect(lake.objects.get(WATERMARK_KEY)?.body).toBe(previous);
    expect(lake.objects.has(pendingKey(RUN_ID))).toBe(false);
    expect(lake.objects.has(LOCK_KEY)).toBe(false);
    expect(runRow(RUN_ID)).toMatchObject({
      status: 'FAILED',
      finished_at: '2026-11-22T11:05:00.000Z',
      duration_seconds: 300,
      models_built: 0,
      error: 'Error: lines: out of memory',
    });
    expect(summary.status).toBe('FAILED');
    expect(summary.row.error).toBe('Error: lines: out of memory');
    expect(summary.subject).toBe(`[lakehouse] run failed: ${RUN_ID}`);
    expect(summary.message).toContain(
      `Run ${RUN_ID} FAILED after 300 s: Error: lines: out of memory`,
    );
    expect(summary.message).toContain('the watermark did not move');
  });

  it('on failure, a staging table that cannot be dropped is named in the error', async () => {
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION });
    engine.failDiscard.add('events');
    await h.recorder({
      status: 'FAILED',
      execution: EXECUTION,
      run: { ...plan, error: { Error: 'States.Timeout' } },
    });
    expect(engine.discarded.map((d) => d.model)).toEqual(['lines', 'summary']);
    expect(runRow(RUN_ID).error).toBe(
      'States.Timeout (and dropping staging tables failed: events: access denied)',
    );
  });

  it('records a run it knows only from the execution (the planner never returned)', async () => {
    const summary = await handlers().recorder({
      status: 'FAILED',
      execution: EXECUTION,
      run: null,
    });
    expect(summary.runId).toBe(RUN_ID);
    expect(runRow(RUN_ID)).toMatchObject({
      status: 'FAILED',
      started_at: '2026-11-22T11:00:00.000Z',
      request: 'scheduled',
      error: 'unknown error',
    });
    expect(engine.discarded).toEqual([]);
  });
});

describe('errorText', () => {
  it('reads the message out of Step Functions error objects', () => {
    expect(errorText(undefined)).toBe('unknown error');
    expect(errorText({})).toBe('unknown error');
    expect(errorText({ Error: 'States.Timeout' })).toBe('States.Timeout');
    expect(errorText({ Error: 'States.TaskFailed', Cause: 'plain words' })).toBe(
      'States.TaskFailed: plain words',
    );
    // A Lambda error: the cause is the function's error as JSON.
    expect(
      errorText({
        Error: 'SqlError',
        Cause: JSON.stringify({
          errorType: 'SqlError',
          errorMessage: 'lines: TABLE_NOT_FOUND',
          trace: ['at x'],
        }),
      }),
    ).toBe('SqlError: lines: TABLE_NOT_FOUND');
    // An Athena .sync task: the cause is the QueryExecution.
    expect(
      errorText({
        Error: 'States.TaskFailed',
        Cause: JSON.stringify({
          QueryExecutionId: 'q-1',
          Status: { State: 'FAILED', StateChangeReason: 'COLUMN_NOT_FOUND: line 1:8' },
        }),
      }),
    ).toBe('States.TaskFailed: COLUMN_NOT_FOUND: line 1:8');
    // JSON without either: kept as it came.
    const other = JSON.stringify({ Status: { State: 'FAILED' } });
    expect(errorText({ Error: 'States.TaskFailed', Cause: other })).toBe(
      `States.TaskFailed: ${other}`,
    );
    expect(errorText({ Cause: 'only a cause' })).toBe('only a cause');
  });
});

describe('run records', () => {
  it('run ids sort by start time and carry a folded execution name', () => {
    expect(runIdFor(EXECUTION)).toBe(RUN_ID);
    expect(
      runIdFor({ name: '  My Run_1 (manual)!', startTime: '2026-11-22T16:30:00.123+01:00' }),
    ).toBe('20261122T153000Z-my-run-1-manual');
    expect(runIdFor({ name: '___', startTime: '2026-11-22T15:30:00Z' })).toBe(
      '20261122T153000Z-run',
    );
    expect(runIdFor({ name: 'x'.repeat(80), startTime: '2026-11-22T15:30:00Z' })).toBe(
      `20261122T153000Z-${'x'.repeat(40)}`,
    );
    expect(() => runIdFor({ name: 'a', startTime: 'yesterday' })).toThrow(
      "execution start time 'yesterday' is not a timestamp",
    );
  });

  it('keys and request descriptions', () => {
    expect(LOCK_KEY).toBe('_state/pipeline/lock.json');
    expect(WATERMARK_KEY).toBe('_state/pipeline/watermark.json');
    expect(pendingKey('r1')).toBe('_state/pipeline/pending/r1.json');
    expect(runKey('r1', '2026-11-22')).toBe('dq/pipeline_runs/run_date=2026-11-22/r1.json');
    expect(modelsKey('r1', '2026-11-22')).toBe(
      'dq/pipeline_run_models/run_date=2026-11-22/r1.json',
    );
    expect(describeRequest({})).toBe('scheduled');
    expect(describeRequest({ fullRefresh: true, dates: [D1, D2], models: ['a', 'b'] })).toBe(
      'full refresh; dates 2026-11-20,2026-11-21; models a,b',
    );
  });
});

describe('auditor', () => {
  const UNIQUE_RAW: Check = {
    name: 'unique_raw',
    table: 'events',
    kind: 'unique',
    columns: ['raw'],
    description: 'one row per raw line',
    severity: 'critical',
    threshold: 0,
  };
  const resultsKey = runRecordKey(DQ_RESULTS_PREFIX, '2026-11-22', `${RUN_ID}-silver`);

  it("runs the layer's checks on the run's staging tables, writes dq_results and closes the gate on a critical failure", async () => {
    const published: { summary: AuditSummary; results: readonly DqResult[] }[] = [];
    const h = handlers({
      checks: () => [UNIQUE_RAW],
      metrics: (summary, results) => void published.push({ summary, results }),
    });
    const plan = await h.planner({ execution: EXECUTION });
    // What the engine answers for the one row-check query: D1 has a repeated line.
    engine.rows = [
      { p: D1, t0: 5, d0: 4 },
      { p: D2, t0: 3, d0: 3 },
    ];
    const summary = await h.auditor({
      runId: RUN_ID,
      layer: 'silver',
      startedAt: plan.startedAt,
    });
    expect(engine.queries).toHaveLength(1);
    // The staging table of this run, not the published table.
    expect(engine.queries[0]).toContain(
      `"lake_db"."events__stg_${RUN_ID.toLowerCase().replace(/-/g, '_')}"`,
    );
    expect(engine.queries[0]).not.toMatch(/"lake_db"\."events"[^_]/);
    const rows = rowsOf<DqResult>(resultsKey);
    expect(rows.map((r) => [r.partition, r.status, r.failing_rows, r.rows_checked])).toEqual([
      [D1, 'fail', 1, 5],
      [D2, 'pass', 0, 3],
    ]);
    expect(rows[0]).toMatchObject({
      run_id: RUN_ID,
      layer: 'silver',
      table_name: 'events',
      check_name: 'unique_raw',
      kind: 'unique',
      column_name: 'raw',
      observed: 1,
      threshold: 0,
      severity: 'critical',
    });
    expect(summary).toMatchObject({ layer: 'silver', passed: false, checks: 1, pass: 1, fail: 1 });
    expect(summary.message).toContain('Data-quality gate closed at silver');
    expect(summary.message).toContain(`FAIL events.unique_raw [${D1}]`);
    expect(summary.message).toContain(`lakehouse dq --run ${RUN_ID}`);
    expect(published).toHaveLength(1);
    expect(published[0]!.summary).toEqual(summary);
  });

  it('a warning keeps the gate open; a layer the run did not build is not checked', async () => {
    const h = handlers({ checks: () => [{ ...UNIQUE_RAW, severity: 'warn' }] });
    const plan = await h.planner({ execution: EXECUTION });
    engine.rows = [{ p: D1, t0: 5, d0: 4 }];
    const summary = await h.auditor({ runId: RUN_ID, layer: 'silver', startedAt: plan.startedAt });
    expect(summary).toMatchObject({ passed: true, warn: 1 });
    const gold = await h.auditor({ runId: RUN_ID, layer: 'gold', startedAt: plan.startedAt });
    expect(gold).toMatchObject({ passed: true, checks: 0 });
    expect(engine.queries).toHaveLength(1);
  });

  it('says so when the run has no plan to audit', async () => {
    await expect(
      handlers().auditor({ runId: 'nope', layer: 'silver', startedAt: '2026-11-22T11:00:00Z' }),
    ).rejects.toThrow('run nope has no plan with staged tables');
  });

  it('the success message reports each layer audit and what warned', async () => {
    const h = handlers();
    const plan = await h.planner({ execution: EXECUTION });
    const layers = results(plan).map((l) => ({
      ...l,
      audit: {
        summary: {
          layer: l.layer,
          passed: true,
          checks: 2,
          pass: 1,
          warn: 1,
          fail: 0,
          skip: 0,
          seconds: 0.1,
          findings: [`WARN events.late [${D1}]: 0.2 > 0.05: late`],
          message: `${l.layer}: 2 check(s), 2 result(s): 1 passed, 1 warned, 0 failed, 0 skipped.`,
        } satisfies AuditSummary,
      },
    }));
    const summary = await h.recorder({
      status: 'SUCCEEDED',
      execution: EXECUTION,
      run: { ...plan, layers: layers as unknown as LayerPlan[] },
    });
    expect(summary.message).toContain('Data quality, silver: 2 check(s)');
    expect(summary.message).toContain('Data quality, gold: 2 check(s)');
    expect(summary.message).toContain(`  WARN events.late [${D1}]`);
  });
});
