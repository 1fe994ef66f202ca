/**
 * Where a run's bookkeeping lives in the lake, and the rows of `pipeline_runs` and
 * `pipeline_run_models` (one JSON object per line, read by Athena through the JSON SerDe and by
 * DuckDB through `read_json`; see `lib/catalog/record-tables.ts`).
 */
import type { BuiltTable } from '../dq/audit.ts';
import type { StagedInput } from '../engine/statements.ts';
import type { RunRequest, Watermark } from './plan.ts';

export const PIPELINE_STATE_PREFIX = '_state/pipeline/';
export const WATERMARK_KEY = `${PIPELINE_STATE_PREFIX}watermark.json`;
export const LOCK_KEY = `${PIPELINE_STATE_PREFIX}lock.json`;
/** The plan of a run in progress: its next watermark and the staging tables it writes. */
export const pendingKey = (runId: string) => `${PIPELINE_STATE_PREFIX}pending/${runId}.json`;

export const PIPELINE_RUNS_PREFIX = 'dq/pipeline_runs/';
export const PIPELINE_RUN_MODELS_PREFIX = 'dq/pipeline_run_models/';
/** The checks' results: one object per layer a run audited (`<run id>-<layer>.json`). */
export const DQ_RESULTS_PREFIX = 'dq/dq_results/';
export const runRecordKey = (prefix: string, runDate: string, runId: string) =>
  `${prefix}run_date=${runDate}/${runId}.json`;

/** Step Functions' names for an execution's status. */
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A run's identity: its execution's name and start (`$$.Execution`). */
export interface ExecutionRef {
  readonly name: string;
  readonly startTime: string;
}

/**
 * Run ids sort by start time and stay unique per execution: `20261122T153000Z-<name>` with the
 * name folded to `[a-z0-9-]`, at most 40 characters after the stamp.
 */
export function runIdFor(execution: ExecutionRef): string {
  const started = new Date(execution.startTime);
  if (Number.isNaN(started.getTime())) {
    throw new Error(`execution start time '${execution.startTime}' is not a timestamp`);
  }
  const stamp = started
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const name = execution.name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${stamp}-${name || 'run'}`;
}

export interface LockBody {
  readonly runId: string;
  readonly executionName: string;
  readonly startedAt: string;
  /** The local process holding it (laptop runs only): a lock of a dead process is stale. */
  readonly owner?: { readonly host: string; readonly pid: number };
}

export interface PendingRun {
  readonly runId: string;
  readonly next: Watermark;
  readonly advancesWatermark: boolean;
  /** Staging tables this run writes, to drop if it fails or is abandoned. */
  readonly staging: readonly { readonly model: string; readonly buildId: string }[];
  /**
   * What each model of the run stages (partitions, staging table), for the checks that audit
   * it; absent in plans written before the checks existed.
   */
  readonly staged?: Readonly<Record<string, StagedInput>>;
  /** The models the run builds: layer and partitions (`null`: whole), for the checks. */
  readonly built?: Readonly<Record<string, BuiltTable>>;
}

/** One row of `pipeline_runs`. */
export interface PipelineRunRow {
  run_id: string;
  execution_name: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  duration_seconds: number | null;
  window_start: string | null;
  window_end: string | null;
  request: string;
  new_objects: number;
  /** Bronze objects the planner listed (bounded by the listing horizon). */
  listed_objects: number;
  models_built: number;
  partitions_written: number;
  partitions_removed: number;
  rows_written: number;
  bytes_scanned: number;
  error: string | null;
}

/** One row of `pipeline_run_models`: a model of a run. */
export interface PipelineRunModelRow {
  run_id: string;
  model: string;
  layer: string;
  reason: string;
  partitions: number;
  partitions_removed: number;
  rows_written: number;
  bytes_scanned: number;
  seconds: number;
  first_partition: string | null;
  last_partition: string | null;
}

export function describeRequest(request: RunRequest): string {
  const bits: string[] = [];
  if (request.fullRefresh) bits.push('full refresh');
  if (request.dates) bits.push(`dates ${request.dates.join(',')}`);
  if (request.models) bits.push(`models ${request.models.join(',')}`);
  return bits.join('; ') || 'scheduled';
}

export const toJsonLines = (rows: readonly object[]) =>
  rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
