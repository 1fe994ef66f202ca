/**
 * The shape of a data-quality check. Checks are declared once, as data (`checks.ts`), and
 * compiled to SQL that runs unchanged on Athena and on DuckDB (`compile.ts`); the auditor
 * (`lib/pipeline/auditor.ts`) runs them on a layer's staging tables before anything is published.
 *
 * Every check measures one number per partition of the run (or one for the table) and passes
 * when `observed <= threshold`: a count or a ratio of failing rows, minutes of staleness, a
 * relative deviation, a difference between two sides. A check that does not pass has status
 * `warn` (severity warn: reported, published anyway) or `fail` (severity critical: the gate
 * stops the run and nothing of this layer or after it is published).
 */

export type Severity = 'warn' | 'critical';
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
export type CheckScope = 'partition' | 'run' | 'table';

interface CheckBase {
  /** Unique, snake_case: the name in `dq_results`, in metrics and in config overrides. */
  readonly name: string;
  /** The table (model) the check is about; its layer is the gate it belongs to. */
  readonly table: string;
  readonly description: string;
  readonly severity: Severity;
  /** Passes when observed ≤ threshold. */
  readonly threshold: number;
  /**
   * `partition`: one result per partition the run rebuilt (the staging table's partitions).
   * `run`: one result over all the partitions the run rebuilt (rates: a late event alone in its
   * old date, or a future-dated line alone in its date, would be a 100% rate of one row).
   * `table`: one result for the whole table as it will be once published (staging overlaid on
   * the published partitions). Unpartitioned tables are always checked whole. Default: `run`
   * for ratios, `table` for freshness, else `partition`.
   */
  readonly scope?: CheckScope;
  /**
   * A ratio is judged only over at least this many rows (default `DEFAULT_MIN_ROWS`): over fewer
   * (a hand-made file of four lines, a quiet hour) the result is `skip`, its counts recorded.
   */
  readonly minRows?: number;
}

/** Rows a ratio needs before it is judged, unless a check says otherwise. */
export const DEFAULT_MIN_ROWS = 1000;

/** Checks that count failing rows of `table` (one scan per table and scope, all together). */
interface RowCheckBase extends CheckBase {
  /** `count`: observed = failing rows; `ratio`: failing rows / rows checked. */
  readonly measure?: 'count' | 'ratio';
  /** Only rows where this (SQL predicate) holds are checked, e.g. `reason IS NULL`. */
  readonly where?: string;
}

/** Completeness: failing rows are those where `column` is NULL. */
export interface NotNullCheck extends RowCheckBase {
  readonly kind: 'not_null';
  readonly column: string;
}

/** Uniqueness of a key: failing rows = rows checked − distinct keys. */
export interface UniqueCheck extends RowCheckBase {
  readonly kind: 'unique';
  readonly columns: readonly string[];
}

/** Validity: non-NULL values outside the list. */
export interface AcceptedValuesCheck extends RowCheckBase {
  readonly kind: 'accepted_values';
  readonly column: string;
  readonly values: readonly (string | number | boolean)[];
}

/** Validity: non-NULL values below `min` or above `max` (`column` may be an expression). */
export interface RangeCheck extends RowCheckBase {
  readonly kind: 'range';
  readonly column: string;
  /** A SQL expression to test instead of the column (the column names it in results). */
  readonly expression?: string;
  readonly min?: number;
  readonly max?: number;
  /** `min` itself fails (prices must be > 0). */
  readonly exclusiveMin?: boolean;
}

/** Validity: non-NULL values that do not match a (Java / RE2-compatible) regular expression. */
export interface RegexCheck extends RowCheckBase {
  readonly kind: 'regex';
  readonly column: string;
  readonly pattern: string;
}

/** Schema drift: rows whose `column` (a list of fields the contract does not know) is set. */
export interface SchemaDriftCheck extends RowCheckBase {
  readonly kind: 'schema_drift';
  readonly column: string;
}

/**
 * Referential integrity: rows whose `column` has no row in `references` (orphans), plus the
 * rows mapped to the unknown member, when the dimension has one: the key that stands for "not
 * found" is a row of the dimension, so the check counts it explicitly.
 */
export interface RelationshipsCheck extends RowCheckBase {
  readonly kind: 'relationships';
  readonly column: string;
  readonly references: { readonly table: string; readonly column: string };
  /** The dimension's unknown-member key ('-1'): rows pointing at it count as failing. */
  readonly unknownMember?: string;
}

/** Freshness: minutes from the newest `column` (a timestamp) to the run's start. */
export interface FreshnessCheck extends CheckBase {
  readonly kind: 'freshness';
  readonly column: string;
}

/**
 * Volume anomaly: a partition's row count against the mean of the `days` partitions before it
 * that have rows; observed = |count − mean| / mean. Skipped for the day in progress (the run's
 * UTC date and later) and when fewer than `minDays` earlier partitions have rows.
 */
export interface VolumeCheck extends CheckBase {
  readonly kind: 'volume';
  readonly days: number;
  readonly minDays: number;
}

/** One side's term of a reconciliation: an aggregate of a table, per partition. */
export interface ReconciliationTerm {
  /** Names the term in the message (`bronze_lines`, `silver_rows`, …). */
  readonly label: string;
  readonly table: string;
  /** A SQL aggregate over the table's rows, e.g. `count(*)` or `sum(line_revenue)`. */
  readonly aggregate: string;
  /** The table's partition column (default: the checked table's, or `dt`). */
  readonly partitionColumn?: string;
  /** Terms (by label) subtracted from this one before it is added to its side. */
  readonly minus?: readonly string[];
}

/** Reconciliation: observed = |Σ left − Σ right| per partition. */
export interface ReconciliationCheck extends CheckBase {
  readonly kind: 'reconciliation';
  readonly left: readonly ReconciliationTerm[];
  readonly right: readonly ReconciliationTerm[];
  /** Terms shown in the message and used by `minus`, on neither side. */
  readonly info?: readonly ReconciliationTerm[];
}

/**
 * Quarantine rate: quarantined rows (`table`) over all lines (`totalTable`), per partition;
 * `byReason`: one result per reason code (`column_name` is the reason).
 */
export interface QuarantineRateCheck extends CheckBase {
  readonly kind: 'quarantine_rate';
  readonly reasonColumn: string;
  readonly totalTable: string;
  readonly byReason: boolean;
}

export type RowCheck =
  NotNullCheck | UniqueCheck | AcceptedValuesCheck | RangeCheck | RegexCheck | SchemaDriftCheck;

export type Check =
  | RowCheck
  | RelationshipsCheck
  | FreshnessCheck
  | VolumeCheck
  | ReconciliationCheck
  | QuarantineRateCheck;

export type CheckKind = Check['kind'];

export const ROW_CHECK_KINDS: readonly CheckKind[] = [
  'not_null',
  'unique',
  'accepted_values',
  'range',
  'regex',
  'schema_drift',
];

export function isRowCheck(c: Check): c is RowCheck {
  return ROW_CHECK_KINDS.includes(c.kind);
}

/** The column a check reports on (`column_name` in `dq_results`), if any. */
export function checkColumn(c: Check): string | null {
  switch (c.kind) {
    case 'unique':
      return c.columns.join(', ');
    case 'not_null':
    case 'accepted_values':
    case 'range':
    case 'regex':
    case 'schema_drift':
    case 'relationships':
    case 'freshness':
      return c.column;
    default:
      return null;
  }
}

/** Ratio or count: what `observed` is for a check that counts failing rows. */
export function measureOf(c: Check): 'count' | 'ratio' {
  if (c.kind === 'quarantine_rate') return 'ratio';
  if ('measure' in c && c.measure) return c.measure;
  return 'count';
}

/** Where a check's result is measured; see `CheckBase.scope`. */
export function scopeOf(c: Check): CheckScope {
  if (c.scope) return c.scope;
  if (c.kind === 'freshness') return 'table';
  return measureOf(c) === 'ratio' ? 'run' : 'partition';
}

/** Per-check settings from config (`dq.checks.<name>`). */
export interface CheckOverride {
  readonly severity?: Severity;
  readonly threshold?: number;
  readonly minRows?: number;
  readonly enabled?: boolean;
}
