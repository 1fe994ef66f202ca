/**
 * The model dq_daily (athena/models/dq/dq_daily.sql) on hand-written dq_results rows, built on
 * DuckDB with the pipeline's materialization. Every expected value was worked out by hand from the
 * rows below and the definitions in the model's comment block (the comment next to a value says
 * how); nothing was pasted from a run.
 *
 * Run dates: A = 2026-11-20 and B = 2026-11-21 (dq_results.run_date, the UTC date a run started;
 * dq_daily.dt is that date). Runs:
 *   A1 20261120T080000Z-a  started 08:00 on A, checked at 08:05: passed its Silver gate.
 *   A2 20261120T235000Z-b  started 23:50 on A, checked at 00:02 on B: it still counts on A (its
 *                          run_date); a critical check failed at the Silver gate.
 *   B1 20261121T090000Z-c  on B: Silver, Gold and dq layers (checked 09:05, 09:07, 09:09).
 *   B2 20261121T150000Z-d  on B: one Silver result (checked 15:05).
 *
 * Values come back as DuckDB's JSON forms: BIGINT as strings ('3'), DOUBLE as numbers, NULL as
 * null.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DQ_RESULTS_PREFIX, runRecordKey, toJsonLines } from '../../lib/pipeline/run-records.ts';
import { ShopLake, type Row } from '../helpers/shop-lake.ts';
import { dqResult, type Status } from '../helpers/dq-records.ts';

const A = '2026-11-20';
const B = '2026-11-21';
const A1 = '20261120T080000Z-a';
const A2 = '20261120T235000Z-b';
const B1 = '20261121T090000Z-c';
const B2 = '20261121T150000Z-d';
const A1_AT = `${A}T08:05:00.000Z`;
const A2_AT = `${B}T00:02:00.000Z`;

function result(
  runId: string,
  checkedAt: string,
  layer: string,
  check: string,
  kind: string,
  severity: 'warn' | 'critical',
  status: Status,
  r: {
    column: string | null;
    partition: string | null;
    observed: number | null;
    threshold: number;
    failing: number | null;
    checked: number | null;
  },
): object {
  return dqResult(runId, checkedAt, layer, check, status, { ...r, kind, severity });
}

const uniqueEvent = (
  runId: string,
  at: string,
  status: Status,
  partition: string,
  failing: number,
  checked: number,
) =>
  result(runId, at, 'silver', 'silver_events.unique_event_id', 'unique', 'critical', status, {
    column: 'event_id',
    partition,
    observed: failing,
    threshold: 0,
    failing,
    checked,
  });

/** Volume: no row counts (failing_rows, rows_checked NULL); a skip measures nothing. */
const volume = (
  runId: string,
  at: string,
  layer: string,
  check: string,
  status: Status,
  partition: string,
  observed: number | null,
) =>
  result(runId, at, layer, check, 'volume', 'warn', status, {
    column: null,
    partition,
    observed,
    threshold: 0.5,
    failing: null,
    checked: null,
  });

/** Freshness: minutes, no row counts. */
const freshness = (runId: string, at: string, status: Status, observed: number) =>
  result(runId, at, 'silver', 'silver_events.freshness', 'freshness', 'warn', status, {
    column: 'event_ts',
    partition: null,
    observed,
    threshold: 180,
    failing: null,
    checked: null,
  });

/** Per reason code: column_name is the reason. */
const byReason = (
  runId: string,
  at: string,
  status: Status,
  reason: string,
  failing: number,
  checked: number,
) =>
  result(
    runId,
    at,
    'silver',
    'silver_quarantine.quarantine_rate_by_reason',
    'quarantine_rate',
    'warn',
    status,
    {
      column: reason,
      partition: null,
      observed: failing / checked,
      threshold: 0.01,
      failing,
      checked,
    },
  );

/** Late arrivals over 100 events; the threshold comes from the config in force. */
const late = (runId: string, at: string, status: Status, failing: number, threshold: number) =>
  result(runId, at, 'silver', 'silver_events.late_arrivals', 'range', 'warn', status, {
    column: 'arrival_ts',
    partition: null,
    observed: failing / 100,
    threshold,
    failing,
    checked: 100,
  });

/** Each run's results per layer, as the auditor writes them (`<run id>-<layer>.json`). */
const RESULTS: readonly { runDate: string; runId: string; layer: string; rows: object[] }[] = [
  {
    runDate: A,
    runId: A1,
    layer: 'silver',
    rows: [
      uniqueEvent(A1, A1_AT, 'pass', '2026-11-19', 0, 50),
      uniqueEvent(A1, A1_AT, 'pass', A, 0, 100),
      // The day in progress: skipped, nothing measured.
      volume(A1, A1_AT, 'silver', 'silver_events.volume', 'skip', A, null),
      volume(A1, A1_AT, 'silver', 'silver_events.volume', 'pass', '2026-11-19', 0.2),
      freshness(A1, A1_AT, 'pass', 45),
      byReason(A1, A1_AT, 'warn', 'malformed_json', 2, 100), // 0.02 > 0.01
      byReason(A1, A1_AT, 'pass', 'bad_enum', 1, 100), // 0.01 <= 0.01
      late(A1, A1_AT, 'warn', 6, 0.05), // 0.06 > 0.05
    ],
  },
  {
    runDate: A,
    runId: A2,
    layer: 'silver',
    rows: [
      // The same check and partition that passed in A1 fails in A2: 2 duplicates in 120 rows.
      uniqueEvent(A2, A2_AT, 'fail', A, 2, 120),
      volume(A2, A2_AT, 'silver', 'silver_events.volume', 'skip', A, null),
      freshness(A2, A2_AT, 'warn', 200),
      byReason(A2, A2_AT, 'pass', 'malformed_json', 1, 200), // 0.005
      // The threshold was raised to 0.1 in the config between A1 and A2: 0.06 passes now.
      late(A2, A2_AT, 'pass', 6, 0.1),
    ],
  },
  {
    runDate: B,
    runId: B1,
    layer: 'silver',
    rows: [uniqueEvent(B1, `${B}T09:05:00.000Z`, 'pass', B, 0, 80)],
  },
  {
    runDate: B,
    runId: B1,
    layer: 'gold',
    rows: [volume(B1, `${B}T09:07:00.000Z`, 'gold', 'fact_orders.volume', 'skip', B, null)],
  },
  {
    runDate: B,
    runId: B1,
    layer: 'dq',
    rows: [
      result(
        B1,
        `${B}T09:09:00.000Z`,
        'dq',
        'dq_daily.accepted_worst_status',
        'accepted_values',
        'critical',
        'pass',
        { column: 'worst_status', partition: B, observed: 0, threshold: 0, failing: 0, checked: 6 },
      ),
    ],
  },
  {
    runDate: B,
    runId: B2,
    layer: 'silver',
    rows: [uniqueEvent(B2, `${B}T15:05:00.000Z`, 'pass', B, 0, 90)],
  },
];

let lake: ShopLake;

beforeAll(async () => {
  lake = await ShopLake.open({ events: [] });
  for (const r of RESULTS) {
    const file = join(
      lake.root,
      runRecordKey(DQ_RESULTS_PREFIX, r.runDate, `${r.runId}-${r.layer}`),
    );
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, toJsonLines(r.rows));
  }
  // The dq_results view was made when the engine opened, before the files were there.
  await lake.engine.refresh();
  await lake.build(['dq_daily']);
});

afterAll(async () => {
  await lake?.close();
});

const close = (n: number) => expect.closeTo(n, 9);

/** A dq_daily row: identity, counts (runs, results, passed, warned, failed, skipped), the rest. */
function daily(
  dt: string,
  id: [layer: string, check: string, kind: string, column: string | null, severity: string],
  counts: [number, number, number, number, number, number],
  rest: {
    worst_status: Status;
    max_observed: number | null;
    avg_observed: number | null;
    threshold: number;
    failing_rows: number | null;
    rows_checked: number | null;
    first_checked_at: string;
    last_checked_at: string;
  },
): Row {
  const [layer, check, kind, column, severity] = id;
  const [table, name] = check.split('.');
  const big = (n: number | null) => (n === null ? null : String(n));
  return {
    layer,
    table_name: table,
    check_name: name,
    kind,
    column_name: column,
    severity,
    runs: big(counts[0]),
    results: big(counts[1]),
    passed: big(counts[2]),
    warned: big(counts[3]),
    failed: big(counts[4]),
    skipped: big(counts[5]),
    worst_status: rest.worst_status,
    max_observed: rest.max_observed,
    avg_observed: rest.avg_observed === null ? null : close(rest.avg_observed),
    threshold: rest.threshold,
    failing_rows: big(rest.failing_rows),
    rows_checked: big(rest.rows_checked),
    first_checked_at: rest.first_checked_at,
    last_checked_at: rest.last_checked_at,
    dt,
  };
}

describe('dq_daily', () => {
  it('sums each day, table, check, column and severity over the runs of that day', async () => {
    const rows = await lake.table(
      'dq_daily',
      'dt, layer, table_name, check_name, column_name NULLS FIRST',
    );
    expect(rows).toEqual([
      // ---- A: runs A1 and A2 (A2 checked after midnight, still A: dt is the run_date) ----
      // freshness: A1 45 min (pass), A2 200 min (warn, over 180). Minutes, no row counts: the
      // sums of NULL failing_rows and rows_checked are NULL. avg (45 + 200) / 2 = 122.5.
      daily(
        A,
        ['silver', 'silver_events.freshness', 'freshness', 'event_ts', 'warn'],
        [2, 2, 1, 1, 0, 0],
        {
          worst_status: 'warn',
          max_observed: 200,
          avg_observed: 122.5,
          threshold: 180,
          failing_rows: null,
          rows_checked: null,
          first_checked_at: A1_AT,
          last_checked_at: A2_AT,
        },
      ),
      // late_arrivals: 6 of 100 in both runs (0.06); A1 warned against 0.05, A2 passed against
      // 0.1: worst warn, the largest threshold of the day 0.1; failing 6 + 6, checked 100 + 100.
      daily(
        A,
        ['silver', 'silver_events.late_arrivals', 'range', 'arrival_ts', 'warn'],
        [2, 2, 1, 1, 0, 0],
        {
          worst_status: 'warn',
          max_observed: 0.06,
          avg_observed: 0.06,
          threshold: 0.1,
          failing_rows: 12,
          rows_checked: 200,
          first_checked_at: A1_AT,
          last_checked_at: A2_AT,
        },
      ),
      // unique_event_id: A1 passed on 2026-11-19 (0 of 50) and on A (0 of 100); A2 failed on A
      // (2 of 120). 2 runs, 3 results, 2 passed, 1 failed: worst fail. observed 0, 0, 2: max 2,
      // avg 2 / 3; failing 0 + 0 + 2; checked 50 + 100 + 120 = 270.
      daily(
        A,
        ['silver', 'silver_events.unique_event_id', 'unique', 'event_id', 'critical'],
        [2, 3, 2, 0, 1, 0],
        {
          worst_status: 'fail',
          max_observed: 2,
          avg_observed: 2 / 3,
          threshold: 0,
          failing_rows: 2,
          rows_checked: 270,
          first_checked_at: A1_AT,
          last_checked_at: A2_AT,
        },
      ),
      // volume (no column): A1 skipped A (NULL observed) and measured 2026-11-19 (0.2, pass); A2
      // skipped A. 3 results: 1 passed, 2 skipped: worst pass. max and avg over the one measured
      // result: 0.2 (with skips as 0 the avg would be 0.0667). No row counts: NULL sums.
      daily(A, ['silver', 'silver_events.volume', 'volume', null, 'warn'], [2, 3, 1, 0, 0, 2], {
        worst_status: 'pass',
        max_observed: 0.2,
        avg_observed: 0.2,
        threshold: 0.5,
        failing_rows: null,
        rows_checked: null,
        first_checked_at: A1_AT,
        last_checked_at: A2_AT,
      }),
      // quarantine_rate_by_reason, one row per reason (column_name): bad_enum only in A1, 1 of
      // 100 = 0.01, which passes (<= 0.01).
      daily(
        A,
        [
          'silver',
          'silver_quarantine.quarantine_rate_by_reason',
          'quarantine_rate',
          'bad_enum',
          'warn',
        ],
        [1, 1, 1, 0, 0, 0],
        {
          worst_status: 'pass',
          max_observed: 0.01,
          avg_observed: 0.01,
          threshold: 0.01,
          failing_rows: 1,
          rows_checked: 100,
          first_checked_at: A1_AT,
          last_checked_at: A1_AT,
        },
      ),
      // malformed_json: A1 2 of 100 = 0.02 (warn), A2 1 of 200 = 0.005 (pass). max 0.02, avg
      // (0.02 + 0.005) / 2 = 0.0125; failing 2 + 1, checked 100 + 200.
      daily(
        A,
        [
          'silver',
          'silver_quarantine.quarantine_rate_by_reason',
          'quarantine_rate',
          'malformed_json',
          'warn',
        ],
        [2, 2, 1, 1, 0, 0],
        {
          worst_status: 'warn',
          max_observed: 0.02,
          avg_observed: 0.0125,
          threshold: 0.01,
          failing_rows: 3,
          rows_checked: 300,
          first_checked_at: A1_AT,
          last_checked_at: A2_AT,
        },
      ),
      // ---- B: runs B1 and B2 ----
      // dq: B1's accepted_worst_status passed (0 of 6 rows).
      daily(
        B,
        ['dq', 'dq_daily.accepted_worst_status', 'accepted_values', 'worst_status', 'critical'],
        [1, 1, 1, 0, 0, 0],
        {
          worst_status: 'pass',
          max_observed: 0,
          avg_observed: 0,
          threshold: 0,
          failing_rows: 0,
          rows_checked: 6,
          first_checked_at: `${B}T09:09:00.000Z`,
          last_checked_at: `${B}T09:09:00.000Z`,
        },
      ),
      // gold fact_orders.volume: B1 skipped it, nothing else: worst skip, nothing measured (max
      // and avg NULL), no row counts.
      daily(B, ['gold', 'fact_orders.volume', 'volume', null, 'warn'], [1, 1, 0, 0, 0, 1], {
        worst_status: 'skip',
        max_observed: null,
        avg_observed: null,
        threshold: 0.5,
        failing_rows: null,
        rows_checked: null,
        first_checked_at: `${B}T09:07:00.000Z`,
        last_checked_at: `${B}T09:07:00.000Z`,
      }),
      // unique_event_id on B: B1 0 of 80, B2 0 of 90: a row of its own (another dt), 170 checked.
      daily(
        B,
        ['silver', 'silver_events.unique_event_id', 'unique', 'event_id', 'critical'],
        [2, 2, 2, 0, 0, 0],
        {
          worst_status: 'pass',
          max_observed: 0,
          avg_observed: 0,
          threshold: 0,
          failing_rows: 0,
          rows_checked: 170,
          first_checked_at: `${B}T09:05:00.000Z`,
          last_checked_at: `${B}T15:05:00.000Z`,
        },
      ),
    ]);
  });

  it('has one row per day, layer, table, check, column and severity (its grain)', async () => {
    // 6 groups on A, 3 on B, as listed above; the same grain counted from the inputs.
    const [r] = await lake.rows(`
      SELECT
        (SELECT count(*) FROM dq_daily) AS rows,
        (SELECT count(*) FROM (
          SELECT DISTINCT run_date, layer, table_name, check_name, column_name, severity
          FROM dq_results
        )) AS groups`);
    expect(r).toEqual({ rows: '9', groups: '9' });
  });
});
