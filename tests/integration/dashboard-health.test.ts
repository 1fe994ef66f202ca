/**
 * The "Data health" dashboard page (dashboards/pages/health.ts, dashboards/sql/health/*.sql) on a
 * small shop built from Bronze plus hand-written run records, every panel run through
 * `queryPanel` on DuckDB as the local dashboard runs it. Every expected value was worked out by
 * hand from the fixture below and the definitions in the SQL files' comments (the comment next to
 * a value says how); nothing was pasted from a run.
 *
 * Days: D0 = 2026-11-19, D1 = 2026-11-20, D2 = 2026-11-21 (UTC).
 *
 * Events (Silver, Gold and RFM are built from them):
 *   D1  e1 page_view 10:00, e2 add_to_cart 10:05, e3 purchase 10:10 (order o1; arrived 12:00),
 *       all session s1; e6 page_view 11:00 in session s3.
 *   D2  e4 page_view 08:00 (arrived 08:01), e5 purchase 08:30 (order o2; arrived 09:15), session s2.
 * Quarantined raw lines: D1 two malformed JSON lines and one without user_id; D2 one malformed
 * line and one without session_id.
 *
 * Pipeline runs (run_date = the UTC day it started):
 *   R0 D0 SUCCEEDED 23:50 → D1 00:20 (finished after D0 ends)
 *   R1 D1 SUCCEEDED 08:00 → 08:06:40, 400 s    R2 D1 FAILED 20:00 → 20:05:30, 330 s
 *   R3 D2 FAILED    09:00 → 09:08:20, 500 s    R4 D2 SUCCEEDED 15:00 → 15:10:00, 600 s
 *   R5 D2 RUNNING   23:50, not finished
 * dq_results (checked at run start + 5 min; R3's gold layer at + 7 min):
 *   R1  silver_events.unique_event_id pass (D1); silver_events.freshness warn 200 > 180;
 *       silver_events.late_arrivals pass; fact_orders.volume skip (D1)
 *   R2  silver_events.unique_event_id fail on D0 (observed 1) and D1 (observed 2);
 *       silver_events.freshness pass 30
 *   R3  silver_events.unique_event_id fail (D2, 3); quarantine_rate_by_reason warn for
 *       malformed_json (0.02) and bad_type (0.015), pass for bad_enum; gold
 *       fact_orders.not_null_order_id fail (D2, 1); dq dq_daily.accepted_worst_status pass
 *   R4  silver_events.unique_event_id pass (D2); silver_events.freshness warn 250;
 *       fact_orders.volume pass (D1), skip (D2)
 *
 * Values come back in DuckDB's JSON forms: BIGINT as strings ('3'), DOUBLE as numbers,
 * TIMESTAMP as 'YYYY-MM-DD HH:MM:SS[.fff]' text, NULL as null.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { health } from '../../dashboards/pages/health.ts';
import { loadDashboards } from '../../lib/dashboards/dashboards.ts';
import { dayRange, type TimeRange } from '../../lib/dashboards/macros.ts';
import type { LoadedPanel } from '../../lib/dashboards/panel-spec.ts';
import { queryPanel } from '../../lib/dashboards/run-panel.ts';
import {
  DQ_RESULTS_PREFIX,
  PIPELINE_RUN_MODELS_PREFIX,
  PIPELINE_RUNS_PREFIX,
  runRecordKey,
  toJsonLines,
  type PipelineRunModelRow,
  type PipelineRunRow,
  type RunStatus,
} from '../../lib/pipeline/run-records.ts';
import { dqResult, type Status } from '../helpers/dq-records.ts';
import { eventLine, ShopLake, type Row, type ShopEvent } from '../helpers/shop-lake.ts';

const D0 = '2026-11-19';
const D1 = '2026-11-20';
const D2 = '2026-11-21';
const R0 = '20261119T235000Z-r0';
const R1 = '20261120T080000Z-r1';
const R2 = '20261120T200000Z-r2';
const R3 = '20261121T090000Z-r3';
const R4 = '20261121T150000Z-r4';
const R5 = '20261121T235000Z-r5';

// ---- Bronze ----------------------------------------------------------------------------------

const EVENTS: ShopEvent[] = [
  { id: 'e1', ts: `${D1}T10:00:00Z`, user: 'u1', session: 's1', product: 'p1' },
  {
    id: 'e2',
    type: 'add_to_cart',
    ts: `${D1}T10:05:00Z`,
    user: 'u1',
    session: 's1',
    product: 'p1',
  },
  {
    id: 'e3',
    type: 'purchase',
    ts: `${D1}T10:10:00Z`,
    user: 'u1',
    session: 's1',
    product: 'p1',
    order: 'o1',
    arrival: `${D1} 12:00:00`,
  },
  { id: 'e6', ts: `${D1}T11:00:00Z`, user: 'u3', session: 's3', product: 'p1' },
  { id: 'e4', ts: `${D2}T08:00:00Z`, user: 'u2', session: 's2', product: 'p1' },
  {
    id: 'e5',
    type: 'purchase',
    ts: `${D2}T08:30:00Z`,
    user: 'u2',
    session: 's2',
    product: 'p1',
    order: 'o2',
    arrival: `${D2} 09:15:00`,
  },
];

/** A valid event line without one field (Silver quarantines it as missing_field: <field>). */
function without(field: string, e: ShopEvent): string {
  const o = JSON.parse(eventLine(e)) as Record<string, unknown>;
  delete o[field];
  return JSON.stringify(o);
}

const RAW_LINES = [
  { dt: D1, hour: '13', arrival: `${D1} 13:00:00`, line: '{"event_id": "x1", ' },
  { dt: D1, hour: '13', arrival: `${D1} 13:00:00`, line: 'not json at all' },
  {
    dt: D1,
    hour: '13',
    arrival: `${D1} 13:00:00`,
    line: without('user_id', {
      id: 'q1',
      ts: `${D1}T13:00:00Z`,
      user: 'u9',
      session: 's9',
      product: 'p1',
    }),
  },
  { dt: D2, hour: '07', arrival: `${D2} 07:00:00`, line: '[1, 2' },
  {
    dt: D2,
    hour: '07',
    arrival: `${D2} 07:00:00`,
    line: without('session_id', {
      id: 'q2',
      ts: `${D2}T07:00:00Z`,
      user: 'u9',
      session: 's9',
      product: 'p1',
    }),
  },
];

// ---- Run records ------------------------------------------------------------------------------

function run(
  runId: string,
  status: RunStatus,
  startedAt: string,
  finishedAt: string | null,
  duration: number | null,
  r: Partial<PipelineRunRow> = {},
): PipelineRunRow {
  return {
    run_id: runId,
    execution_name: runId.slice(17),
    status,
    started_at: startedAt,
    finished_at: finishedAt,
    duration_seconds: duration,
    window_start: null,
    window_end: null,
    request: 'scheduled',
    new_objects: 1,
    listed_objects: 1,
    models_built: 0,
    partitions_written: 0,
    partitions_removed: 0,
    rows_written: 0,
    bytes_scanned: 0,
    error: null,
    ...r,
  };
}

const RUNS: { runDate: string; row: PipelineRunRow }[] = [
  {
    runDate: D0,
    row: run(R0, 'SUCCEEDED', `${D0}T23:50:00.000Z`, `${D1}T00:20:00.000Z`, 1800),
  },
  {
    runDate: D1,
    row: run(R1, 'SUCCEEDED', `${D1}T08:00:00.000Z`, `${D1}T08:06:40.000Z`, 400, {
      models_built: 2,
      rows_written: 120,
      bytes_scanned: 1000,
    }),
  },
  {
    runDate: D1,
    row: run(R2, 'FAILED', `${D1}T20:00:00.000Z`, `${D1}T20:05:30.000Z`, 330, {
      bytes_scanned: 500,
      error: 'SilverGate: silver_events.unique_event_id failed',
    }),
  },
  {
    runDate: D2,
    row: run(R3, 'FAILED', `${D2}T09:00:00.000Z`, `${D2}T09:08:20.000Z`, 500, {
      bytes_scanned: 700,
      error: 'GoldGate: fact_orders.not_null_order_id failed',
    }),
  },
  {
    runDate: D2,
    row: run(R4, 'SUCCEEDED', `${D2}T15:00:00.000Z`, `${D2}T15:10:00.000Z`, 600, {
      models_built: 3,
      rows_written: 80,
      bytes_scanned: 3000,
    }),
  },
  { runDate: D2, row: run(R5, 'RUNNING', `${D2}T23:50:00.000Z`, null, null) },
];

function built(runId: string, model: string, seconds: number): PipelineRunModelRow {
  return {
    run_id: runId,
    model,
    layer: model.startsWith('silver') ? 'silver' : 'gold',
    reason: 'new data',
    partitions: 1,
    partitions_removed: 0,
    rows_written: 10,
    bytes_scanned: 100,
    seconds,
    first_partition: null,
    last_partition: null,
  };
}

const RUN_MODELS: { runDate: string; runId: string; rows: PipelineRunModelRow[] }[] = [
  {
    runDate: D1,
    runId: R1,
    rows: [built(R1, 'silver_events', 3.5), built(R1, 'silver_event_lines', 10)],
  },
  {
    runDate: D2,
    runId: R4,
    // fact_orders and daily_kpis tie at 2 s: the model name breaks it (daily_kpis).
    rows: [built(R4, 'fact_orders', 2), built(R4, 'daily_kpis', 2), built(R4, 'silver_events', 1)],
  },
];

/** One dq_results row: critical when it failed, warn otherwise. */
function result(
  runId: string,
  checkedAt: string,
  layer: string,
  check: string,
  status: Status,
  r: {
    kind?: string;
    column?: string | null;
    partition?: string | null;
    observed: number | null;
    threshold: number;
  },
): object {
  return dqResult(runId, checkedAt, layer, check, status, {
    ...r,
    kind: r.kind ?? 'unique',
    severity: status === 'fail' ? 'critical' : 'warn',
    message: `${check}${r.column ? ` (${r.column})` : ''}: ${status}`,
  });
}

const at = (date: string, time: string) => `${date}T${time}.000Z`;
const unique = (runId: string, checked: string, status: Status, partition: string, n: number) =>
  result(runId, checked, 'silver', 'silver_events.unique_event_id', status, {
    column: 'event_id',
    partition,
    observed: n,
    threshold: 0,
  });
const freshness = (runId: string, checked: string, status: Status, minutes: number) =>
  result(runId, checked, 'silver', 'silver_events.freshness', status, {
    kind: 'freshness',
    column: 'event_ts',
    observed: minutes,
    threshold: 180,
  });
const byReason = (runId: string, checked: string, status: Status, reason: string, rate: number) =>
  result(runId, checked, 'silver', 'silver_quarantine.quarantine_rate_by_reason', status, {
    kind: 'quarantine_rate',
    column: reason,
    observed: rate,
    threshold: 0.01,
  });
const volume = (runId: string, checked: string, status: Status, partition: string) =>
  result(runId, checked, 'gold', 'fact_orders.volume', status, {
    kind: 'volume',
    partition,
    observed: status === 'skip' ? null : 0.1,
    threshold: 0.5,
  });

const R1_AT = at(D1, '08:05:00');
const R2_AT = at(D1, '20:05:00');
const R3_AT = at(D2, '09:05:00');
const R3_GOLD_AT = at(D2, '09:07:00');
const R4_AT = at(D2, '15:05:00');

/** Each run's results per layer, as the auditor writes them (`<run id>-<layer>.json`). */
const RESULTS: { runDate: string; runId: string; layer: string; rows: object[] }[] = [
  {
    runDate: D1,
    runId: R1,
    layer: 'silver',
    rows: [
      unique(R1, R1_AT, 'pass', D1, 0),
      freshness(R1, R1_AT, 'warn', 200),
      result(R1, R1_AT, 'silver', 'silver_events.late_arrivals', 'pass', {
        kind: 'range',
        column: 'arrival_delay_minutes',
        observed: 0.01,
        threshold: 0.05,
      }),
    ],
  },
  { runDate: D1, runId: R1, layer: 'gold', rows: [volume(R1, R1_AT, 'skip', D1)] },
  {
    runDate: D1,
    runId: R2,
    layer: 'silver',
    rows: [
      unique(R2, R2_AT, 'fail', D0, 1),
      unique(R2, R2_AT, 'fail', D1, 2),
      freshness(R2, R2_AT, 'pass', 30),
    ],
  },
  {
    runDate: D2,
    runId: R3,
    layer: 'silver',
    rows: [
      unique(R3, R3_AT, 'fail', D2, 3),
      byReason(R3, R3_AT, 'warn', 'malformed_json', 0.02),
      byReason(R3, R3_AT, 'warn', 'bad_type', 0.015),
      byReason(R3, R3_AT, 'pass', 'bad_enum', 0.005),
    ],
  },
  {
    runDate: D2,
    runId: R3,
    layer: 'gold',
    rows: [
      result(R3, R3_GOLD_AT, 'gold', 'fact_orders.not_null_order_id', 'fail', {
        kind: 'not_null',
        column: 'order_id',
        partition: D2,
        observed: 1,
        threshold: 0,
      }),
    ],
  },
  {
    runDate: D2,
    runId: R3,
    layer: 'dq',
    rows: [
      result(R3, R3_GOLD_AT, 'dq', 'dq_daily.accepted_worst_status', 'pass', {
        kind: 'accepted_values',
        column: 'worst_status',
        partition: D2,
        observed: 0,
        threshold: 0,
      }),
    ],
  },
  {
    runDate: D2,
    runId: R4,
    layer: 'silver',
    rows: [unique(R4, R4_AT, 'pass', D2, 0), freshness(R4, R4_AT, 'warn', 250)],
  },
  {
    runDate: D2,
    runId: R4,
    layer: 'gold',
    rows: [volume(R4, R4_AT, 'pass', D1), volume(R4, R4_AT, 'skip', D2)],
  },
];

// ---- Setup ------------------------------------------------------------------------------------

let lake: ShopLake;
const panels = new Map<string, LoadedPanel>();

function write(key: string, body: string): void {
  const file = join(lake.root, key);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, body);
}

beforeAll(async () => {
  lake = await ShopLake.open({
    events: EVENTS,
    rawLines: RAW_LINES,
    customers: {
      [D0]: ['u1', 'u2', 'u3'].map((id) => ({ id, updated: '2025-01-01T00:00:00Z' })),
    },
    products: { [D0]: [{ id: 'p1', price: 10, updated: '2025-01-01T00:00:00Z' }] },
  });
  for (const r of RESULTS) {
    write(runRecordKey(DQ_RESULTS_PREFIX, r.runDate, `${r.runId}-${r.layer}`), toJsonLines(r.rows));
  }
  for (const r of RUNS) {
    write(runRecordKey(PIPELINE_RUNS_PREFIX, r.runDate, r.row.run_id), toJsonLines([r.row]));
  }
  for (const r of RUN_MODELS) {
    write(runRecordKey(PIPELINE_RUN_MODELS_PREFIX, r.runDate, r.runId), toJsonLines(r.rows));
  }
  // The record views were made when the engine opened, before the files were there.
  await lake.engine.refreshRecords();
  await lake.build([
    'silver_quarantine',
    'fact_sessions',
    'fact_orders',
    'rfm_segment_summary',
    'dq_daily',
  ]);
  const page = loadDashboards().find((p) => p.id === 'health');
  for (const p of page?.panels ?? []) panels.set(p.id, p);
}, 60_000);

afterAll(async () => {
  await lake?.close();
});

/** The panel's rows for a range. */
async function rows(id: string, range: TimeRange): Promise<Row[]> {
  const panel = panels.get(id);
  if (!panel) throw new Error(`no panel ${id} on the health page`);
  return [...(await queryPanel(lake.engine, panel, range)).rows];
}

const days = (from: string, to = from) => dayRange(from, to);

// ---- The page ---------------------------------------------------------------------------------

describe('the health page', () => {
  it('is in the dashboards, after overview, with its panels in order', () => {
    const ids = loadDashboards().map((p) => p.id);
    expect(ids).toContain('health');
    expect(ids.indexOf('health')).toBeGreaterThan(ids.indexOf('overview'));
    expect([...panels.keys()]).toEqual([
      'checks-failed',
      'checks-warned',
      'last-success-age',
      'dq-checks-by-day',
      'quarantine-by-reason',
      'dq-problems',
      'pipeline-runs',
      'freshness',
    ]);
    expect(health.panels.length).toBe(panels.size);
  });

  // Parsing as Trino SQL and the dialect lint: tests/unit/sql-models.test.ts, for all panel SQL.
  it('describes each SQL file in its leading comment lines', () => {
    for (const p of panels.values()) expect(p.sql.split('\n')[0], p.file).toMatch(/^-- \S/);
  });
});

// ---- Panels -----------------------------------------------------------------------------------

describe('checks-failed and checks-warned (checks-summary.sql)', () => {
  it('counts checks, not results: a per-reason check once, its worst status only', async () => {
    // Failed: silver_events.unique_event_id (R2 twice, R3) and fact_orders.not_null_order_id
    // (R3) = 2. Warned and never failed: silver_events.freshness (R1, R4) and
    // silver_quarantine.quarantine_rate_by_reason (two reason codes, one check) = 2.
    const expected = [{ checks_failed: '2', checks_warned: '2' }];
    expect(await rows('checks-failed', days(D1, D2))).toEqual(expected);
    expect(await rows('checks-warned', days(D1, D2))).toEqual(expected);
  });

  it('counts only the runs dated in the range', async () => {
    // D1 alone (R1, R2): unique_event_id failed (R2); freshness warned (R1).
    expect(await rows('checks-failed', days(D1))).toEqual([
      { checks_failed: '1', checks_warned: '1' },
    ]);
    // D0 has no results: zeros, not an empty result.
    expect(await rows('checks-failed', days(D0))).toEqual([
      { checks_failed: '0', checks_warned: '0' },
    ]);
  });
});

describe('last-success-age', () => {
  it('is the hours from the newest successful finish to the end of the range', async () => {
    // D1..D2 ends 2026-11-21 23:59:59; R4 finished 15:10:00: 8:49:59 = 31,799 s = 8.83 h.
    // (R5 is still running and R3 failed.)
    expect(await rows('last-success-age', days(D1, D2))).toEqual([{ hours_since_success: 8.8 }]);
    // D1 ends 2026-11-20 23:59:59; R1 finished 08:06:40 (R2 failed): 15:53:19 = 57,199 s = 15.89 h.
    expect(await rows('last-success-age', days(D1))).toEqual([{ hours_since_success: 15.9 }]);
  });

  it('looks back 7 days before the range, and not past its end', async () => {
    // 2026-11-27 looks back to 2026-11-20: R4 is the newest success, 6 days 8:49:59 before
    // 2026-11-27 23:59:59 = 550,199 s = 152.83 h.
    expect(await rows('last-success-age', days('2026-11-27'))).toEqual([
      { hours_since_success: 152.8 },
    ]);
    // 2026-11-29 looks back to 2026-11-22: no run.
    expect(await rows('last-success-age', days('2026-11-29'))).toEqual([
      { hours_since_success: null },
    ]);
    // D0: R0 is dated D0 but finished after D0 ended; R1 is dated after the range.
    expect(await rows('last-success-age', days(D0))).toEqual([{ hours_since_success: null }]);
  });
});

describe('dq-checks-by-day', () => {
  it('counts each check once a day, in its worst result of that day', async () => {
    // D1: unique_event_id pass (R1) and fail (R2) -> failed; freshness warn (R1), pass (R2)
    // -> warned; late_arrivals -> passed; fact_orders.volume skip only -> skipped.
    // D2: unique_event_id fail (R3), pass (R4) -> failed; not_null_order_id -> failed;
    // quarantine_rate_by_reason warn, warn, pass -> warned; freshness warn (R4) -> warned;
    // accepted_worst_status -> passed; fact_orders.volume pass and skip -> passed.
    expect(await rows('dq-checks-by-day', days(D0, D2))).toEqual([
      { time: `${D1} 00:00:00`, failed: '1', warned: '1', passed: '1', skipped: '1' },
      { time: `${D2} 00:00:00`, failed: '2', warned: '2', passed: '2', skipped: '0' },
    ]);
  });

  it('leaves out the days outside the range', async () => {
    expect(await rows('dq-checks-by-day', days(D2))).toEqual([
      { time: `${D2} 00:00:00`, failed: '2', warned: '2', passed: '2', skipped: '0' },
    ]);
  });
});

describe('quarantine-by-reason', () => {
  it('counts quarantined lines per reason and field, most first', async () => {
    // malformed_json: 2 on D1 + 1 on D2; one line without user_id (D1), one without
    // session_id (D2); ties by name.
    expect(await rows('quarantine-by-reason', days(D1, D2))).toEqual([
      { cause: 'malformed_json', lines: '3' },
      { cause: 'missing_field: session_id', lines: '1' },
      { cause: 'missing_field: user_id', lines: '1' },
    ]);
  });

  it('counts only the days in the range', async () => {
    expect(await rows('quarantine-by-reason', days(D2))).toEqual([
      { cause: 'malformed_json', lines: '1' },
      { cause: 'missing_field: session_id', lines: '1' },
    ]);
  });
});

describe('dq-problems', () => {
  const NOT_NULL = 'fact_orders.not_null_order_id';
  const UNIQUE = 'silver_events.unique_event_id';
  const FRESH = 'silver_events.freshness';
  const BY_REASON = 'silver_quarantine.quarantine_rate_by_reason';
  /** status, check, column, partition, observed, threshold, failed, warned, last seen, run. */
  const brief = (r: Row) => [
    r.status,
    r.check_id,
    r.column_name,
    r.checked_partition,
    r.observed,
    r.threshold,
    r.failed,
    r.warned,
    r.last_seen,
    r.run_id,
  ];

  it('lists failed checks first, then warned, each newest first, one row per check and column', async () => {
    const got = await rows('dq-problems', days(D1, D2));
    expect(got.map(brief)).toEqual([
      // Failed, newest first: not_null_order_id was seen at 09:07 (R3 gold), unique_event_id
      // at 09:05 (R3 silver), its newest failure; it failed 3 times (R2 twice, R3).
      ['fail', NOT_NULL, 'order_id', D2, 1, 0, '1', '0', `${D2} 09:07:00`, R3],
      ['fail', UNIQUE, 'event_id', D2, 3, 0, '3', '0', `${D2} 09:05:00`, R3],
      // Warned, newest first, even though newer than the failures: freshness (R4 15:05; it
      // warned in R1 too, and passed in R2), then the per-reason rates of R3 by reason code.
      ['warn', FRESH, 'event_ts', null, 250, 180, '0', '2', `${D2} 15:05:00`, R4],
      ['warn', BY_REASON, 'bad_type', null, 0.015, 0.01, '0', '1', `${D2} 09:05:00`, R3],
      ['warn', BY_REASON, 'malformed_json', null, 0.02, 0.01, '0', '1', `${D2} 09:05:00`, R3],
    ]);
    // Every row also names its layer and carries the result's message.
    expect(got.map((r) => [r.layer, r.message])).toEqual([
      ['gold', `${NOT_NULL} (order_id): fail`],
      ['silver', `${UNIQUE} (event_id): fail`],
      ['silver', `${FRESH} (event_ts): warn`],
      ['silver', `${BY_REASON} (bad_type): warn`],
      ['silver', `${BY_REASON} (malformed_json): warn`],
    ]);
  });

  it('shows the range’s own newest result: the largest partition of a run on a tie', async () => {
    // D1: R2 failed unique_event_id on D0 and D1 at the same moment: D1 is shown, failed 2.
    expect((await rows('dq-problems', days(D1))).map(brief)).toEqual([
      ['fail', UNIQUE, 'event_id', D1, 2, 0, '2', '0', `${D1} 20:05:00`, R2],
      ['warn', FRESH, 'event_ts', null, 200, 180, '0', '1', `${D1} 08:05:00`, R1],
    ]);
  });
});

describe('pipeline-runs', () => {
  it('lists the runs of the range newest first, with their slowest model', async () => {
    const got = await rows('pipeline-runs', days(D1, D2));
    const pick = (r: Row) => [
      r.started_at,
      r.status,
      r.duration_seconds,
      r.bytes_scanned,
      r.models_built,
      r.slowest_model,
      r.slowest_model_seconds,
      r.error,
      r.run_id,
    ];
    expect(got.map(pick)).toEqual([
      [`${D2} 23:50:00`, 'RUNNING', null, '0', '0', null, null, null, R5],
      [`${D2} 15:00:00`, 'SUCCEEDED', 600, '3000', '3', 'daily_kpis', 2, null, R4],
      [
        `${D2} 09:00:00`,
        'FAILED',
        500,
        '700',
        '0',
        null,
        null,
        'GoldGate: fact_orders.not_null_order_id failed',
        R3,
      ],
      [
        `${D1} 20:00:00`,
        'FAILED',
        330,
        '500',
        '0',
        null,
        null,
        'SilverGate: silver_events.unique_event_id failed',
        R2,
      ],
      [`${D1} 08:00:00`, 'SUCCEEDED', 400, '1000', '2', 'silver_event_lines', 10, null, R1],
    ]);
  });

  it('leaves out the runs dated outside the range', async () => {
    expect((await rows('pipeline-runs', days(D0))).map((r) => r.run_id)).toEqual([R0]);
    expect((await rows('pipeline-runs', days(D2))).map((r) => r.run_id)).toEqual([R5, R4, R3]);
  });
});

describe('freshness', () => {
  const fresh = (values: [string | null, number | null][]): Row[] => {
    const names = [
      ['silver', 'silver_events', 'event_ts'],
      ['silver', 'silver_events', 'arrival_ts'],
      ['gold', 'fact_sessions', 'session_end'],
      ['gold', 'fact_orders', 'order_ts'],
      ['rfm', 'rfm_segment_summary', 'snapshot_date'],
      ['dq', 'dq_daily', 'last_checked_at'],
    ];
    return names.map(([layer, table, column], i) => ({
      layer,
      table_name: table,
      column_name: column,
      newest: values[i]![0],
      hours_old: values[i]![1],
    }));
  };

  it('gives the newest data per layer and its age at the end of the range', async () => {
    // The range ends 2026-11-21 23:59:59. Newest event e5 08:30 (15:29:59 = 55,799 s =
    // 15.4997 h: 15.5), its arrival 09:15 (14:44:59 = 53,099 s = 14.7497 h: 14.7), session s2
    // and order o2 end 08:30; the D2 snapshot covers D2 up to the range end (0); dq_daily's D2
    // partition was last audited at 15:05 by R4 (8:54:59 = 8.92 h).
    expect(await rows('freshness', days(D1, D2))).toEqual(
      fresh([
        [`${D2} 08:30:00`, 15.5],
        [`${D2} 09:15:00`, 14.7],
        [`${D2} 08:30:00`, 15.5],
        [`${D2} 08:30:00`, 15.5],
        [`${D2} 23:59:59`, 0],
        [`${D2} 15:05:00`, 8.9],
      ]),
    );
  });

  it('measures at the range end: data after it does not count', async () => {
    // Ending on D1 (23:59:59): e6 11:00 is the newest event and session end (12:59:59 =
    // 13.00 h), e3's arrival 12:00 (11:59:59 = 12.00 h), order o1 10:10 (13:49:59 = 13.83 h),
    // the D1 snapshot covers D1 (0), dq_daily's D1 partition: R2 at 20:05 (3:54:59 = 3.92 h).
    expect(await rows('freshness', days(D1))).toEqual(
      fresh([
        [`${D1} 11:00:00`, 13],
        [`${D1} 12:00:00`, 12],
        [`${D1} 11:00:00`, 13],
        [`${D1} 10:10:00`, 13.8],
        [`${D1} 23:59:59`, 0],
        [`${D1} 20:05:00`, 3.9],
      ]),
    );
    // Ending mid-morning on D2 (08:12): e4 08:00 (0.2 h), its arrival 08:01 (0.18 h); order o2
    // (08:30) is after the end, so o1 is the newest order (22:02 = 22.03 h); the session s2
    // ends at 08:30, after it too: s3's 11:00 on D1 (21:12 = 21.2 h); the D2 snapshot covers the
    // day up to the end (0); dq_daily's D2 audit (15:05) is after the end: D1's 20:05 (12:07 =
    // 12.12 h).
    const morning = { from: new Date(`${D2}T00:00:00Z`), to: new Date(`${D2}T08:12:00Z`) };
    expect(await rows('freshness', morning)).toEqual(
      fresh([
        [`${D2} 08:00:00`, 0.2],
        [`${D2} 08:01:00`, 0.2],
        [`${D1} 11:00:00`, 21.2],
        [`${D1} 10:10:00`, 22],
        [`${D2} 08:12:00`, 0],
        [`${D1} 20:05:00`, 12.1],
      ]),
    );
  });

  it('reads the range end’s day and the 2 days before it: older data reads NULL', async () => {
    // 2026-11-24 reads 2026-11-22 .. 2026-11-24: nothing there.
    expect(await rows('freshness', days('2026-11-24'))).toEqual(
      fresh([
        [null, null],
        [null, null],
        [null, null],
        [null, null],
        [null, null],
        [null, null],
      ]),
    );
  });
});
