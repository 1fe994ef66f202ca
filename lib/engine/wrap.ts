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
 * `sql` with each table of `scope` shadowed by a CTE of the same name over the real table
 * (`qualify(table)`) filtered to `column IN (values)`; the query reads the rest of its text
 * unchanged. Used for models and for saved queries run on a few dates.
 */
export function withScopedInputs(
  sql: string,
  scope: Readonly<Record<string, string>>,
  values: readonly string[],
  qualify: (table: string) => string,
  tail: (inner: string) => string = (inner) => `SELECT * FROM ${inner}`,
): string {
  const list = values.map(sqlString).join(', ');
  const ctes = Object.entries(scope).map(
    ([table, col]) =>
      `${sqlIdent(table)} AS (SELECT * FROM ${qualify(table)} WHERE ${sqlIdent(col)} IN (${list}))`,
  );
  ctes.push(`"__query" AS (\n${sql}\n)`);
  return `WITH ${ctes.join(',\n')}\n${tail('"__query"')}`;
}

/**
 * The model's query, restricted to `partitions` when given: every `scope` input is shadowed by
 * a CTE filtered to those values, and the result is filtered on the partition column, so a
 * statement writes only what it was asked to. Without `partitions` (a `table` build) the query
 * is the model's own text.
 */
export function scopedQuery(
  model: Model,
  partitions: readonly string[] | undefined,
  qualify: (table: string) => string,
): string {
  if (partitions === undefined) return model.sql;
  const column = model.partitionedBy[0];
  if (!column) throw new Error(`${model.name} has no partition column`);
  if (partitions.length === 0) throw new Error(`${model.name}: no partitions to build`);
  const list = partitions.map(sqlString).join(', ');
  return withScopedInputs(
    model.sql,
    model.scope,
    partitions,
    qualify,
    (inner) => `SELECT * FROM ${inner} WHERE ${sqlIdent(column)} IN (${list})`,
  );
}
