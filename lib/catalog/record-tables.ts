/**
 * Tables the pipeline writes itself, as JSON lines (one object per line): the run log. The CDK
 * catalog turns each into a Glue table (JSON SerDe, partition projection on `run_date`); the
 * DuckDB engine into a view over the same keys. Times are ISO-8601 strings (read them with
 * `from_iso8601_timestamp`), as the JSON SerDe's timestamp parsing does not take the `Z` form.
 */
import {
  DQ_RESULTS_PREFIX,
  PIPELINE_RUNS_PREFIX,
  PIPELINE_RUN_MODELS_PREFIX,
} from '../pipeline/run-records.ts';

export type RecordColumnType = 'string' | 'bigint' | 'double';

export interface RecordTable {
  readonly name: string;
  readonly description: string;
  /** Key prefix, ending in `/`; objects live under `run_date=YYYY-MM-DD/`. */
  readonly prefix: string;
  readonly columns: readonly { name: string; type: RecordColumnType; comment: string }[];
  /** The one partition column (a date, projected). */
  readonly partition: { readonly name: 'run_date'; readonly comment: string };
}

const RUN_DATE = { name: 'run_date', comment: 'UTC date the run started (YYYY-MM-DD)' } as const;

export const RECORD_TABLES: readonly RecordTable[] = [
  {
    name: 'pipeline_runs',
    description: 'One row per pipeline run (state machine execution): window, status, totals',
    prefix: PIPELINE_RUNS_PREFIX,
    partition: RUN_DATE,
    columns: [
      { name: 'run_id', type: 'string', comment: 'start time + execution name' },
      { name: 'execution_name', type: 'string', comment: 'Step Functions execution name' },
      {
        name: 'status',
        type: 'string',
        comment: 'RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED (Step Functions names)',
      },
      { name: 'started_at', type: 'string', comment: 'ISO-8601' },
      { name: 'finished_at', type: 'string', comment: 'ISO-8601; null while running' },
      { name: 'duration_seconds', type: 'double', comment: 'wall time of the execution' },
      { name: 'window_start', type: 'string', comment: 'watermark before the run' },
      { name: 'window_end', type: 'string', comment: 'watermark after the run (if it succeeds)' },
      { name: 'request', type: 'string', comment: 'scheduled, full refresh, dates …, models …' },
      { name: 'new_objects', type: 'bigint', comment: 'Bronze objects that arrived in the window' },
      {
        name: 'listed_objects',
        type: 'bigint',
        comment: 'Bronze objects the planner listed (partitions within the listing horizon)',
      },
      { name: 'models_built', type: 'bigint', comment: 'models published' },
      { name: 'partitions_written', type: 'bigint', comment: 'partitions published' },
      { name: 'partitions_removed', type: 'bigint', comment: 'partitions that came out empty' },
      { name: 'rows_written', type: 'bigint', comment: 'rows in the published partitions' },
      {
        name: 'bytes_scanned',
        type: 'bigint',
        comment: 'Athena data scanned (DuckDB: bytes read from files)',
      },
      { name: 'error', type: 'string', comment: 'failure: the failing state and message' },
    ],
  },
  {
    name: 'pipeline_run_models',
    description: 'One row per model a pipeline run built: partitions, rows, bytes scanned, time',
    prefix: PIPELINE_RUN_MODELS_PREFIX,
    partition: RUN_DATE,
    columns: [
      { name: 'run_id', type: 'string', comment: 'pipeline_runs.run_id' },
      { name: 'model', type: 'string', comment: 'model (table) name' },
      { name: 'layer', type: 'string', comment: 'silver, gold, rfm or dq' },
      { name: 'reason', type: 'string', comment: 'new data, upstream, model changed, …' },
      { name: 'partitions', type: 'bigint', comment: 'partitions written' },
      {
        name: 'partitions_removed',
        type: 'bigint',
        comment: 'requested partitions that came out empty',
      },
      { name: 'rows_written', type: 'bigint', comment: 'rows written' },
      {
        name: 'bytes_scanned',
        type: 'bigint',
        comment: 'Athena data scanned (DuckDB: bytes read)',
      },
      { name: 'seconds', type: 'double', comment: 'statement time plus publish time' },
      { name: 'first_partition', type: 'string', comment: 'smallest partition value written' },
      { name: 'last_partition', type: 'string', comment: 'largest partition value written' },
    ],
  },
  {
    name: 'dq_results',
    description:
      'One row per data-quality check, partition and run: what was measured, the threshold, the verdict',
    prefix: DQ_RESULTS_PREFIX,
    partition: RUN_DATE,
    columns: [
      { name: 'run_id', type: 'string', comment: 'pipeline_runs.run_id' },
      { name: 'checked_at', type: 'string', comment: 'ISO-8601, when the layer was audited' },
      { name: 'layer', type: 'string', comment: 'silver, gold, rfm or dq: the gate' },
      { name: 'table_name', type: 'string', comment: 'the table checked' },
      {
        name: 'check_name',
        type: 'string',
        comment: 'the check (config: dq.checks."<table>.<check>")',
      },
      {
        name: 'kind',
        type: 'string',
        comment:
          'not_null, unique, accepted_values, range, regex, relationships, freshness, volume, reconciliation, schema_drift, quarantine_rate',
      },
      { name: 'column_name', type: 'string', comment: 'the column (or reason code) checked' },
      { name: 'partition', type: 'string', comment: 'partition value checked; null: whole table' },
      {
        name: 'observed',
        type: 'double',
        comment: 'what was measured (a count, a ratio, minutes, a difference); null when skipped',
      },
      { name: 'threshold', type: 'double', comment: 'passes when observed <= threshold' },
      { name: 'severity', type: 'string', comment: 'warn or critical' },
      {
        name: 'status',
        type: 'string',
        comment: 'pass, warn (a warn check over its threshold), fail (critical) or skip',
      },
      { name: 'failing_rows', type: 'bigint', comment: 'rows that failed (row checks and rates)' },
      { name: 'rows_checked', type: 'bigint', comment: 'rows the check looked at' },
      { name: 'message', type: 'string', comment: 'the result in words' },
      {
        name: 'details',
        type: 'string',
        comment:
          'the figures behind it as JSON (reconciliation terms, orphans vs unknown members, the volume mean, the partitions a run-wide result covers)',
      },
    ],
  },
];
