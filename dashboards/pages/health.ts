import type { PageInput } from '../../lib/dashboards/panel-spec.ts';

const tile = { visual: 'stat', width: 8, height: 4 } as const;

export const health: PageInput = {
  id: 'health',
  title: 'Data health',
  // A run just after midnight is dated the day after the data it built: count from it.
  anchor: 'runs',
  description:
    'Is the lake right and up to date: data-quality checks (failed first), quarantined input, freshness per layer and the pipeline runs, for the runs dated in the range.',
  panels: [
    {
      ...tile,
      id: 'checks-failed',
      query: 'checks-summary',
      title: 'Checks failed',
      description:
        'Checks with a failed result in the runs of the range: a critical check over its threshold stops its run at the gate, and nothing is published. Anything above 0 needs a look (see the table below).',
      unit: 'count',
      value: 'checks_failed',
      thresholds: { base: 'green', steps: [{ value: 1, color: 'red' }] },
    },
    {
      ...tile,
      id: 'checks-warned',
      query: 'checks-summary',
      title: 'Checks warned',
      description:
        'Checks whose worst result in the range is a warning: over a warn threshold, published anyway (late or stale data, quarantined reasons, unknown members).',
      unit: 'count',
      value: 'checks_warned',
      thresholds: { base: 'green', steps: [{ value: 1, color: 'yellow' }] },
    },
    {
      ...tile,
      id: 'last-success-age',
      title: 'Hours since the last successful run',
      description:
        'Hours from the newest successful pipeline run’s finish to the end of the range (now, for a range ending now); the schedule starts one every 15 minutes by default. Empty when no run succeeded in the range or the week before it.',
      unit: 'hours',
      decimals: 1,
      value: 'hours_since_success',
      thresholds: {
        base: 'green',
        steps: [
          { value: 1, color: 'yellow' },
          { value: 3, color: 'red' },
        ],
      },
    },
    {
      id: 'dq-checks-by-day',
      title: 'Checks by day and worst result',
      description:
        'Each day’s checks, each counted once, in its worst result of the day: failed, warned, passed, or skipped (nothing to measure yet). Any failed or warned check is listed in the table below.',
      visual: 'timeseries',
      unit: 'count',
      width: 14,
      height: 9,
      time: 'time',
      values: ['failed', 'warned', 'passed', 'skipped'],
      style: 'bars',
      stack: true,
      labels: { failed: 'Failed', warned: 'Warned', passed: 'Passed', skipped: 'Skipped' },
      colors: { failed: 'red', warned: 'yellow', passed: 'green', skipped: 'gray' },
    },
    {
      id: 'quarantine-by-reason',
      title: 'Quarantined lines by reason',
      description:
        'Bronze lines Silver set aside in the range (silver_quarantine), by reason code and field, most first. Nothing is dropped: each line is kept with its raw text for a fix and a rebuild.',
      visual: 'bar',
      unit: 'count',
      width: 10,
      height: 9,
      category: 'cause',
      values: ['lines'],
      horizontal: true,
    },
    {
      id: 'dq-problems',
      title: 'Checks that failed or warned',
      description:
        'One row per check (and reason code) that failed or warned in the range, failed first, then newest first: its newest such result, observed against threshold (a check passes when observed ≤ threshold), and how often it failed or warned.',
      visual: 'table',
      width: 24,
      height: 10,
      colors: { fail: 'red', warn: 'yellow' },
      empty: 'No check failed or warned in this range',
      columns: [
        { name: 'status', title: 'Status', colored: true },
        { name: 'last_seen', title: 'Last seen' },
        { name: 'layer', title: 'Layer' },
        { name: 'check_id', title: 'Check' },
        { name: 'column_name', title: 'Column or reason' },
        { name: 'checked_partition', title: 'Partition' },
        { name: 'observed', title: 'Observed' },
        { name: 'threshold', title: 'Threshold' },
        { name: 'failed', title: 'Failed', unit: 'count' },
        { name: 'warned', title: 'Warned', unit: 'count' },
        { name: 'message', title: 'Message' },
        { name: 'run_id', title: 'Run' },
      ],
    },
    {
      id: 'pipeline-runs',
      title: 'Pipeline runs',
      description:
        'The runs of the range, newest first: status, wall time (yellow from 10 minutes, red from 15: longer than the default schedule’s interval), bytes scanned (Athena bills $5/TB) and what each built. A failed run shows its error.',
      visual: 'table',
      width: 15,
      height: 9,
      thresholds: {
        base: 'green',
        steps: [
          { value: 600, color: 'yellow' },
          { value: 900, color: 'red' },
        ],
      },
      colors: {
        SUCCEEDED: 'green',
        RUNNING: 'blue',
        FAILED: 'red',
        TIMED_OUT: 'red',
        ABORTED: 'orange',
      },
      columns: [
        { name: 'started_at', title: 'Started' },
        { name: 'status', title: 'Status', colored: true },
        { name: 'duration_seconds', title: 'Duration', unit: 'seconds', colored: true },
        { name: 'bytes_scanned', title: 'Scanned', unit: 'bytes' },
        { name: 'models_built', title: 'Models', unit: 'count' },
        { name: 'rows_written', title: 'Rows written', unit: 'count' },
        { name: 'new_objects', title: 'New objects', unit: 'count' },
        { name: 'slowest_model', title: 'Slowest model' },
        { name: 'slowest_model_seconds', title: 'Its time', unit: 'seconds' },
        { name: 'error', title: 'Error' },
      ],
    },
    {
      id: 'freshness',
      title: 'Freshness by layer',
      description:
        'Per table, the newest data up to the end of the range and how many hours old it is then: yellow from 3 hours (the freshness check’s warning), red from 24. Silver’s arrival time shows whether data still reaches the lake.',
      visual: 'table',
      decimals: 1,
      width: 9,
      height: 9,
      thresholds: {
        base: 'green',
        steps: [
          { value: 3, color: 'yellow' },
          { value: 24, color: 'red' },
        ],
      },
      columns: [
        { name: 'layer', title: 'Layer' },
        { name: 'table_name', title: 'Table' },
        { name: 'column_name', title: 'Newest of' },
        { name: 'newest', title: 'Newest' },
        { name: 'hours_old', title: 'Hours old', unit: 'hours', colored: true },
      ],
    },
  ],
};
