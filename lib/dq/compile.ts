/**
 * Checks compiled to SQL. The text is the same on Athena and DuckDB (portable aggregates only:
 * `count(*) FILTER`, `count(DISTINCT …)`, `max`, `regexp_like`, `date_diff`, `to_unixtime`, all
 * shimmed where DuckDB differs). Row checks of one table and scope share one scan; the other
 * kinds take one query each. A query returns a few rows per partition, which `read` turns into
 * measurements; `evaluate.ts` turns those into `dq_results` rows.
 *
 * Where data comes from is the caller's (`CheckSources`): during a run, the tables this run
 * rebuilt are read from their staging tables (write-audit-publish); the rest as published.
 */
import { daysBefore, sqlIdent, sqlString } from '../engine/wrap.ts';
import {
  isRowCheck,
  scopeOf,
  type Check,
  type FreshnessCheck,
  type QuarantineRateCheck,
  type ReconciliationCheck,
  type RelationshipsCheck,
  type RowCheck,
  type VolumeCheck,
} from './check-spec.ts';

/** How the checks read the lake. */
export interface CheckSources {
  /**
   * The table as it will be once this run publishes (staging overlaid on the published
   * partitions), as a FROM source: a qualified name or a parenthesized subquery.
   */
  whole(table: string): string;
  /** The table's rows in these partitions only (the staging table when the run rebuilt them). */
  partitions(table: string, column: string, values: readonly string[]): string;
  /** The table's partition column, if it has one. */
  partitionColumn(table: string): string | undefined;
}

/** What a check is run on: the partitions the run rebuilt (`null`: the whole table). */
export interface CheckTarget {
  readonly check: Check;
  readonly partitions: readonly string[] | null;
}

/** One measurement: a check on one partition (and reason), before it is judged. */
export interface Measurement {
  readonly check: Check;
  readonly partition: string | null;
  /** For per-reason checks: the reason code (reported as the column). */
  readonly group?: string | null;
  /** Rows the check looked at, and the failing ones (row checks, rates, relationships). */
  readonly total?: number | null;
  readonly failing?: number | null;
  /** A failing value, for the message. */
  readonly example?: string | null;
  /** Kinds that measure something else (freshness, volume, reconciliation). */
  readonly observed?: number | null;
  /** Why the check could not measure (volume without history, …): status `skip`. */
  readonly skip?: string;
  /** Figures for the message (reconciliation terms, the volume mean, orphans …). */
  readonly facts?: Readonly<Record<string, number | string | null>>;
}

export interface CompiledQuery {
  /** For progress and errors: `silver_events: 12 row checks`. */
  readonly label: string;
  readonly sql: string;
  read(rows: readonly Record<string, unknown>[]): Measurement[];
}

export interface CompileContext {
  readonly sources: CheckSources;
  /** The run's start (freshness is measured against it; its date is the day in progress). */
  readonly now: Date;
}

/** An engine cell as a number (Athena and DuckDB give BIGINT as text), NULL as null. */
export const num = (v: unknown): number | null =>
  v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v);
/** An engine cell as text, NULL as null. */
export const str = (v: unknown): string | null =>
  v === null || v === undefined ? null : String(v);

/** A SQL literal for an accepted value. */
function literal(v: string | number | boolean): string {
  return typeof v === 'string' ? sqlString(v) : String(v);
}

/** The failing-row predicate of a row check (rows where the value is NULL never fail, except not_null). */
function failingPredicate(c: RowCheck): string {
  switch (c.kind) {
    case 'not_null':
      return `${sqlIdent(c.column)} IS NULL`;
    case 'accepted_values':
      return `${sqlIdent(c.column)} NOT IN (${c.values.map(literal).join(', ')})`;
    case 'range': {
      const x = c.expression ?? sqlIdent(c.column);
      const parts: string[] = [];
      if (c.min !== undefined) parts.push(`${x} ${c.exclusiveMin ? '<=' : '<'} ${c.min}`);
      if (c.max !== undefined) parts.push(`${x} > ${c.max}`);
      if (parts.length === 0) throw new Error(`${c.table}.${c.name}: a range needs min or max`);
      return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
    }
    case 'regex':
      return `NOT regexp_like(${sqlIdent(c.column)}, ${sqlString(c.pattern)})`;
    case 'schema_drift':
      return `${sqlIdent(c.column)} IS NOT NULL`;
    case 'unique':
      throw new Error('unique checks have no row predicate');
  }
}

/** The value a row check shows as an example of a failing row. */
function exampleExpression(c: RowCheck): string | null {
  switch (c.kind) {
    case 'accepted_values':
    case 'regex':
    case 'schema_drift':
      return `CAST(${sqlIdent(c.column)} AS VARCHAR)`;
    case 'range':
      return `CAST(${c.expression ?? sqlIdent(c.column)} AS VARCHAR)`;
    default:
      return null;
  }
}

const and = (a: string | undefined, b: string) => (a ? `(${a}) AND ${b}` : b);

/** The rows a check reads (`partitions`, null: the whole table) and whether per partition. */
interface Target {
  readonly partitions: readonly string[] | null;
  readonly perPartition: boolean;
}

/** A target on a table: the column its partitions filter on, and the one results group by. */
function resolveTarget(ctx: CompileContext, table: string, target: Target) {
  const filterPc = target.partitions === null ? undefined : ctx.sources.partitionColumn(table);
  const partitions = filterPc ? target.partitions : null;
  return { partitions, filterPc, groupPc: target.perPartition ? filterPc : undefined };
}

/** The `p` column: the partition value, or NULL when results are not per partition. */
const partitionSelect = (groupPc: string | undefined) =>
  groupPc ? `CAST(${sqlIdent(groupPc)} AS VARCHAR) AS p` : 'CAST(NULL AS VARCHAR) AS p';

/** The partition values results are reported for: each one, or a single NULL. */
const reported = (partitions: readonly string[] | null, groupPc: string | undefined) =>
  partitions !== null && groupPc ? [...partitions].sort() : [null];

/** For a result over several partitions at once: which ones. */
function runFacts(
  partitions: readonly string[] | null,
  groupPc: string | undefined,
): { facts?: Record<string, string | number> } {
  if (partitions === null || groupPc || partitions.length === 0) return {};
  const sorted = [...partitions].sort();
  return { facts: { partitions: sorted.length, first: sorted[0]!, last: sorted.at(-1)! } };
}

/** The key of a unique check as one value (NULL when any part is NULL). */
function uniqueKey(columns: readonly string[]): string {
  if (columns.length === 1) return sqlIdent(columns[0]!);
  // Each part prefixed with its length, so that ('a|b', 'c') and ('a', 'b|c') differ.
  return columns
    .map((c) => {
      const v = `CAST(${sqlIdent(c)} AS VARCHAR)`;
      return `CAST(length(${v}) AS VARCHAR) || ':' || ${v}`;
    })
    .join(` || '|' || `);
}

/** Where a check's table is read: its rebuilt partitions, or the whole table. */
function fromFor(
  ctx: CompileContext,
  table: string,
  partitions: readonly string[] | null,
  partitionColumn: string | undefined,
): string {
  if (partitions === null || !partitionColumn) return ctx.sources.whole(table);
  return ctx.sources.partitions(table, partitionColumn, partitions);
}

/** Row checks of one table and one target (same partitions), in one scan. */
function compileRowChecks(
  ctx: CompileContext,
  table: string,
  target: Target,
  checks: readonly RowCheck[],
): CompiledQuery {
  const { partitions, filterPc, groupPc } = resolveTarget(ctx, table, target);
  const select: string[] = [partitionSelect(groupPc)];
  checks.forEach((c, i) => {
    if (c.kind === 'unique') {
      const key = uniqueKey(c.columns);
      const w = and(c.where, `${key} IS NOT NULL`);
      select.push(`count(*) FILTER (WHERE ${w}) AS t${i}`);
      select.push(`count(DISTINCT CASE WHEN ${w} THEN ${key} END) AS d${i}`);
      return;
    }
    const fail = failingPredicate(c);
    select.push(c.where ? `count(*) FILTER (WHERE ${c.where}) AS t${i}` : `count(*) AS t${i}`);
    select.push(`count(*) FILTER (WHERE ${and(c.where, fail)}) AS f${i}`);
    const ex = exampleExpression(c);
    if (ex) select.push(`max(CASE WHEN ${and(c.where, fail)} THEN ${ex} END) AS e${i}`);
  });
  const sql =
    `SELECT\n  ${select.join(',\n  ')}\nFROM ${fromFor(ctx, table, partitions, filterPc)} AS t` +
    (groupPc ? `\nGROUP BY ${sqlIdent(groupPc)}` : '');
  return {
    label: `${table}: ${checks.length} row check(s)`,
    sql,
    read(rows) {
      const out: Measurement[] = [];
      // A partition the run rebuilt that came out empty has no group: zero rows checked.
      const byP = new Map(rows.map((r) => [str(r.p), r]));
      for (const p of reported(partitions, groupPc)) {
        const r = byP.get(p);
        checks.forEach((c, i) => {
          const total = num(r?.[`t${i}`]) ?? 0;
          const failing =
            c.kind === 'unique' ? total - (num(r?.[`d${i}`]) ?? 0) : (num(r?.[`f${i}`]) ?? 0);
          out.push({
            check: c,
            partition: p,
            total,
            failing,
            example: str(r?.[`e${i}`]),
            ...runFacts(partitions, groupPc),
          });
        });
      }
      return out;
    },
  };
}

function compileRelationships(
  ctx: CompileContext,
  c: RelationshipsCheck,
  target: Target,
): CompiledQuery {
  const { partitions, filterPc, groupPc } = resolveTarget(ctx, c.table, target);
  const col = sqlIdent(c.column);
  const ref = sqlIdent(c.references.column);
  const refWhere = [`${ref} IS NOT NULL`];
  if (c.unknownMember !== undefined) refWhere.push(`${ref} <> ${sqlString(c.unknownMember)}`);
  const unknown =
    c.unknownMember !== undefined
      ? `count(*) FILTER (WHERE c.k = ${sqlString(c.unknownMember)})`
      : 'CAST(0 AS BIGINT)';
  const sql = [
    'SELECT',
    '  c.p,',
    '  count(*) AS total,',
    '  count(*) FILTER (WHERE r.k IS NULL) AS failing,',
    `  ${unknown} AS unknown,`,
    `  max(CASE WHEN r.k IS NULL THEN c.k END) AS example`,
    'FROM (',
    `  SELECT ${partitionSelect(groupPc)}, CAST(${col} AS VARCHAR) AS k`,
    `  FROM ${fromFor(ctx, c.table, partitions, filterPc)} AS t`,
    `  WHERE ${and(c.where, `${col} IS NOT NULL`)}`,
    ') AS c',
    'LEFT JOIN (',
    `  SELECT DISTINCT CAST(${ref} AS VARCHAR) AS k`,
    `  FROM ${ctx.sources.whole(c.references.table)} AS r0`,
    `  WHERE ${refWhere.join(' AND ')}`,
    ') AS r ON r.k = c.k',
    'GROUP BY c.p',
  ].join('\n');
  return {
    label: `${c.table}.${c.name}`,
    sql,
    read(rows) {
      const byP = new Map(rows.map((r) => [str(r.p), r]));
      return reported(partitions, groupPc).map((p) => {
        const r = byP.get(p);
        const failing = num(r?.failing) ?? 0;
        const unknownRows = num(r?.unknown) ?? 0;
        const run = runFacts(partitions, groupPc).facts;
        return {
          check: c,
          partition: p,
          total: num(r?.total) ?? 0,
          failing,
          example: str(r?.example),
          facts: { ...run, orphans: failing - unknownRows, unknown: unknownRows },
        };
      });
    },
  };
}

function compileFreshness(
  ctx: CompileContext,
  c: FreshnessCheck,
  partitions: readonly string[] | null,
): CompiledQuery {
  const pc = ctx.sources.partitionColumn(c.table);
  // The newest rows are in the partitions the run rebuilt: read from the oldest of them that is
  // not in the future (a future-dated line alone in its date is quarantined, leaving it empty).
  const today = ctx.now.toISOString().slice(0, 10);
  const since = (partitions ?? []).filter((p) => p <= today).sort()[0];
  const from =
    pc && since
      ? `(SELECT * FROM ${ctx.sources.whole(c.table)} AS w WHERE ${sqlIdent(pc)} >= ${sqlString(since)})`
      : ctx.sources.whole(c.table);
  const sql = `SELECT to_unixtime(max(${sqlIdent(c.column)})) AS newest, count(*) AS total FROM ${from} AS t`;
  return {
    label: `${c.table}.${c.name}`,
    sql,
    read(rows) {
      const newestSeconds = num(rows[0]?.newest);
      if (newestSeconds === null) {
        const where = pc && since ? ` from ${pc} ${since} on` : '';
        return [{ check: c, partition: null, skip: `${c.table} has no rows${where}` }];
      }
      const minutes = (ctx.now.getTime() / 1000 - newestSeconds) / 60;
      return [
        {
          check: c,
          partition: null,
          observed: Math.round(minutes * 10) / 10,
          facts: { newest: new Date(newestSeconds * 1000).toISOString() },
        },
      ];
    },
  };
}

function compileVolume(
  ctx: CompileContext,
  c: VolumeCheck,
  partitions: readonly string[],
  pc: string,
): CompiledQuery {
  const sorted = [...partitions].sort();
  const from = daysBefore(sorted[0]!, c.days);
  const to = sorted.at(-1)!;
  const col = sqlIdent(pc);
  const sql =
    `SELECT CAST(${col} AS VARCHAR) AS p, count(*) AS n\n` +
    `FROM ${ctx.sources.whole(c.table)} AS t\n` +
    `WHERE ${col} >= ${sqlString(from)} AND ${col} <= ${sqlString(to)}\n` +
    `GROUP BY ${col}`;
  const today = ctx.now.toISOString().slice(0, 10);
  return {
    label: `${c.table}.${c.name}`,
    sql,
    read(rows) {
      const counts = new Map(rows.map((r) => [String(r.p), num(r.n) ?? 0]));
      return sorted.map((p): Measurement => {
        const n = counts.get(p) ?? 0;
        if (p >= today) {
          const why = p === today ? 'the day is in progress' : 'a date in the future';
          return { check: c, partition: p, skip: why, facts: { rows: n } };
        }
        const start = daysBefore(p, c.days);
        const prior = [...counts.entries()].filter(([d, k]) => d >= start && d < p && k > 0);
        if (prior.length < c.minDays) {
          return {
            check: c,
            partition: p,
            skip: `${prior.length} of the ${c.minDays} earlier days with data it needs`,
            facts: { rows: n },
          };
        }
        const mean = prior.reduce((s, [, k]) => s + k, 0) / prior.length;
        return {
          check: c,
          partition: p,
          observed: Math.round((Math.abs(n - mean) / mean) * 1e4) / 1e4,
          facts: { rows: n, mean: Math.round(mean * 10) / 10, days: prior.length },
        };
      });
    },
  };
}

function compileReconciliation(
  ctx: CompileContext,
  c: ReconciliationCheck,
  target: Target,
): CompiledQuery {
  const { partitions, groupPc: checkGroup } = resolveTarget(ctx, c.table, target);
  const checkPc = ctx.sources.partitionColumn(c.table);
  const terms = [...c.left, ...c.right, ...(c.info ?? [])];
  const labels = new Set<string>();
  for (const t of terms) {
    if (labels.has(t.label)) throw new Error(`${c.table}.${c.name}: term ${t.label} twice`);
    labels.add(t.label);
  }
  const branches = terms.map((t) => {
    const pc = partitions === null ? undefined : (t.partitionColumn ?? checkPc ?? 'dt');
    const group = checkGroup ? pc : undefined;
    const from = fromFor(ctx, t.table, partitions, pc);
    return (
      `SELECT ${sqlString(t.label)} AS term, ${partitionSelect(group)}, ` +
      `CAST(${t.aggregate} AS DOUBLE) AS v FROM ${from} AS t` +
      (group ? ` GROUP BY ${sqlIdent(group)}` : '')
    );
  });
  return {
    label: `${c.table}.${c.name}`,
    sql: branches.join('\nUNION ALL\n'),
    read(rows) {
      return reported(partitions, checkGroup).map((p): Measurement => {
        const raw = new Map<string, number>();
        for (const r of rows) if (str(r.p) === p) raw.set(String(r.term), num(r.v) ?? 0);
        const value = (t: (typeof terms)[number]) =>
          (raw.get(t.label) ?? 0) - (t.minus ?? []).reduce((s, l) => s + (raw.get(l) ?? 0), 0);
        const facts: Record<string, number> = {};
        for (const t of terms) facts[t.label] = round(value(t));
        const left = c.left.reduce((s, t) => s + value(t), 0);
        const right = c.right.reduce((s, t) => s + value(t), 0);
        return {
          check: c,
          partition: p,
          observed: round(Math.abs(left - right)),
          facts: {
            ...runFacts(partitions, checkGroup).facts,
            ...facts,
            left: round(left),
            right: round(right),
          },
        };
      });
    },
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

function compileQuarantineRate(
  ctx: CompileContext,
  c: QuarantineRateCheck,
  target: Target,
): CompiledQuery {
  const { partitions, filterPc, groupPc } = resolveTarget(ctx, c.table, target);
  const groups = [
    ...(groupPc ? [sqlIdent(groupPc)] : []),
    ...(c.byReason ? [sqlIdent(c.reasonColumn)] : []),
  ];
  const reason = c.byReason ? sqlIdent(c.reasonColumn) : 'CAST(NULL AS VARCHAR)';
  const sql = [
    'SELECT l.p, l.total, q.reason, COALESCE(q.n, 0) AS failing',
    `FROM (SELECT ${partitionSelect(groupPc)}, count(*) AS total FROM ${fromFor(ctx, c.totalTable, partitions, filterPc)} AS t` +
      (groupPc ? ` GROUP BY ${sqlIdent(groupPc)}` : '') +
      ') AS l',
    `LEFT JOIN (SELECT ${partitionSelect(groupPc)}, ${reason} AS reason, count(*) AS n FROM ${fromFor(ctx, c.table, partitions, filterPc)} AS t` +
      (groups.length ? ` GROUP BY ${groups.join(', ')}` : '') +
      ') AS q',
    // Both sides are NULL for an ungrouped read: IS NOT DISTINCT FROM would stop the hash join.
    groupPc ? 'ON q.p = l.p' : 'ON true',
  ].join('\n');
  return {
    label: `${c.table}.${c.name}`,
    sql,
    read(rows) {
      const out: Measurement[] = [];
      const run = runFacts(partitions, groupPc);
      for (const v of reported(partitions, groupPc)) {
        const mine = rows.filter((r) => str(r.p) === v);
        if (mine.length === 0) {
          out.push({ check: c, partition: v, group: null, total: 0, failing: 0, ...run });
          continue;
        }
        for (const r of mine) {
          out.push({
            check: c,
            partition: v,
            group: str(r.reason),
            total: num(r.total) ?? 0,
            failing: num(r.failing) ?? 0,
            ...run,
          });
        }
      }
      return out;
    },
  };
}

/**
 * The queries for a set of targets: row checks grouped by table and partitions (one scan each),
 * every other check alone.
 */
export function compileChecks(
  ctx: CompileContext,
  targets: readonly CheckTarget[],
): CompiledQuery[] {
  const out: CompiledQuery[] = [];
  const groups = new Map<string, { table: string; target: Target; checks: RowCheck[] }>();
  for (const { check, partitions } of targets) {
    const scope = scopeOf(check);
    const target: Target = {
      partitions: scope === 'table' ? null : partitions,
      perPartition: scope === 'partition',
    };
    if (isRowCheck(check)) {
      const key = `${check.table}\u0000${scope}\u0000${(target.partitions ?? ['*']).join(',')}`;
      const g = groups.get(key) ?? { table: check.table, target, checks: [] };
      g.checks.push(check);
      groups.set(key, g);
      continue;
    }
    switch (check.kind) {
      case 'relationships':
        out.push(compileRelationships(ctx, check, target));
        break;
      case 'freshness':
        out.push(compileFreshness(ctx, check, partitions));
        break;
      case 'volume': {
        const pc = ctx.sources.partitionColumn(check.table);
        if (!pc || partitions === null || partitions.length === 0) {
          throw new Error(`${check.table}.${check.name}: a volume check needs a partitioned table`);
        }
        out.push(compileVolume(ctx, check, partitions, pc));
        break;
      }
      case 'reconciliation':
        out.push(compileReconciliation(ctx, check, target));
        break;
      case 'quarantine_rate':
        out.push(compileQuarantineRate(ctx, check, target));
        break;
    }
  }
  for (const g of [...groups.values()].reverse()) {
    out.unshift(compileRowChecks(ctx, g.table, g.target, g.checks));
  }
  return out;
}
