/**
 * The lake's data-quality checks, declared once. Thresholds and severities here are defaults;
 * `dq.checks."<table>.<check>"` in the config overrides them (or disables a check). See
 * `check-spec.ts` for what each kind measures; the README's "Data quality" section lists them.
 *
 * Severity rule of thumb: critical when the data would be wrong if published (keys missing or
 * repeated, lines lost, totals that disagree between layers, a flood of bad input); warn for what
 * a data engineer should look at but that Silver and Gold handle by design (quarantined reasons,
 * unknown members, late or stale data, non-canonical values, new fields).
 */
import { DEVICE_TYPES, EVENT_TYPES, PAYMENT_METHODS, TRAFFIC_SOURCES } from '../events/schema.ts';
import type {
  AcceptedValuesCheck,
  Check,
  CheckOverride,
  NotNullCheck,
  RangeCheck,
  UniqueCheck,
} from './check-spec.ts';

const notNull = (
  table: string,
  columns: readonly string[],
  extra: Partial<NotNullCheck> = {},
): NotNullCheck[] =>
  columns.map((column) => ({
    name: `not_null_${column}`,
    table,
    kind: 'not_null',
    column,
    description: `${column} is never NULL`,
    severity: 'critical',
    threshold: 0,
    ...extra,
  }));

const unique = (
  table: string,
  columns: readonly string[],
  extra: Partial<UniqueCheck> = {},
): UniqueCheck => ({
  name: `unique_${columns.join('_')}`,
  table,
  kind: 'unique',
  columns,
  description: `one row per ${columns.join(', ')}`,
  severity: 'critical',
  threshold: 0,
  ...extra,
});

const accepted = (
  table: string,
  column: string,
  values: AcceptedValuesCheck['values'],
  extra: Partial<AcceptedValuesCheck> = {},
): AcceptedValuesCheck => ({
  name: `accepted_${column}`,
  table,
  kind: 'accepted_values',
  column,
  values,
  description: `${column} is one of ${values.join(', ')}`,
  severity: 'critical',
  threshold: 0,
  ...extra,
});

const range = (
  table: string,
  column: string,
  bounds: Pick<RangeCheck, 'min' | 'max' | 'exclusiveMin'>,
  extra: Partial<RangeCheck> = {},
): RangeCheck => ({
  name: `range_${column}`,
  table,
  kind: 'range',
  column,
  ...bounds,
  description: `${column} within ${bounds.min ?? '-∞'}${bounds.exclusiveMin ? ' (exclusive)' : ''} … ${bounds.max ?? '∞'}`,
  severity: 'critical',
  threshold: 0,
  ...extra,
});

export const CHECKS: readonly Check[] = [
  // ─── Silver ────────────────────────────────────────────────────────────────────────────
  {
    name: 'reconcile_lines',
    table: 'silver_events',
    kind: 'reconciliation',
    description:
      'Nothing is lost: Bronze lines (delivered + delivery errors) = Silver rows + quarantined + duplicates dropped',
    severity: 'critical',
    threshold: 0,
    left: [
      { label: 'bronze_lines', table: 'bronze_events', aggregate: 'count(*)' },
      { label: 'delivery_errors', table: 'bronze_delivery_errors', aggregate: 'count(*)' },
    ],
    right: [
      { label: 'silver_rows', table: 'silver_events', aggregate: 'count(*)' },
      { label: 'quarantined', table: 'silver_quarantine', aggregate: 'count(*)' },
      {
        label: 'duplicates_dropped',
        table: 'silver_event_lines',
        aggregate: 'count(*) FILTER (WHERE reason IS NULL)',
        minus: ['silver_rows'],
      },
    ],
  },
  unique('silver_events', ['event_id']),
  ...notNull('silver_events', [
    'event_id',
    'event_type',
    'event_ts',
    'user_id',
    'session_id',
    'product_id',
  ]),
  accepted('silver_events', 'event_type', EVENT_TYPES),
  accepted('silver_events', 'device_type', DEVICE_TYPES),
  accepted('silver_events', 'traffic_source', TRAFFIC_SOURCES),
  accepted('silver_events', 'payment_method', PAYMENT_METHODS, {
    where: "event_type = 'purchase'",
  }),
  ...notNull('silver_events', ['order_id', 'payment_method'], {
    where: "event_type = 'purchase'",
  }),
  range('silver_events', 'product_price', { min: 0, exclusiveMin: true }),
  range('silver_events', 'quantity', { min: 1, max: 999_999 }),
  {
    name: 'regex_country',
    table: 'silver_events',
    kind: 'regex',
    column: 'country',
    pattern: '^[A-Z]{2}$',
    description: 'country is an ISO 3166 alpha-2 code (two capital letters)',
    severity: 'critical',
    threshold: 0,
  },
  {
    name: 'unknown_products',
    table: 'silver_events',
    kind: 'relationships',
    column: 'product_id',
    references: { table: 'silver_products', column: 'product_id' },
    measure: 'ratio',
    description:
      'events whose product_id is in no product snapshot (Gold maps them to the unknown member)',
    severity: 'warn',
    threshold: 0.01,
  },
  range(
    'silver_events',
    'arrival_delay_minutes',
    { max: 29 },
    {
      name: 'late_arrivals',
      // Whole minutes, as Trino counts them: more than 29 is 30 minutes or more.
      expression: "date_diff('minute', event_ts, arrival_ts)",
      measure: 'ratio',
      description:
        'events that reached the lake 30 minutes or more after they happened (late arrivals; rebuilt in their own date)',
      severity: 'warn',
      threshold: 0.05,
    },
  ),
  {
    name: 'freshness',
    table: 'silver_events',
    kind: 'freshness',
    column: 'event_ts',
    scope: 'table',
    description: 'minutes from the newest event to the start of the run',
    severity: 'warn',
    threshold: 180,
  },
  {
    name: 'volume',
    table: 'silver_events',
    kind: 'volume',
    days: 7,
    minDays: 3,
    description:
      'events per day against the mean of the previous 7 days with data: |count − mean| / mean',
    severity: 'warn',
    threshold: 0.5,
  },
  unique('silver_event_lines', ['event_id'], {
    name: 'duplicate_rate',
    where: 'reason IS NULL',
    measure: 'ratio',
    description: 'valid lines delivered more than once (dropped by Silver): share of valid lines',
    severity: 'critical',
    threshold: 0.05,
  }),
  {
    name: 'quarantine_rate',
    table: 'silver_quarantine',
    kind: 'quarantine_rate',
    reasonColumn: 'reason',
    totalTable: 'silver_event_lines',
    byReason: false,
    description: 'lines quarantined, any reason: share of Bronze lines',
    severity: 'critical',
    threshold: 0.05,
  },
  {
    name: 'quarantine_rate_by_reason',
    table: 'silver_quarantine',
    kind: 'quarantine_rate',
    reasonColumn: 'reason',
    totalTable: 'silver_event_lines',
    byReason: true,
    description: 'lines quarantined per reason code: share of Bronze lines',
    severity: 'warn',
    threshold: 0.01,
  },
  accepted('silver_event_lines', 'standardized', [false], {
    name: 'nonstandard_values',
    where: 'reason IS NULL',
    measure: 'ratio',
    description:
      'valid lines whose enums or country arrived in another casing or padded with whitespace (Silver standardizes them)',
    severity: 'warn',
    threshold: 0.05,
  }),
  {
    name: 'schema_drift',
    table: 'silver_event_lines',
    kind: 'schema_drift',
    column: 'unknown_fields',
    description: 'lines carrying fields the event contract does not know',
    severity: 'warn',
    threshold: 0,
  },
  unique('silver_customers', ['customer_id']),
  {
    name: 'regex_email',
    table: 'silver_customers',
    kind: 'regex',
    column: 'email_raw',
    pattern: '^\\s*[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}\\s*$',
    measure: 'ratio',
    minRows: 100,
    description: 'customer emails that do not look like local@domain.tld (Silver nulls them)',
    severity: 'warn',
    threshold: 0.02,
  },
  unique('silver_products', ['product_id']),
  range('silver_products', 'price', { min: 0, exclusiveMin: true }, { severity: 'warn' }),

  // ─── Gold ──────────────────────────────────────────────────────────────────────────────
  unique('dim_customer', ['customer_key'], { scope: 'table' }),
  unique('dim_customer', ['customer_id'], {
    name: 'one_current_version',
    where: 'is_current',
    description: 'at most one current version per customer',
  }),
  accepted('dim_customer', 'email_is_valid', [true], {
    name: 'valid_email',
    scope: 'table',
    measure: 'ratio',
    // A shop's customer base is small next to its events: a rate over 100 versions says enough.
    minRows: 100,
    description:
      'customer versions whose CRM email is not a valid address (one per version, whatever the number of snapshots that repeat it)',
    severity: 'warn',
    threshold: 0.02,
  }),
  unique('dim_product', ['product_key'], { scope: 'table' }),
  unique('dim_product', ['product_id'], {
    name: 'one_current_version',
    where: 'is_current',
    description: 'at most one current version per product',
  }),
  unique('fact_order_items', ['order_item_id']),
  ...notNull('fact_order_items', ['order_id', 'customer_key', 'product_key', 'line_revenue']),
  range('fact_order_items', 'unit_price', { min: 0, exclusiveMin: true }),
  {
    name: 'relationships_customer_key',
    table: 'fact_order_items',
    kind: 'relationships',
    column: 'customer_key',
    references: { table: 'dim_customer', column: 'customer_key' },
    unknownMember: '-1',
    measure: 'ratio',
    description:
      'order lines without a dim_customer version (orphan keys, or the unknown member -1)',
    severity: 'warn',
    threshold: 0.05,
  },
  {
    name: 'relationships_product_key',
    table: 'fact_order_items',
    kind: 'relationships',
    column: 'product_key',
    references: { table: 'dim_product', column: 'product_key' },
    unknownMember: '-1',
    measure: 'ratio',
    description:
      'order lines without a dim_product version (orphan keys, or the unknown member -1)',
    severity: 'warn',
    threshold: 0.01,
  },
  {
    name: 'reconcile_purchases',
    table: 'fact_order_items',
    kind: 'reconciliation',
    description: 'every Silver purchase event is one fact_order_items row',
    severity: 'critical',
    threshold: 0,
    left: [
      {
        label: 'silver_purchases',
        table: 'silver_events',
        aggregate: "count(*) FILTER (WHERE event_type = 'purchase')",
      },
    ],
    right: [{ label: 'order_items', table: 'fact_order_items', aggregate: 'count(*)' }],
  },
  unique('fact_orders', ['order_id']),
  {
    name: 'volume',
    table: 'fact_orders',
    kind: 'volume',
    days: 7,
    minDays: 3,
    description:
      'orders per day against the mean of the previous 7 days with data: |count − mean| / mean',
    severity: 'warn',
    threshold: 0.5,
  },
  unique('fact_sessions', ['session_id']),
  {
    name: 'reconcile_revenue',
    table: 'daily_kpis',
    kind: 'reconciliation',
    description: 'revenue in daily_kpis = the sum of fact_order_items.line_revenue, per day',
    severity: 'critical',
    threshold: 0,
    left: [{ label: 'fact_revenue', table: 'fact_order_items', aggregate: 'sum(line_revenue)' }],
    right: [{ label: 'kpi_revenue', table: 'daily_kpis', aggregate: 'sum(revenue)' }],
  },
  ...(['conversion_rate', 'cart_rate', 'checkout_rate', 'cart_abandonment_rate'] as const).map(
    (c) => range('daily_kpis', c, { min: 0, max: 1 }),
  ),

  // ─── RFM ───────────────────────────────────────────────────────────────────────────────
  unique('rfm_customer', ['user_id']),
  ...(['r_score', 'f_score', 'm_score'] as const).map((c) =>
    range('rfm_customer', c, { min: 1, max: 5 }),
  ),
  accepted('rfm_customer', 'tier', ['Champion', 'Loyal', 'Potential', 'At Risk', 'Lost']),
  range('rfm_segment_summary', 'customer_share', { min: 0, max: 1 }),

  // ─── DQ ────────────────────────────────────────────────────────────────────────────────
  accepted('dq_daily', 'worst_status', ['pass', 'warn', 'fail', 'skip']),
];

/** `<table>.<check>`: how config and messages name a check. */
export const checkId = (c: Pick<Check, 'table' | 'name'>) => `${c.table}.${c.name}`;

/** Every check id, for config validation. */
export const CHECK_IDS: readonly string[] = CHECKS.map(checkId);

/**
 * The checks with config overrides applied (disabled ones left out). An override of a check that
 * does not exist is an error naming the known ones: a typo must not silently disable nothing.
 */
export function resolveChecks(
  overrides: Readonly<Record<string, CheckOverride>> = {},
  checks: readonly Check[] = CHECKS,
): Check[] {
  const ids = new Set(checks.map(checkId));
  const unknown = Object.keys(overrides).filter((k) => !ids.has(k));
  if (unknown.length > 0) {
    throw new Error(
      `dq.checks: no check named ${unknown.join(', ')} (checks are named <table>.<check>, e.g. ${[...ids].slice(0, 3).join(', ')}; \`lakehouse dq --list\` lists them)`,
    );
  }
  const out: Check[] = [];
  for (const c of checks) {
    const o = overrides[checkId(c)];
    if (o?.enabled === false) continue;
    out.push({
      ...c,
      ...(o?.severity ? { severity: o.severity } : {}),
      ...(o?.threshold !== undefined ? { threshold: o.threshold } : {}),
      ...(o?.minRows !== undefined ? { minRows: o.minRows } : {}),
    });
  }
  return out;
}
