/**
 * The pipeline's Lambda handlers, as functions of their dependencies. The entry points in
 * `lambdas/` give them S3, Glue and Athena; `lakehouse run` gives them the filesystem lake and
 * DuckDB and calls them in-process from the same state machine definition.
 *
 * - planner: takes the run lock, plans the run against the watermark (`plan.ts`), records the
 *   run as RUNNING. A run that finds another one running ends at once (`skip`).
 * - renderer: a model's CTAS / INSERT INTO statements for its partitions (`statements.ts`).
 * - auditor: runs a layer's data-quality checks on what the run staged (`lib/dq/`), writes
 *   `dq_results`, and says whether the gate opens (no critical check failed).
 * - publisher: points a model's table at what its statements wrote.
 * - recorder: the run's last step, on success and on failure: writes `pipeline_runs`, moves the
 *   watermark (success only), drops the staging tables of a failed run, releases the lock.
 */
import { z } from 'zod';
import { auditLayer, summarizeAudit, type AuditSummary } from '../dq/audit.ts';
import type { Check } from '../dq/check-spec.ts';
import type { DqResult } from '../dq/evaluate.ts';
import type { Model } from '../engine/model.ts';
import type { MaterializeResult, SqlEngine } from '../engine/sql-engine.ts';
import { renderBuild } from '../engine/statements.ts';
import type { LakeState } from '../lake/lake-store.ts';
import {
  EMPTY_WATERMARK,
  groupByLayer,
  planRun,
  type LayerPlan,
  type ModelTask,
  type RunRequest,
  type Watermark,
} from './plan.ts';
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
  toJsonLines,
  type ExecutionRef,
  type LockBody,
  type PendingRun,
  type PipelineRunModelRow,
  type PipelineRunRow,
  type RunStatus,
} from './run-records.ts';

export interface PipelineDeps {
  readonly lake: LakeState;
  readonly engine: Pick<SqlEngine, 'publishStaging' | 'discardStaging' | 'query'>;
  /** The data-quality checks, with the config's overrides applied (read when first needed). */
  readonly checks: () => readonly Check[];
  /** Check queries the auditor keeps in flight at once (default 1; Athena runs several). */
  readonly auditConcurrency?: number;
  /** Publishes an audit's figures (CloudWatch metrics in the account); optional. */
  readonly metrics?: (summary: AuditSummary, results: readonly DqResult[]) => void | Promise<void>;
  /** The models, in dependency order (read when first needed). */
  readonly models: () => readonly Model[];
  readonly database: string;
  /** `s3://<bucket>/` in the account, `lake://local/` locally. */
  readonly lakeUri: string;
  /** See `planRun`: how far before the high mark unseen objects still count as new. */
  readonly overlapSeconds: number;
  /**
   * See `planRun`: the listing horizon (`pipeline.lateArrivalHours`). Objects that arrive later
   * than this after their partition's date are left to `dates` and full-refresh runs; not given:
   * the planner lists every Bronze object.
   */
  readonly lateArrivalHours?: number;
  /** A lock older than this belongs to a run Step Functions has timed out. */
  readonly lockTimeoutMinutes: number;
  /** Local runs: the process holding the lock, so a killed run's lock is taken over at once. */
  readonly owner?: LockBody['owner'];
  readonly isOwnerAlive?: (owner: NonNullable<LockBody['owner']>) => boolean;
  readonly now?: () => Date;
  /**
   * Largest plan the planner hands to the state machine (default 200,000 bytes): a Step
   * Functions state carries at most 256 KiB, and an overflow is not caught by `States.ALL`.
   */
  readonly maxPlanBytes?: number;
}

export interface PlannerEvent {
  readonly request?: RunRequest | null;
  readonly execution: ExecutionRef;
}

export interface PipelinePlan {
  readonly runId: string;
  readonly executionName: string;
  readonly startedAt: string;
  /** Another run holds the lock: this one ends at once. */
  readonly skip: boolean;
  readonly reason: string;
  readonly request: RunRequest;
  readonly window: { readonly start: string | null; readonly end: string | null };
  readonly newObjects: number;
  /** Bronze objects the planner listed (only partitions within the listing horizon). */
  readonly listedObjects: number;
  readonly modelCount: number;
  readonly partitionCount: number;
  /**
   * The run by layer, in order. Each layer's `waves` become `[[{ task, stage }]]` once staged,
   * then `[[ModelResult]]` once published; its audit summary is added as `audit`.
   */
  readonly layers: LayerPlan[];
}

/** What the Audit task gets: the run and the layer whose staging tables to check. */
export interface AuditorEvent {
  readonly runId: string;
  readonly layer: string;
  readonly startedAt: string;
}

/** One Athena statement's statistics, as the state machine's ResultSelector keeps them. */
export interface StageStat {
  readonly queryId?: string;
  readonly bytes?: number | null;
  readonly ms?: number | null;
}

export interface PublisherEvent {
  readonly task: ModelTask;
  readonly stage: readonly StageStat[];
}

export interface ModelResult {
  readonly model: string;
  readonly layer: string;
  readonly reason: string;
  readonly partitions: number;
  readonly removed: number;
  readonly rows: number;
  readonly bytesScanned: number;
  readonly seconds: number;
  readonly statements: number;
  readonly firstPartition: string | null;
  readonly lastPartition: string | null;
}

export interface RecorderEvent {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly execution: ExecutionRef;
  /** The state: the plan (with results in `layers` after a success), plus `error` on failure. */
  readonly run?: (Partial<PipelinePlan> & { error?: { Error?: string; Cause?: string } }) | null;
}

export interface RunSummary {
  readonly runId: string;
  readonly status: RunStatus;
  readonly subject: string;
  readonly message: string;
  readonly row: PipelineRunRow;
  readonly models: PipelineRunModelRow[];
}

const parseJson = <T>(text: string | undefined, what: string): T | undefined => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
};

export function createPipelineHandlers(deps: PipelineDeps) {
  const now = () => deps.now?.() ?? new Date();
  const model = (name: string): Model => {
    const m = deps.models().find((x) => x.name === name);
    if (!m) throw new Error(`unknown model ${name}`);
    return m;
  };

  /** Takes the lock, or says who holds it. A stale lock (its run is gone) is taken over. */
  async function lock(
    body: LockBody,
  ): Promise<{ held?: LockBody; tookOver?: LockBody; why?: 'dead' | 'timeout' }> {
    const text = JSON.stringify(body);
    if (await deps.lake.putIfAbsent(LOCK_KEY, text)) return {};
    const current = parseJson<LockBody>(await deps.lake.get(LOCK_KEY), LOCK_KEY);
    if (!current) return (await deps.lake.putIfAbsent(LOCK_KEY, text)) ? {} : lock(body);
    // The same run again (a retried planner): it already holds the lock.
    if (current.runId === body.runId) return {};
    const age = now().getTime() - Date.parse(current.startedAt);
    const dead =
      current.owner !== undefined &&
      deps.owner !== undefined &&
      current.owner.host === deps.owner.host &&
      deps.isOwnerAlive !== undefined &&
      !deps.isOwnerAlive(current.owner);
    if (!dead && !(age > deps.lockTimeoutMinutes * 60_000)) return { held: current };
    await deps.lake.put(LOCK_KEY, text, 'application/json');
    return { tookOver: current, why: dead ? 'dead' : 'timeout' };
  }

  async function writeRun(row: PipelineRunRow, models: PipelineRunModelRow[] = []) {
    const date = row.started_at.slice(0, 10);
    await deps.lake.put(
      runRecordKey(PIPELINE_RUNS_PREFIX, date, row.run_id),
      toJsonLines([row]),
      'application/json',
    );
    await deps.lake.put(
      runRecordKey(PIPELINE_RUN_MODELS_PREFIX, date, row.run_id),
      toJsonLines(models),
      'application/json',
    );
  }

  /** Drops what a run staged and forgets its pending plan. */
  async function abandon(pending: PendingRun | undefined, runId: string): Promise<string[]> {
    const problems: string[] = [];
    for (const s of pending?.staging ?? []) {
      try {
        await deps.engine.discardStaging({ model: model(s.model), buildId: s.buildId });
      } catch (err) {
        problems.push(`${s.model}: ${(err as Error).message}`);
      }
    }
    await deps.lake.delete(pendingKey(runId));
    return problems;
  }

  async function releaseLock(runId: string): Promise<void> {
    const current = parseJson<LockBody>(await deps.lake.get(LOCK_KEY), LOCK_KEY);
    if (current?.runId === runId) await deps.lake.delete(LOCK_KEY);
  }

  const planner = async (event: PlannerEvent): Promise<PipelinePlan> => {
    const runId = runIdFor(event.execution);
    const request: RunRequest = event.request ?? {};
    const startedAt = new Date(event.execution.startTime).toISOString();
    const base = {
      runId,
      executionName: event.execution.name,
      startedAt,
      request,
      newObjects: 0,
      listedObjects: 0,
      modelCount: 0,
      partitionCount: 0,
      layers: [],
    };
    const { held, tookOver, why } = await lock({
      runId,
      executionName: event.execution.name,
      startedAt,
      ...(deps.owner ? { owner: deps.owner } : {}),
    });
    if (held) {
      return {
        ...base,
        skip: true,
        reason: `run ${held.runId} (started ${held.startedAt}) is still running; this run ends without building`,
        window: { start: null, end: null },
      };
    }
    try {
      if (tookOver) {
        // Its execution is gone (timed out, aborted, or its process killed): drop what it
        // staged and record it.
        const pending = parseJson<PendingRun>(
          await deps.lake.get(pendingKey(tookOver.runId)),
          pendingKey(tookOver.runId),
        );
        await abandon(pending, tookOver.runId);
        await writeRun({
          ...emptyRow(tookOver.runId, tookOver.executionName, tookOver.startedAt),
          status: why === 'dead' ? 'ABORTED' : 'TIMED_OUT',
          finished_at: now().toISOString(),
          error: `superseded: run ${runId} found its lock ${why === 'dead' ? 'held by a process that is gone' : `older than ${deps.lockTimeoutMinutes} min`}`,
        });
      }
      const watermark = checkWatermark(
        parseJson<unknown>(await deps.lake.get(WATERMARK_KEY), WATERMARK_KEY),
      );
      const plan = await planRun({
        runId,
        models: deps.models(),
        lake: deps.lake,
        watermark,
        request,
        overlapSeconds: deps.overlapSeconds,
        ...(deps.lateArrivalHours !== undefined ? { lateArrivalHours: deps.lateArrivalHours } : {}),
        now: now(),
      });
      const tasks = plan.waves.flatMap((w) => w.models);
      const layers = groupByLayer(plan.waves);
      const pending: PendingRun = {
        runId,
        next: plan.next,
        advancesWatermark: plan.advancesWatermark,
        staging: tasks.map((t) => ({ model: t.model, buildId: t.buildId })),
        staged: plan.staged,
        built: Object.fromEntries(
          tasks.map((t) => [t.model, { layer: t.layer, partitions: t.partitions }]),
        ),
      };
      await deps.lake.put(pendingKey(runId), JSON.stringify(pending), 'application/json');
      const result: PipelinePlan = {
        ...base,
        skip: false,
        reason:
          tasks.length === 0
            ? 'nothing new since the watermark'
            : `${tasks.length} model(s) to build (${describeRequest(request)})`,
        window: { start: watermark.highMark, end: plan.next.highMark },
        newObjects: plan.newObjects,
        listedObjects: plan.listed.objects,
        modelCount: tasks.length,
        partitionCount: tasks.reduce((n, t) => n + (t.partitions?.length ?? 1), 0),
        layers,
      };
      const bytes = Buffer.byteLength(JSON.stringify(result));
      const limit = deps.maxPlanBytes ?? 200_000;
      if (bytes > limit) {
        throw new Error(
          `the plan (${result.modelCount} models, ${result.partitionCount} partitions) is ${bytes} bytes, ` +
            `more than a Step Functions state can carry (${limit}); split the run: ` +
            `a few models at a time (--models / input {"models": [...]}) or dates in ranges`,
        );
      }
      await writeRun({
        ...emptyRow(runId, event.execution.name, startedAt),
        window_start: result.window.start,
        window_end: result.window.end,
        request: describeRequest(request),
        new_objects: plan.newObjects,
        listed_objects: plan.listed.objects,
      });
      return result;
    } catch (err) {
      // The lock must not outlive a planner that failed (the recorder may not know the run).
      await releaseLock(runId).catch(() => undefined);
      throw err;
    }
  };

  const renderer = async (task: ModelTask) => {
    const built = renderBuild(model(task.model), task.partitions ?? undefined, task.buildId, {
      database: deps.database,
      lakeUri: deps.lakeUri,
      staged: task.staged,
    });
    return {
      stagingTable: built.stagingTable,
      statements: built.statements.map((s) => ({ label: s.label, sql: s.sql })),
    };
  };

  const auditor = async (event: AuditorEvent): Promise<AuditSummary> => {
    const pending = parseJson<PendingRun>(
      await deps.lake.get(pendingKey(event.runId)),
      pendingKey(event.runId),
    );
    if (!pending?.built || !pending.staged) {
      throw new Error(
        `run ${event.runId} has no plan with staged tables (${pendingKey(event.runId)}): nothing to audit`,
      );
    }
    const audit = await auditLayer({
      engine: deps.engine,
      database: deps.database,
      models: deps.models(),
      checks: deps.checks(),
      layer: event.layer,
      runId: event.runId,
      now: new Date(event.startedAt),
      built: pending.built,
      staged: pending.staged,
      concurrency: deps.auditConcurrency ?? 1,
    });
    await deps.lake.put(
      runRecordKey(
        DQ_RESULTS_PREFIX,
        event.startedAt.slice(0, 10),
        `${event.runId}-${event.layer}`,
      ),
      toJsonLines(audit.results),
      'application/json',
    );
    const summary = summarizeAudit(event.layer, event.runId, audit.results, audit.seconds);
    await deps.metrics?.(summary, audit.results);
    return summary;
  };

  const publisher = async (event: PublisherEvent): Promise<ModelResult> => {
    const { task } = event;
    const result: MaterializeResult = await deps.engine.publishStaging({
      model: model(task.model),
      buildId: task.buildId,
      ...(task.partitions ? { partitions: task.partitions } : {}),
      replace: task.replace,
    });
    const values = result.partitions.map((p) => p.value);
    return {
      model: task.model,
      layer: task.layer,
      reason: task.reason,
      partitions: result.partitions.length,
      removed: result.removed.length,
      rows: result.rows,
      bytesScanned: event.stage.reduce((n, s) => n + Number(s.bytes ?? 0), 0),
      seconds: event.stage.reduce((n, s) => n + Number(s.ms ?? 0), 0) / 1000 + result.seconds,
      statements: event.stage.length,
      firstPartition: values[0] ?? null,
      lastPartition: values[values.length - 1] ?? null,
    };
  };

  const recorder = async (event: RecorderEvent): Promise<RunSummary> => {
    const runId = event.run?.runId ?? runIdFor(event.execution);
    const run = event.run ?? {};
    const startedAt = run.startedAt ?? new Date(event.execution.startTime).toISOString();
    const finished = now();
    const pending = parseJson<PendingRun>(
      await deps.lake.get(pendingKey(runId)),
      pendingKey(runId),
    );
    const results = collectResults(run.layers);
    const audits = collectAudits(run.layers);
    const modelRows: PipelineRunModelRow[] = results.map((r) => ({
      run_id: runId,
      model: r.model,
      layer: r.layer,
      reason: r.reason,
      partitions: r.partitions,
      partitions_removed: r.removed,
      rows_written: r.rows,
      bytes_scanned: r.bytesScanned,
      seconds: round(r.seconds),
      first_partition: r.firstPartition,
      last_partition: r.lastPartition,
    }));
    const row: PipelineRunRow = {
      ...emptyRow(runId, event.execution.name, startedAt),
      status: event.status,
      finished_at: finished.toISOString(),
      duration_seconds: round((finished.getTime() - Date.parse(startedAt)) / 1000),
      window_start: run.window?.start ?? null,
      window_end: run.window?.end ?? null,
      request: describeRequest(run.request ?? {}),
      new_objects: run.newObjects ?? 0,
      listed_objects: run.listedObjects ?? 0,
      models_built: results.length,
      partitions_written: results.reduce((n, r) => n + r.partitions, 0),
      partitions_removed: results.reduce((n, r) => n + r.removed, 0),
      rows_written: results.reduce((n, r) => n + r.rows, 0),
      bytes_scanned: results.reduce((n, r) => n + r.bytesScanned, 0),
      error: null,
    };
    let message: string;
    let recorded: PipelineRunRow;
    if (event.status === 'SUCCEEDED') {
      if (pending?.advancesWatermark) {
        await deps.lake.put(
          WATERMARK_KEY,
          JSON.stringify(pending.next, null, 2),
          'application/json',
        );
      }
      await deps.lake.delete(pendingKey(runId));
      recorded = row;
      message = successMessage(row, modelRows, audits, pending?.advancesWatermark ?? false);
    } else {
      const error = errorText(run.error);
      const problems = await abandon(pending, runId);
      recorded = {
        ...row,
        error: problems.length
          ? `${error} (and dropping staging tables failed: ${problems.join('; ')})`
          : error,
      };
      message =
        `Run ${runId} FAILED after ${recorded.duration_seconds} s: ${recorded.error}\n` +
        `Nothing was published that a re-run would not redo: the watermark did not move, so the next run plans the same partitions again.`;
    }
    await writeRun(recorded, modelRows);
    await releaseLock(runId);
    return {
      runId,
      status: event.status,
      subject: `[lakehouse] run ${event.status.toLowerCase()}: ${runId}`.slice(0, 100),
      message,
      row: recorded,
      models: modelRows,
    };
  };

  return { planner, renderer, auditor, publisher, recorder };
}

export type PipelineHandlers = ReturnType<typeof createPipelineHandlers>;

const WatermarkSchema = z.object({
  highMark: z.string().nullable(),
  recentKeys: z.array(z.string()),
  models: z.record(z.string(), z.string()),
  pending: z.record(z.string(), z.array(z.string()).nullable()).optional(),
  runId: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

/** The stored watermark, checked: a damaged one is named, not half-read. */
function checkWatermark(value: unknown): Watermark {
  if (value === undefined) return EMPTY_WATERMARK;
  const parsed = WatermarkSchema.safeParse(value);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(
      `${WATERMARK_KEY} is not a watermark (${why.join('; ')}); fix or delete it (deleting it rebuilds everything)`,
    );
  }
  return parsed.data;
}

function emptyRow(runId: string, executionName: string, startedAt: string): PipelineRunRow {
  return {
    run_id: runId,
    execution_name: executionName,
    status: 'RUNNING',
    started_at: startedAt,
    finished_at: null,
    duration_seconds: null,
    window_start: null,
    window_end: null,
    request: 'scheduled',
    new_objects: 0,
    listed_objects: 0,
    models_built: 0,
    partitions_written: 0,
    partitions_removed: 0,
    rows_written: 0,
    bytes_scanned: 0,
    error: null,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The published models' results, from `layers[].waves` after the publish step. */
function collectResults(layers: unknown): ModelResult[] {
  if (!Array.isArray(layers)) return [];
  return layers
    .flatMap((l: { waves?: unknown }) => (Array.isArray(l?.waves) ? l.waves.flat() : []))
    .filter(
      (r): r is ModelResult =>
        typeof r === 'object' && r !== null && 'model' in r && 'rows' in r && 'bytesScanned' in r,
    );
}

/** The audits the layers went through (`layers[].audit.summary`, the Audit task's result). */
function collectAudits(layers: unknown): AuditSummary[] {
  if (!Array.isArray(layers)) return [];
  return layers
    .map((l: { audit?: { summary?: unknown } }) => l?.audit?.summary)
    .filter((a): a is AuditSummary => typeof a === 'object' && a !== null && 'passed' in a);
}

/** A Step Functions error as a sentence: Lambda errors carry `errorMessage` in a JSON cause. */
export function errorText(error: { Error?: string; Cause?: string } | undefined): string {
  if (!error) return 'unknown error';
  let cause = error.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string; Status?: unknown };
    if (typeof parsed.errorMessage === 'string') cause = parsed.errorMessage;
    else if (parsed.Status && typeof parsed.Status === 'object') {
      const s = parsed.Status as { StateChangeReason?: string };
      if (s.StateChangeReason) cause = s.StateChangeReason;
    }
  } catch {
    // a plain-text cause
  }
  return [error.Error, cause].filter(Boolean).join(': ') || 'unknown error';
}

function successMessage(
  row: PipelineRunRow,
  models: readonly PipelineRunModelRow[],
  audits: readonly AuditSummary[],
  moved: boolean,
): string {
  const lines = [
    `Run ${row.run_id} SUCCEEDED in ${row.duration_seconds} s (${row.request}).`,
    models.length === 0
      ? `Nothing new since the watermark (${row.window_start ?? 'none'}).`
      : `${row.models_built} model(s), ${row.partitions_written} partition(s), ${row.rows_written} row(s) written, ${row.bytes_scanned} byte(s) scanned; ${row.new_objects} new object(s).`,
    ...models.map(
      (m) =>
        `  ${m.model}: ${m.partitions} partition(s), ${m.rows_written} row(s), ${m.bytes_scanned} byte(s), ${m.seconds} s`,
    ),
    ...audits.flatMap((a) => [`Data quality, ${a.message}`, ...a.findings.map((f) => `  ${f}`)]),
    moved ? `Watermark: ${row.window_end}.` : 'Watermark unchanged (a restricted run).',
  ];
  return lines.join('\n');
}
