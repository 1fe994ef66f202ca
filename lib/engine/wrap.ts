/**
 * The few lines of SQL an adapter wraps around a model, shared by both engines so that Athena
 * and DuckDB run exactly the same query text for a build.
 */
import type { Model } from './model.ts';

/** Athena writes at most 100 partitions per CTAS / INSERT INTO statement. */
export const MAX_PARTITIONS_PER_STATEMENT = 100;

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A double-quoted identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Splits partition values into statements' worth (sorted, unique). */
export function partitionBatches(
  values: readonly string[],
  size: number = MAX_PARTITIONS_PER_STATEMENT,
): string[][] {
  const sorted = [...new Set(values)].sort();
  const out: string[][] = [];
  for (let i = 0; i < sorted.length; i += size) out.push(sorted.slice(i, i + size));
  return out;
}

/**
 * How one input of a query is read: `from` is a FROM-clause source (a qualified table or a
 * parenthesized subquery), `filter` optionally restricts it to `column IN (values)` or, for a
 * cumulative input, to `column <= upTo`.
 */
export interface InputSource {
  readonly from: string;
  readonly filter?:
    | { readonly column: string; readonly values: readonly string[] }
    | { readonly column: string; readonly upTo: string; readonly from?: string };
}

/**
 * `sql` with each table of `inputs` shadowed by a CTE of the same name over its source; the
 * query reads the rest of its text unchanged. `tail` turns the query (named `"__query"`) into
 * the statement's final SELECT.
 */
export function withInputs(
  sql: string,
  inputs: Readonly<Record<string, InputSource>>,
  tail?: (inner: string) => string,
): string {
  const entries = Object.entries(inputs);
  if (entries.length === 0 && !tail) return sql;
  const ctes = entries.map(([table, src]) => {
    const f = src.filter;
    const where = !f
      ? ''
      : 'upTo' in f
        ? ` WHERE ${f.from !== undefined ? `${sqlIdent(f.column)} >= ${sqlString(f.from)} AND ` : ''}` +
          `${sqlIdent(f.column)} <= ${sqlString(f.upTo)}`
        : ` WHERE ${sqlIdent(f.column)} IN (${f.values.map(sqlString).join(', ')})`;
    return `${sqlIdent(table)} AS (SELECT * FROM ${src.from}${where})`;
  });
  ctes.push(`"__query" AS (\n${sql}\n)`);
  const last = tail ? tail('"__query"') : 'SELECT * FROM "__query"';
  return `WITH ${ctes.join(',\n')}\n${last}`;
}

/**
 * `sql` with each table of `scope` shadowed by a CTE of the same name over the real table
 * (`qualify(table)`) filtered to `column IN (values)`. Used for saved queries run on a few dates.
 */
export function withScopedInputs(
  sql: string,
  scope: Readonly<Record<string, string>>,
  values: readonly string[],
  qualify: (table: string) => string,
): string {
  const inputs = Object.fromEntries(
    Object.entries(scope).map(([table, column]) => [
      table,
      { from: qualify(table), filter: { column, values } },
    ]),
  );
  return withInputs(sql, inputs);
}

/**
 * Where a model's inputs are read from during a build: by default the published table
 * (`qualify(table)`); `source` may redirect an input (e.g. to the staging table an earlier step
 * of the same run wrote).
 */
export type InputResolver = (table: string) => string | undefined;

/**
 * The model's query, restricted to `partitions` when given: every `scope` input is shadowed by
 * a CTE filtered to those values (a `cumulative` input: to values up to the newest of them, and
 * from `window_days` before the oldest when the model has a window), and the result is filtered
 * on the partition column, so a statement writes only what it was asked to. Inputs that
 * `resolve` redirects are shadowed too (filtered when scoped). Without `partitions` (a `table` build) and without redirects the query
 * is the model's own text.
 */
export function scopedQuery(
  model: Model,
  partitions: readonly string[] | undefined,
  qualify: (table: string) => string,
  resolve: InputResolver = () => undefined,
): string {
  const inputs: Record<string, InputSource> = {};
  if (partitions !== undefined) {
    if (!model.partitionedBy[0]) throw new Error(`${model.name} has no partition column`);
    if (partitions.length === 0) throw new Error(`${model.name}: no partitions to build`);
  }
  const sorted = partitions !== undefined ? [...partitions].sort() : undefined;
  const newest = sorted?.at(-1);
  const from =
    sorted && model.windowDays !== undefined ? daysBefore(sorted[0]!, model.windowDays) : undefined;
  for (const table of model.dependsOn) {
    const column = partitions !== undefined ? model.scope[table] : undefined;
    const upToColumn = newest !== undefined ? model.cumulative[table] : undefined;
    const redirected = resolve(table);
    if (column) {
      inputs[table] = {
        from: redirected ?? qualify(table),
        filter: { column, values: partitions! },
      };
    } else if (upToColumn) {
      inputs[table] = {
        from: redirected ?? qualify(table),
        filter: { column: upToColumn, upTo: newest!, ...(from !== undefined ? { from } : {}) },
      };
    } else if (redirected) {
      inputs[table] = { from: redirected };
    }
  }
  if (partitions === undefined) return withInputs(model.sql, inputs);
  const column = model.partitionedBy[0]!;
  const list = partitions.map(sqlString).join(', ');
  return withInputs(
    model.sql,
    inputs,
    (inner) => `SELECT * FROM ${inner} WHERE ${sqlIdent(column)} IN (${list})`,
  );
}

/** The date `days` days before `date` (both `YYYY-MM-DD`); throws for a value that is no date. */
export function daysBefore(date: string, days: number): string {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new Error(`window_days needs date partition values (YYYY-MM-DD), got '${date}'`);
  }
  return new Date(ms - days * 86_400_000).toISOString().slice(0, 10);
}
