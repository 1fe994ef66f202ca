/**
 * The saved queries (athena/queries/*.sql) on a small shop built with every model: each one runs
 * on DuckDB and returns the columns listed here, and the key ones return the numbers worked out by
 * hand from the events below (each expected value says how it was computed; nothing was pasted
 * from a run).
 *
 * Dates: D1 = 2026-11-20 and D2 = 2026-11-21, the newest date ("today" for every query). Reference
 * snapshots: customers on 2026-11-19 (c1, c2, c3) and on D2 (the same plus c4, who signed up on
 * D2); products on 2026-11-19 (p1 Home 10.00, p2 Garden 30.00). User u9 and product p9 are in no
 * snapshot: unknown members.
 *
 * fraud_signals holds one partition (D2) here, written as one Parquet file: DuckDB 1.5 fails
 * `max(dt)` over a hive partition column read from a single file (an internal error, duckdb
 * issue 25629), which is why the queries take `max(from_iso8601_date(dt))`; fraud_signals_recent
 * keeps that case covered.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listSavedQueries, savedQuery } from '../../lib/catalog/saved-queries.ts';
import {
  DQ_RESULTS_PREFIX,
  PIPELINE_RUNS_PREFIX,
  PIPELINE_RUN_MODELS_PREFIX,
  runRecordKey,
  toJsonLines,
} from '../../lib/pipeline/run-records.ts';
import { ShopLake, type Row, type ShopFixture } from '../helpers/shop-lake.ts';

const D1 = '2026-11-20';
const D2 = '2026-11-21';

const SHOP: ShopFixture = {
  customers: {
    '2026-11-19': [
      { id: 'c1', updated: '2025-01-01T00:00:00Z' },
      { id: 'c2', country: 'FR', updated: '2025-01-01T00:00:00Z' },
      { id: 'c3', updated: '2025-01-01T00:00:00Z' },
    ],
    [D2]: [
      { id: 'c1', updated: '2025-01-01T00:00:00Z' },
      { id: 'c2', country: 'FR', updated: '2025-01-01T00:00:00Z' },
      { id: 'c3', updated: '2025-01-01T00:00:00Z' },
      // Signed up on D2 at 08:00: a new user on D2 (the version is valid from 08:00).
      { id: 'c4', signup: D2, updated: `${D2}T08:00:00Z` },
    ],
  },
  products: {
    '2026-11-19': [
      { id: 'p1', category: 'Home', price: 10, updated: '2025-01-01T00:00:00Z' },
      { id: 'p2', category: 'Garden', price: 30, updated: '2025-01-01T00:00:00Z' },
    ],
  },
  // One line that is not JSON: silver_quarantine_reasons has a row to show.
  rawLines: [{ dt: D1, hour: '10', arrival: `${D1} 10:30:00`, line: '{not json' }],
  events: [
    // D1, session s1 (c1, desktop DE, organic): view, cart, buy 2 x p1 at 10.00 = order o1, 20.00.
    { id: 'e01', ts: `${D1}T10:00:00Z`, user: 'c1', session: 's1', product: 'p1' },
    {
      id: 'e02',
      type: 'add_to_cart',
      ts: `${D1}T10:01:00Z`,
      user: 'c1',
      session: 's1',
      product: 'p1',
    },
    // Arrives exactly 1 hour after it happened: not late (late means more than 1 hour).
    {
      id: 'e03',
      type: 'purchase',
      ts: `${D1}T10:02:00Z`,
      arrival: `${D1} 11:02:00`,
      user: 'c1',
      session: 's1',
      product: 'p1',
      quantity: 2,
      order: 'o1',
      payment: 'credit_card',
    },
    // D1, session s2 (c2, mobile FR, paid_search campaign cmp1): view, cart, no purchase.
    // The view arrives 1.5 hours late (bucket 'up to 3h').
    {
      id: 'e04',
      ts: `${D1}T11:00:00Z`,
      arrival: `${D1} 12:30:00`,
      user: 'c2',
      session: 's2',
      product: 'p2',
      category: 'Garden',
      price: 30,
      device: 'mobile',
      country: 'FR',
      source: 'paid_search',
      campaign: 'cmp1',
    },
    {
      id: 'e05',
      type: 'add_to_cart',
      ts: `${D1}T11:01:00Z`,
      user: 'c2',
      session: 's2',
      product: 'p2',
      category: 'Garden',
      price: 30,
      device: 'mobile',
      country: 'FR',
      source: 'paid_search',
      campaign: 'cmp1',
    },
    // D2, session s3 (c1, desktop DE, organic): view, cart, order o2 = p1 1 x 10 + p2 1 x 30 = 40.
    { id: 'e06', ts: `${D2}T09:00:00Z`, user: 'c1', session: 's3', product: 'p1' },
    {
      id: 'e07',
      type: 'add_to_cart',
      ts: `${D2}T09:01:00Z`,
      user: 'c1',
      session: 's3',
      product: 'p1',
    },
    {
      id: 'e08',
      type: 'purchase',
      ts: `${D2}T09:02:00Z`,
      user: 'c1',
      session: 's3',
      product: 'p1',
      order: 'o2',
      payment: 'credit_card',
    },
    {
      id: 'e09',
      type: 'purchase',
      ts: `${D2}T09:02:00Z`,
      user: 'c1',
      session: 's3',
      product: 'p2',
      category: 'Garden',
      price: 30,
      order: 'o2',
      payment: 'credit_card',
    },
    // D2, session s4 (u9, not in the CRM; mobile DE, email campaign cmp2): view, cart and buy p9
    // (not in the product export) for 50.00: order o3, unknown customer and unknown product.
    ...(['page_view', 'add_to_cart', 'purchase'] as const).map((type, i) => ({
      id: `e1${i}`,
      type,
      ts: `${D2}T12:0${i}:00Z`,
      user: 'u9',
      session: 's4',
      product: 'p9',
      category: 'Toys',
      price: 50,
      device: 'mobile',
      source: 'email',
      campaign: 'cmp2',
      ...(type === 'purchase' ? { order: 'o3', payment: 'paypal' } : {}),
    })),
    // D2, session s5 (c3, desktop DE): a view only, arriving 3.5 hours late (bucket 3-6h).
    {
      id: 'e13',
      ts: `${D2}T13:00:00Z`,
      arrival: `${D2} 16:30:00`,
      user: 'c3',
      session: 's5',
      product: 'p2',
      category: 'Garden',
      price: 30,
    },
    // D2, session s6 (c2, mobile FR, paid_search cmp1): view and cart, no purchase; the cart
    // arrives 25 hours late, on the next day (bucket 24-48h).
    {
      id: 'e14',
      ts: `${D2}T14:00:00Z`,
      user: 'c2',
      session: 's6',
      product: 'p2',
      category: 'Garden',
      price: 30,
      device: 'mobile',
      country: 'FR',
      source: 'paid_search',
      campaign: 'cmp1',
    },
    {
      id: 'e15',
      type: 'add_to_cart',
      ts: `${D2}T14:01:00Z`,
      arrival: '2026-11-22 15:01:00',
      user: 'c2',
      session: 's6',
      product: 'p2',
      category: 'Garden',
      price: 30,
      device: 'mobile',
      country: 'FR',
      source: 'paid_search',
      campaign: 'cmp1',
    },
    // D2, session s7 (c4, signed up on D2, desktop DE, direct): a view.
    {
      id: 'e16',
      ts: `${D2}T15:00:00Z`,
      user: 'c4',
      session: 's7',
      product: 'p1',
      source: 'direct',
    },
  ],
};

/**
 * Two runs on 2026-11-22 (r2 succeeded, r3 failed), one on 2026-11-15, 7 days before the newest
 * run date (the first date outside pipeline_runs_recent's 7), and one on 2026-11-08. r2 built two
 * models (4 s and 2.5 s).
 */
function writeRunRecords(root: string): void {
  const run = (
    id: string,
    status: string,
    startedAt: string,
    bytes: number,
    error: string | null,
  ) => ({
    run_id: id,
    execution_name: id,
    status,
    started_at: startedAt,
    finished_at: startedAt,
    duration_seconds: 12.5,
    window_start: null,
    window_end: startedAt,
    request: 'scheduled',
    new_objects: 3,
    listed_objects: 3,
    models_built: status === 'SUCCEEDED' ? 2 : 0,
    partitions_written: 2,
    rows_written: 100,
    bytes_scanned: bytes,
    error,
  });
  const write = (key: string, rows: object[]) => {
    const file = join(root, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, toJsonLines(rows));
  };
  write(runRecordKey(PIPELINE_RUNS_PREFIX, '2026-11-22', 'r2'), [
    run('r2', 'SUCCEEDED', '2026-11-22T10:00:00.000Z', 3 * 1048576, null),
  ]);
  write(runRecordKey(PIPELINE_RUNS_PREFIX, '2026-11-22', 'r3'), [
    run('r3', 'FAILED', '2026-11-22T11:00:00.000Z', 0, 'Silver: boom'),
  ]);
  write(runRecordKey(PIPELINE_RUNS_PREFIX, '2026-11-15', 'r1'), [
    run('r1', 'SUCCEEDED', '2026-11-15T10:00:00.000Z', 1048576, null),
  ]);
  write(runRecordKey(PIPELINE_RUNS_PREFIX, '2026-11-08', 'r0'), [
    run('r0', 'SUCCEEDED', '2026-11-08T10:00:00.000Z', 1048576, null),
  ]);
  const model = (name: string, seconds: number) => ({
    run_id: 'r2',
    model: name,
    layer: 'silver',
    reason: 'new data',
    partitions: 1,
    partitions_removed: 0,
    rows_written: 50,
    bytes_scanned: 1048576,
    seconds,
    first_partition: D2,
    last_partition: D2,
  });
  write(runRecordKey(PIPELINE_RUN_MODELS_PREFIX, '2026-11-22', 'r2'), [
    model('silver_events', 2.5),
    model('silver_event_lines', 4),
  ]);
}

/** A dq_results row as the auditor writes it; `check` is `<table>.<check>`. */
function dqResult(
  runId: string,
  checkedAt: string,
  layer: string,
  check: string,
  kind: string,
  status: 'pass' | 'warn' | 'fail' | 'skip',
  more: {
    column?: string | null;
    partition?: string | null;
    observed?: number | null;
    threshold?: number;
    severity?: 'warn' | 'critical';
    failing?: number | null;
    checked?: number | null;
  } = {},
): object {
  const [table, name] = check.split('.');
  const observed = more.observed !== undefined ? more.observed : status === 'skip' ? null : 0;
  return {
    run_id: runId,
    checked_at: checkedAt,
    layer,
    table_name: table,
    check_name: name,
    kind,
    column_name: more.column ?? null,
    partition: more.partition ?? null,
    observed,
    threshold: more.threshold ?? 0,
    severity: more.severity ?? 'critical',
    status,
    failing_rows: more.failing !== undefined ? more.failing : status === 'skip' ? null : 0,
    rows_checked: more.checked !== undefined ? more.checked : status === 'skip' ? null : 10,
    message: `${check} ${status}`,
  };
}

/**
 * Data-quality results of four runs (one object per run and layer, as the auditor writes them):
 *   r0 (2026-11-08): one silver pass. More than 13 days before 2026-11-22: outside dq_trend_14d.
 *   r1 (2026-11-15): all pass: silver unique_event_id and late_arrivals, dq accepted_worst_status.
 *   r2 (2026-11-22, succeeded): silver unique_event_id passes, late_arrivals warns; gold
 *       fact_orders.unique_order_id warns (severity warn, overridden); dq accepted_worst_status
 *       passes.
 *   r3 (2026-11-22, FAILED; the newest run): its Silver gate passed with warnings and skips,
 *       then fact_orders.unique_order_id failed at the Gold gate (its pipeline_runs error,
 *       'Silver: boom', is a stand-in no query here reads). Below, in the order written, not the
 *       order dq_latest_run returns them.
 * Rows are written out of order on purpose, so that a query without its ORDER BY gets them wrong.
 */
function writeDqResults(root: string): void {
  const write = (runDate: string, runId: string, layer: string, rows: object[]) => {
    const file = join(root, runRecordKey(DQ_RESULTS_PREFIX, runDate, `${runId}-${layer}`));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, toJsonLines(rows));
  };
  const late = (runId: string, at: string, status: 'pass' | 'warn', observed: number) =>
    dqResult(runId, at, 'silver', 'silver_events.late_arrivals', 'range', status, {
      column: 'arrival_ts',
      observed,
      threshold: 0.05,
      severity: 'warn',
      failing: Math.round(observed * 100),
      checked: 100,
    });
  const uniqueEvent = (runId: string, at: string, partition: string) =>
    dqResult(runId, at, 'silver', 'silver_events.unique_event_id', 'unique', 'pass', {
      column: 'event_id',
      partition,
    });
  const worstStatus = (runId: string, at: string, partition: string) =>
    dqResult(runId, at, 'dq', 'dq_daily.accepted_worst_status', 'accepted_values', 'pass', {
      column: 'worst_status',
      partition,
    });

  write('2026-11-08', 'r0', 'silver', [
    uniqueEvent('r0', '2026-11-08T10:05:00.000Z', '2026-11-07'),
  ]);

  write('2026-11-15', 'r1', 'silver', [
    late('r1', '2026-11-15T10:05:00.000Z', 'pass', 0.01),
    uniqueEvent('r1', '2026-11-15T10:05:00.000Z', '2026-11-14'),
  ]);
  write('2026-11-15', 'r1', 'dq', [worstStatus('r1', '2026-11-15T10:09:00.000Z', '2026-11-15')]);

  write('2026-11-22', 'r2', 'silver', [
    uniqueEvent('r2', '2026-11-22T10:05:00.000Z', D2),
    late('r2', '2026-11-22T10:05:00.000Z', 'warn', 0.08),
  ]);
  // unique_order_id was demoted to a warning by a config override for r2 (a duplicate order
  // published anyway), and is critical again in r3.
  write('2026-11-22', 'r2', 'gold', [
    dqResult(
      'r2',
      '2026-11-22T10:07:00.000Z',
      'gold',
      'fact_orders.unique_order_id',
      'unique',
      'warn',
      { column: 'order_id', partition: D2, observed: 1, severity: 'warn', failing: 1, checked: 3 },
    ),
  ]);
  write('2026-11-22', 'r2', 'dq', [worstStatus('r2', '2026-11-22T10:09:00.000Z', '2026-11-22')]);

  const SILVER_AT = '2026-11-22T11:05:00.000Z';
  const GOLD_AT = '2026-11-22T11:07:00.000Z';
  const volume = (layer: string, check: string, partition: string) =>
    dqResult('r3', layer === 'silver' ? SILVER_AT : GOLD_AT, layer, check, 'volume', 'skip', {
      partition,
      threshold: 0.5,
      severity: 'warn',
    });
  const byReason = (reason: string, status: 'pass' | 'warn', failing: number) =>
    dqResult(
      'r3',
      SILVER_AT,
      'silver',
      'silver_quarantine.quarantine_rate_by_reason',
      'quarantine_rate',
      status,
      {
        column: reason,
        observed: failing / 200,
        threshold: 0.01,
        severity: 'warn',
        failing,
        checked: 200,
      },
    );
  write('2026-11-22', 'r3', 'silver', [
    volume('silver', 'silver_events.volume', D2),
    byReason('malformed_json', 'warn', 10), // 10 / 200 = 0.05 > 0.01
    uniqueEvent('r3', SILVER_AT, D2),
    late('r3', SILVER_AT, 'warn', 0.1),
    byReason('missing_field', 'pass', 1), // 1 / 200 = 0.005 <= 0.01
    volume('silver', 'silver_events.volume', D1),
    dqResult('r3', SILVER_AT, 'silver', 'silver_event_lines.schema_drift', 'schema_drift', 'warn', {
      column: 'unknown_fields',
      partition: D2,
      observed: 2,
      severity: 'warn',
      failing: 2,
      checked: 16,
    }),
  ]);
  write('2026-11-22', 'r3', 'gold', [
    volume('gold', 'fact_orders.volume', D2),
    dqResult('r3', GOLD_AT, 'gold', 'fact_sessions.unique_session_id', 'unique', 'pass', {
      column: 'session_id',
      partition: D2,
    }),
    dqResult(
      'r3',
      GOLD_AT,
      'gold',
      'fact_order_items.relationships_product_key',
      'relationships',
      'warn',
      {
        column: 'product_key',
        observed: 0.25,
        threshold: 0.01,
        severity: 'warn',
        failing: 1,
        checked: 4,
      },
    ),
    dqResult('r3', GOLD_AT, 'gold', 'fact_orders.unique_order_id', 'unique', 'fail', {
      column: 'order_id',
      partition: D2,
      observed: 1,
      failing: 1,
      checked: 3,
    }),
  ]);
}

/** The columns every saved query returns, in order. A new file in athena/queries needs a line. */
const COLUMNS: Record<string, string[]> = {
  bronze_scan: ['lines', 'characters'],
  channel_performance: [
    'traffic_source',
    'campaign',
    'sessions',
    'cart_sessions',
    'purchasing_sessions',
    'orders',
    'revenue',
    'revenue_share',
    'conversion_rate',
    'aov',
    'revenue_per_session',
    'from_dt',
    'to_dt',
  ],
  dq_latest_run: [
    'run_id',
    'run_status',
    'status',
    'severity',
    'layer',
    'table_name',
    'check_name',
    'column_name',
    'partition',
    'observed',
    'threshold',
    'failing_rows',
    'rows_checked',
    'message',
    'checked_at',
    'passed_in_run',
    'run_date',
  ],
  dq_trend_14d: [
    'dt',
    'layer',
    'checks',
    'results',
    'passed',
    'warned',
    'failed',
    'skipped',
    'checks_failed',
    'checks_warned',
    'failed_or_warned_checks',
  ],
  fraud_signals_recent: [
    'rule',
    'orders',
    'users',
    'revenue',
    'orders_with_2_plus_rules',
    'max_observed',
    'threshold',
    'last_dt',
    'example_order_id',
  ],
  funnel_dropoff: [
    'device_type',
    'country',
    'sessions',
    'share_of_sessions',
    'view_sessions',
    'cart_sessions',
    'purchase_sessions',
    'view_to_cart_rate',
    'cart_to_purchase_rate',
    'conversion_rate',
    'drop_off_view_to_cart',
    'drop_off_cart_to_purchase',
    'dt',
  ],
  hot_leads_top: [
    'lead_rank',
    'user_id',
    'propensity_score',
    'recency_points',
    'cart_points',
    'engagement_points',
    'purchase_points',
    'last_abandoned_at',
    'days_since_last_abandon',
    'abandoned_cart_adds',
    'page_views',
    'past_orders',
    'past_revenue',
    'first_name',
    'email',
    'country',
    'loyalty_tier',
    'as_of_date',
  ],
  hourly_sales_today: [
    'dt',
    'hour',
    'orders',
    'revenue',
    'buyers',
    'sessions',
    'revenue_so_far',
    'previous_revenue',
    'previous_revenue_so_far',
  ],
  kpi_trend_14d: [
    'dt',
    'day_name',
    'revenue',
    'orders',
    'aov',
    'active_users',
    'new_users',
    'sessions',
    'conversion_rate',
    'cart_rate',
    'cart_abandonment_rate',
    'revenue_per_user',
  ],
  lake_headlines: [
    'events',
    'quarantined',
    'orders',
    'revenue',
    'sessions',
    'conversion_rate',
    'first_date',
    'last_date',
  ],
  late_arrivals: ['dt', 'delay_bucket', 'events', 'share_of_date', 'max_delay_hours'],
  pipeline_runs_recent: [
    'run_id',
    'status',
    'started_at',
    'duration_seconds',
    'request',
    'window_start',
    'window_end',
    'new_objects',
    'models_built',
    'partitions_written',
    'rows_written',
    'bytes_scanned',
    'mib_scanned',
    'slowest_model',
    'slowest_model_seconds',
    'error',
    'models',
    'run_date',
  ],
  revenue_anomalies_recent: [
    'dt',
    'anomaly',
    'revenue',
    'trailing_mean',
    'trailing_stddev',
    'z_score',
    'prior_days',
  ],
  rfm_segment_migration_between: [
    'from_date',
    'to_date',
    'from_segment',
    'to_segment',
    'customers',
  ],
  rfm_segment_sizes: [
    'segment',
    'customers',
    'customer_share',
    'revenue',
    'revenue_share',
    'avg_recency_days',
    'avg_frequency',
    'avg_monetary',
    'previous_customers',
    'customers_change',
    'snapshot_date',
    'previous_snapshot_date',
  ],
  silver_quarantine_reasons: ['reason', 'detail', 'lines'],
  silver_reconciliation: [
    'dt',
    'bronze_lines',
    'silver_rows',
    'quarantined',
    'duplicates_dropped',
    'unaccounted',
  ],
  todays_kpis: ['dt', 'previous_dt', 'metric', 'value', 'previous_value', 'change_pct'],
  top_categories: [
    'category',
    'revenue',
    'revenue_share',
    'units_sold',
    'product_orders',
    'views',
    'carts',
    'removes',
    'view_to_cart_rate',
    'cart_to_purchase_rate',
    'from_dt',
    'to_dt',
  ],
  top_products: ['product_id', 'product_name', 'product_category', 'units', 'orders', 'revenue'],
  unknown_members: [
    'dt',
    'items',
    'unknown_customer_items',
    'unknown_customer_orders',
    'unknown_customer_ids',
    'example_customer_id',
    'unknown_product_items',
    'unknown_product_ids',
    'example_product_id',
    'affected_revenue',
    'affected_item_share',
  ],
};

/**
 * Queries that return no rows on this shop, and why; every other query must return rows.
 * revenue_anomalies_recent needs 4 earlier dates for a baseline (the shop has 1);
 * rfm_segment_migration_between compares the literal dates in its file, which the shop lacks.
 */
const EMPTY_HERE = new Set(['revenue_anomalies_recent', 'rfm_segment_migration_between']);

let lake: ShopLake;

beforeAll(async () => {
  lake = await ShopLake.open(SHOP);
  writeRunRecords(lake.root);
  writeDqResults(lake.root);
  // The engine made its record views (pipeline_runs, dq_results) when it opened, before the
  // records were written; dq_daily is built from dq_results.
  await lake.engine.refresh();
  await lake.build();
});

afterAll(async () => {
  await lake?.close();
});

async function run(name: string): Promise<{ columns: string[]; rows: Row[] }> {
  const r = await lake.engine.query(savedQuery(name));
  return { columns: r.columns.map((c) => c.name), rows: [...r.rows] };
}

const close = (n: number) => expect.closeTo(n, 9);

describe('every saved query runs on DuckDB over the shop', () => {
  test('every file in athena/queries has its columns listed here', () => {
    expect(listSavedQueries().map((q) => q.name)).toEqual(Object.keys(COLUMNS).sort());
  });

  test.each(listSavedQueries().map((q) => q.name))('%s', async (name) => {
    const { columns, rows } = await run(name);
    expect(columns).toEqual(COLUMNS[name]);
    if (EMPTY_HERE.has(name)) expect(rows).toEqual([]);
    else expect(rows.length).toBeGreaterThan(0);
  });
});

describe('hand-computed answers', () => {
  test('todays_kpis: D2 against D1, one row per metric', async () => {
    const { rows } = await run('todays_kpis');
    // D2: sessions s3..s7 (5); s3 and s4 bought (2), s3, s4 and s6 carted (3); orders o2 (40.00)
    // and o3 (50.00); units 1 + 1 + 1; users c1, u9, c3, c2, c4 (5): c4 signed up on D2 (new),
    // u9 is in no snapshot (unknown), the other three signed up in 2025 (returning); page views
    // e06, e10, e13, e14, e16; o3 is u9's (unknown customer) and its line is p9 (unknown product).
    // D1: sessions s1, s2 (2), both carted, s1 bought: o1 = 2 x 10.00; users c1, c2 (returning);
    // page views e01, e04. change_pct = round(100 x (D2 - D1) / D1, 1), NULL when D1 is 0.
    const metric = (
      name: string,
      value: number,
      previous: number,
      changePct: number | null,
    ): Row => ({
      dt: D2,
      previous_dt: D1,
      metric: name,
      value: close(value),
      previous_value: close(previous),
      change_pct: changePct === null ? null : close(changePct),
    });
    expect(rows).toEqual([
      metric('revenue', 90, 20, 350), // 40 + 50 vs 20
      metric('orders', 2, 1, 100),
      metric('units', 3, 2, 50),
      metric('aov', 45, 20, 125), // 90 / 2 vs 20 / 1
      metric('active_users', 5, 2, 150),
      metric('buyers', 2, 1, 100), // c1, u9 vs c1
      metric('new_users', 1, 0, null),
      metric('returning_users', 3, 2, 50),
      metric('unknown_users', 1, 0, null),
      metric('revenue_per_user', 18, 10, 80), // 90 / 5 vs 20 / 2
      metric('sessions', 5, 2, 150),
      metric('page_views', 5, 2, 150),
      metric('conversion_rate', 2 / 5, 1 / 2, -20), // (0.4 - 0.5) / 0.5
      metric('cart_rate', 3 / 5, 2 / 2, -40),
      metric('checkout_rate', 2 / 3, 1 / 2, 33.3), // s3, s4 of 3 carts vs s1 of 2: +1/3
      metric('cart_abandonment_rate', 1 / 3, 1 / 2, -33.3), // s6 of 3 vs s2 of 2: -1/3
      metric('unknown_customer_orders', 1, 0, null),
      metric('unknown_product_items', 1, 0, null),
    ]);
  });

  test('funnel_dropoff: D2 by device type and country, largest first', async () => {
    const { rows } = await run('funnel_dropoff');
    // desktop DE: s3 (view, cart, buy), s5 (view), s7 (view): 3 of the day's 5 sessions; 1 of 3
    // viewers carted, the 1 cart bought; 2 viewers dropped before the cart, no cart was left.
    // mobile DE: s4 (view, cart, buy). mobile FR: s6 (view, cart, no purchase): 1 abandoned cart.
    const funnel = (device: string, country: string, values: Row): Row => ({
      device_type: device,
      country,
      dt: D2,
      ...values,
    });
    expect(rows).toEqual([
      funnel('desktop', 'DE', {
        sessions: '3',
        share_of_sessions: close(3 / 5),
        view_sessions: '3',
        cart_sessions: '1',
        purchase_sessions: '1',
        view_to_cart_rate: close(1 / 3),
        cart_to_purchase_rate: close(1),
        conversion_rate: close(1 / 3),
        drop_off_view_to_cart: '2',
        drop_off_cart_to_purchase: '0',
      }),
      funnel('mobile', 'DE', {
        sessions: '1',
        share_of_sessions: close(1 / 5),
        view_sessions: '1',
        cart_sessions: '1',
        purchase_sessions: '1',
        view_to_cart_rate: close(1),
        cart_to_purchase_rate: close(1),
        conversion_rate: close(1),
        drop_off_view_to_cart: '0',
        drop_off_cart_to_purchase: '0',
      }),
      funnel('mobile', 'FR', {
        sessions: '1',
        share_of_sessions: close(1 / 5),
        view_sessions: '1',
        cart_sessions: '1',
        purchase_sessions: '0',
        view_to_cart_rate: close(1),
        cart_to_purchase_rate: close(0),
        conversion_rate: close(0),
        drop_off_view_to_cart: '0',
        drop_off_cart_to_purchase: '1',
      }),
    ]);
  });

  test('rfm_segment_sizes: the D2 snapshot against D1', async () => {
    const { rows } = await run('rfm_segment_sizes');
    // Scores (athena/models/rfm/rfm_customer.sql): 1 + floor(5 (2 below + equal) / 2n), below =
    // customers strictly worse, equal = those tied with this one (itself included).
    // Snapshot D2 (n = 2): c1 (o1 on D1, o2 on D2: frequency 2, monetary 60.00) and u9 (o3:
    // frequency 1, 50.00), both last ordered on D2 (recency 0).
    //   R: tied, below 0, equal 2 -> 1 + floor(10 / 4) = 3 for both.
    //   F and M: u9 below 0, equal 1 -> 1 + floor(5 / 4) = 2; c1 below 1 -> 1 + floor(15 / 4) = 4.
    //   c1: R3, FM (4 + 4 + 1) / 2 = 4 -> Loyal Customers; u9: R3, FM (2 + 2 + 1) / 2 = 2 -> About
    //   To Sleep.
    // Snapshot D1 (n = 1): c1 alone, below 0, equal 1 -> 1 + floor(5 / 2) = 3 on R, F and M: R3,
    // FM 3 -> Need Attention. It is empty on D2: a row of 0 customers, change -1.
    const segment = (values: Row): Row => ({
      snapshot_date: D2,
      previous_snapshot_date: D1,
      avg_recency_days: close(0),
      customer_share: close(1 / 2),
      customers: '1',
      previous_customers: '0',
      customers_change: '1',
      ...values,
    });
    expect(rows).toEqual([
      segment({
        segment: 'About To Sleep',
        revenue: '50.00',
        revenue_share: close(50 / 110),
        avg_frequency: close(1),
        avg_monetary: '50.00',
      }),
      segment({
        segment: 'Loyal Customers',
        revenue: '60.00',
        revenue_share: close(60 / 110),
        avg_frequency: close(2),
        avg_monetary: '60.00',
      }),
      segment({
        segment: 'Need Attention',
        customers: '0',
        customer_share: null,
        revenue: null,
        revenue_share: null,
        avg_recency_days: null,
        avg_frequency: null,
        avg_monetary: null,
        previous_customers: '1',
        customers_change: '-1',
      }),
    ]);
  });

  test('late_arrivals: events more than 1 hour late, per date and delay bucket', async () => {
    const { rows } = await run('late_arrivals');
    // D2 has 11 events: e13 arrived 3.5 h late (13:00 -> 16:30), e15 25 h late (14:01 -> 15:01
    // the next day). D1 has 5: e04 arrived 1.5 h late (11:00 -> 12:30); e03 arrived exactly
    // 1 hour late, which is not more than 1 hour. Every other event arrived within a minute.
    expect(rows).toEqual([
      {
        dt: D2,
        delay_bucket: '3-6h',
        events: '1',
        share_of_date: close(1 / 11),
        max_delay_hours: close(3.5),
      },
      {
        dt: D2,
        delay_bucket: '24-48h',
        events: '1',
        share_of_date: close(1 / 11),
        max_delay_hours: close(25),
      },
      {
        dt: D1,
        delay_bucket: 'up to 3h',
        events: '1',
        share_of_date: close(1 / 5),
        max_delay_hours: close(1.5),
      },
    ]);
  });

  test('unknown_members: order lines of unknown customers or products per date', async () => {
    const { rows } = await run('unknown_members');
    // D2 has 3 lines: o2's two (c1; p1 and p2, both known) and o3's one, bought by u9 (in no
    // customer snapshot) for p9 (in no product export): one line, order, user and product unknown,
    // 50.00 affected, 1 of 3 lines. D1 has o1's line only, all known.
    expect(rows).toEqual([
      {
        dt: D2,
        items: '3',
        unknown_customer_items: '1',
        unknown_customer_orders: '1',
        unknown_customer_ids: '1',
        example_customer_id: 'u9',
        unknown_product_items: '1',
        unknown_product_ids: '1',
        example_product_id: 'p9',
        affected_revenue: '50.00',
        affected_item_share: close(1 / 3),
      },
      {
        dt: D1,
        items: '1',
        unknown_customer_items: '0',
        unknown_customer_orders: '0',
        unknown_customer_ids: '0',
        example_customer_id: null,
        unknown_product_items: '0',
        unknown_product_ids: '0',
        example_product_id: null,
        affected_revenue: '0.00',
        affected_item_share: close(0),
      },
    ]);
  });

  test('pipeline_runs_recent: the runs of the newest 7 run dates, latest first', async () => {
    const { rows } = await run('pipeline_runs_recent');
    // r1 (2026-11-15) and r0 (2026-11-08) are more than 6 days before the newest run date
    // (2026-11-22): left out.
    // r2 built silver_event_lines (4 s, the slowest) and silver_events; 3 MiB scanned.
    expect(
      rows.map((r) => [r.run_id, r.status, r.mib_scanned, r.slowest_model, r.models, r.error]),
    ).toEqual([
      ['r3', 'FAILED', 0, null, null, 'Silver: boom'],
      ['r2', 'SUCCEEDED', 3, 'silver_event_lines', ['silver_event_lines', 'silver_events'], null],
    ]);
  });

  test('hot_leads_top: the newest as-of date (D2), where c2 has left carts on D1 and D2', async () => {
    // hot_leads (athena/models/gold/hot_leads.sql) has a partition per as-of date with leads:
    // D1 (window D1 - 6 ... D1): c2 left s2's cart on D1 and bought nothing: recency 40 (0 days),
    //   1 cart 5, 1 page view (e04) 4, no past order 0 = 49. c1 bought in s1: no abandoned row.
    // D2 (window D2 - 6 ... D2, holding D1): c2 left s2 (D1) and s6 (D2): recency 40 (last cart on
    //   D2), 2 carts (band 2-3) 10, 2 page views (e04, e14; band 1-4) 4, no past order 0 = 54.
    expect(
      await lake.rows(
        'SELECT dt, user_id, propensity_score, lead_rank FROM hot_leads ORDER BY dt, lead_rank',
      ),
    ).toEqual([
      { dt: D1, user_id: 'c2', propensity_score: 49, lead_rank: '1' },
      { dt: D2, user_id: 'c2', propensity_score: 54, lead_rank: '1' },
    ]);
    // The query reads D2's partition only: one row, D2's score.
    const { rows } = await run('hot_leads_top');
    expect(rows).toEqual([
      expect.objectContaining({
        lead_rank: '1',
        user_id: 'c2',
        propensity_score: 54,
        recency_points: 40,
        cart_points: 10,
        engagement_points: 4,
        purchase_points: 0,
        abandoned_cart_adds: '2',
        page_views: '2',
        email: 'c2@example.com',
        country: 'FR',
        as_of_date: D2,
      }),
    ]);
  });
});

describe('data quality', () => {
  test('dq_latest_run: the newest run with results (r3), what did not pass, worst first', async () => {
    const { rows } = await run('dq_latest_run');
    // The newest run_date with results is 2026-11-22 (r2, r3); the largest run id there is r3.
    // r2's late_arrivals warning is not r3's: it must not show. r3 is FAILED in pipeline_runs.
    // r3 passed 3 results (silver_events.unique_event_id, the missing_field reason of
    // quarantine_rate_by_reason, fact_sessions.unique_session_id), which are not listed.
    for (const r of rows) {
      expect(r).toMatchObject({
        run_id: 'r3',
        run_status: 'FAILED',
        passed_in_run: '3',
        run_date: '2026-11-22',
      });
    }
    // Order: fail, warn, skip; then layer silver, gold (pipeline order, not alphabetical); then
    // table (silver_event_lines before silver_events: '_' sorts before 's'), check, partition.
    expect(
      rows.map((r) => [
        r.status,
        r.layer,
        `${String(r.table_name)}.${String(r.check_name)}`,
        r.column_name,
        r.partition,
      ]),
    ).toEqual([
      ['fail', 'gold', 'fact_orders.unique_order_id', 'order_id', D2],
      ['warn', 'silver', 'silver_event_lines.schema_drift', 'unknown_fields', D2],
      ['warn', 'silver', 'silver_events.late_arrivals', 'arrival_ts', null],
      ['warn', 'silver', 'silver_quarantine.quarantine_rate_by_reason', 'malformed_json', null],
      ['warn', 'gold', 'fact_order_items.relationships_product_key', 'product_key', null],
      ['skip', 'silver', 'silver_events.volume', null, D1],
      ['skip', 'silver', 'silver_events.volume', null, D2],
      ['skip', 'gold', 'fact_orders.volume', null, D2],
    ]);
    // The failure as written (BIGINT as strings, DOUBLE as numbers), and a skip's NULLs.
    expect(rows[0]).toEqual({
      run_id: 'r3',
      run_status: 'FAILED',
      status: 'fail',
      severity: 'critical',
      layer: 'gold',
      table_name: 'fact_orders',
      check_name: 'unique_order_id',
      column_name: 'order_id',
      partition: D2,
      observed: 1,
      threshold: 0,
      failing_rows: '1',
      rows_checked: '3',
      message: 'fact_orders.unique_order_id fail',
      checked_at: '2026-11-22T11:07:00.000Z',
      passed_in_run: '3',
      run_date: '2026-11-22',
    });
    expect(rows[5]).toMatchObject({ observed: null, failing_rows: null, rows_checked: null });
  });

  test('dq_trend_14d: per day and layer from dq_daily, newest first', async () => {
    const { rows } = await run('dq_trend_14d');
    // dq_daily holds 2026-11-08 (r0), 2026-11-15 (r1) and 2026-11-22 (r2, r3). The 14 days end at
    // 2026-11-22 and start at 2026-11-09: 2026-11-08 is left out.
    // 2026-11-22, silver (r2 and r3): unique_event_id passed twice; late_arrivals warned twice;
    //   schema_drift warned once; quarantine_rate_by_reason (one check, two reasons) warned once
    //   (malformed_json) and passed once (missing_field); volume skipped twice (D1, D2).
    //   5 checks; results 2 + 2 + 1 + 2 + 2 = 9: passed 2 + 1 = 3, warned 2 + 1 + 1 = 4, skipped
    //   2; no check failed, 3 warned (listed by id).
    // 2026-11-22, gold: unique_order_id warned in r2 (severity warn) and failed in r3 (critical):
    //   two dq_daily rows, one check, which failed (its worst), so it is not counted as warned;
    //   relationships_product_key warned; fact_orders.volume skipped; unique_session_id passed.
    //   4 checks, 5 results: passed 1, warned 2, failed 1, skipped 1; 1 check failed, 1 warned:
    //   the failed one listed first (by id, fact_order_items would come first).
    // 2026-11-22, dq: r2's accepted_worst_status passed (r3 stopped before the dq layer).
    // 2026-11-15 (r1): silver unique_event_id and late_arrivals passed; dq passed.
    // Layers in pipeline order (silver, gold, dq), not alphabetical.
    // counts: checks, results, passed, warned, failed, skipped, checks_failed, checks_warned.
    const day = (
      dt: string,
      layer: string,
      counts: [number, number, number, number, number, number, number, number],
      checks: string[] | null,
    ): Row => ({
      dt,
      layer,
      checks: String(counts[0]),
      results: String(counts[1]),
      passed: String(counts[2]),
      warned: String(counts[3]),
      failed: String(counts[4]),
      skipped: String(counts[5]),
      checks_failed: String(counts[6]),
      checks_warned: String(counts[7]),
      failed_or_warned_checks: checks,
    });
    expect(rows).toEqual([
      day(
        '2026-11-22',
        'silver',
        [5, 9, 3, 4, 0, 2, 0, 3],
        [
          'silver_event_lines.schema_drift',
          'silver_events.late_arrivals',
          'silver_quarantine.quarantine_rate_by_reason',
        ],
      ),
      day(
        '2026-11-22',
        'gold',
        [4, 5, 1, 2, 1, 1, 1, 1],
        ['fact_orders.unique_order_id', 'fact_order_items.relationships_product_key'],
      ),
      day('2026-11-22', 'dq', [1, 1, 1, 0, 0, 0, 0, 0], null),
      day('2026-11-15', 'silver', [2, 2, 2, 0, 0, 0, 0, 0], null),
      day('2026-11-15', 'dq', [1, 1, 1, 0, 0, 0, 0, 0], null),
    ]);
  });
});
