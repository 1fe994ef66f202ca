/**
 * Measurements judged: observed against the threshold, a status, and a sentence a data engineer
 * can act on. One `DqResult` is one row of `dq_results`.
 */
import {
  DEFAULT_MIN_ROWS,
  checkColumn,
  measureOf,
  type CheckStatus,
  type Severity,
} from './check-spec.ts';
import type { Measurement } from './compile.ts';

export interface DqResult {
  readonly run_id: string;
  readonly checked_at: string;
  readonly layer: string;
  readonly table_name: string;
  readonly check_name: string;
  readonly kind: string;
  readonly column_name: string | null;
  /** The partition value checked; NULL for a whole-table check. */
  readonly partition: string | null;
  readonly observed: number | null;
  readonly threshold: number;
  readonly severity: Severity;
  readonly status: CheckStatus;
  readonly failing_rows: number | null;
  readonly rows_checked: number | null;
  readonly message: string;
  /** The figures behind the message, as a JSON object (reconciliation terms, orphans, …). */
  readonly details: string | null;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 2)}%`;

function describe(m: Measurement, observed: number | null): string {
  const c = m.check;
  const total = m.total ?? 0;
  const failing = m.failing ?? 0;
  const of = `${fmt(failing)} of ${fmt(total)} row(s)`;
  const eg = m.example !== null && m.example !== undefined ? `, e.g. '${m.example}'` : '';
  if (m.skip) return `skipped: ${m.skip}`;
  switch (c.kind) {
    case 'not_null':
      return failing ? `${of} have no ${c.column}` : `all ${fmt(total)} row(s) have ${c.column}`;
    case 'unique':
      return failing
        ? `${fmt(failing)} repeated row(s): ${fmt(total)} row(s), ${fmt(total - failing)} distinct ${c.columns.join(', ')}`
        : `${fmt(total)} row(s), each ${c.columns.join(', ')} once`;
    case 'accepted_values':
      return failing
        ? `${of} outside the accepted values${eg}`
        : `all ${fmt(total)} row(s) accepted`;
    case 'range': {
      const low =
        c.min === undefined ? undefined : `${c.exclusiveMin ? 'at or below' : 'below'} ${c.min}`;
      const high = c.max === undefined ? undefined : `above ${c.max}`;
      const bounds = [low, high].filter(Boolean).join(' or ');
      return failing
        ? `${of} with ${c.column} ${bounds}${eg}`
        : `no row with ${c.column} ${bounds} (${fmt(total)} checked)`;
    }
    case 'regex':
      return failing ? `${of} do not match ${c.pattern}${eg}` : `all ${fmt(total)} row(s) match`;
    case 'schema_drift':
      return failing
        ? `${of} carry fields the contract does not know${m.example ? `: ${m.example}` : ''}`
        : `no unknown fields in ${fmt(total)} row(s)`;
    case 'relationships': {
      const orphans = Number(m.facts?.orphans ?? 0);
      const unknown = Number(m.facts?.unknown ?? 0);
      const parts = [`${fmt(orphans)} with no ${c.references.table} row${orphans ? eg : ''}`];
      if (c.unknownMember !== undefined) {
        parts.push(`${fmt(unknown)} on the unknown member '${c.unknownMember}'`);
      }
      return `${of} unmatched (${parts.join(', ')})`;
    }
    case 'quarantine_rate':
      return `${fmt(failing)} of ${fmt(total)} line(s) quarantined${m.group ? ` as ${m.group}` : ''}${total ? ` (${pct(failing / total)})` : ''}`;
    case 'freshness':
      return `newest ${c.column} ${String(m.facts?.newest)} is ${observed} min before the run`;
    case 'volume': {
      const rows = Number(m.facts?.rows ?? 0);
      const mean = Number(m.facts?.mean ?? 0);
      const change = mean ? (rows - mean) / mean : 0;
      return `${fmt(rows)} row(s) against a mean of ${fmt(mean)} over ${String(m.facts?.days)} day(s) (${change >= 0 ? '+' : ''}${pct(change)})`;
    }
    case 'reconciliation': {
      const side = (terms: typeof c.left) =>
        terms.map((t) => `${t.label} ${fmt(Number(m.facts?.[t.label] ?? 0))}`).join(' + ');
      const eq = observed ? '≠' : '=';
      return `${side(c.left)} ${eq} ${side(c.right)}${observed ? ` (off by ${fmt(observed)})` : ''}`;
    }
  }
}

/** For a result over several partitions: which ones. */
function runSpan(m: Measurement): string {
  const n = m.facts?.partitions;
  if (typeof n !== 'number') return '';
  return n === 1
    ? ` (partition ${String(m.facts?.first)})`
    : ` (over ${n} partitions, ${String(m.facts?.first)} … ${String(m.facts?.last)})`;
}

/** The result row of one measurement. */
export function judge(
  m: Measurement,
  ctx: { runId: string; checkedAt: string; layer: string },
): DqResult {
  const c = m.check;
  let observed: number | null;
  let tooFew: number | undefined;
  if (m.skip) observed = null;
  else if (m.observed !== undefined) observed = m.observed;
  else {
    const total = m.total ?? 0;
    const failing = m.failing ?? 0;
    const ratio = measureOf(c) === 'ratio';
    observed = ratio ? (total ? Math.round((failing / total) * 1e6) / 1e6 : 0) : failing;
    const min = c.minRows ?? DEFAULT_MIN_ROWS;
    if (ratio && total < min) tooFew = min;
  }
  const status: CheckStatus =
    observed === null || tooFew !== undefined
      ? 'skip'
      : observed <= c.threshold
        ? 'pass'
        : c.severity === 'critical'
          ? 'fail'
          : 'warn';
  const rowCounts = m.total !== undefined && m.failing !== undefined;
  return {
    run_id: ctx.runId,
    checked_at: ctx.checkedAt,
    layer: ctx.layer,
    table_name: c.table,
    check_name: c.name,
    kind: c.kind,
    column_name: m.group ?? checkColumn(c),
    partition: m.partition,
    observed,
    threshold: c.threshold,
    severity: c.severity,
    status,
    failing_rows: rowCounts ? (m.failing ?? 0) : null,
    rows_checked: rowCounts ? (m.total ?? 0) : null,
    message:
      (tooFew !== undefined
        ? 'skipped (a rate is judged over at least ' + fmt(tooFew) + ' rows): '
        : '') +
      describe(m, observed) +
      runSpan(m),
    details: m.facts ? JSON.stringify(m.facts) : null,
  };
}

/** Worst first: fail, warn, skip, pass; then table, check, partition, column. */
export const STATUS_ORDER: Readonly<Record<CheckStatus, number>> = {
  fail: 0,
  warn: 1,
  skip: 2,
  pass: 3,
};

export function sortResults<
  T extends Pick<DqResult, 'status' | 'table_name' | 'check_name' | 'partition' | 'column_name'>,
>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      a.table_name.localeCompare(b.table_name) ||
      a.check_name.localeCompare(b.check_name) ||
      (a.partition ?? '').localeCompare(b.partition ?? '') ||
      (a.column_name ?? '').localeCompare(b.column_name ?? ''),
  );
}
