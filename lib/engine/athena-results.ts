/**
 * Turns Athena `GetQueryResults` pages into the engine-neutral `QueryResult` shape.
 *
 * Athena returns every value as a string (`Datum.VarCharValue`, absent for NULL). Values are
 * converted by the column's type:
 *
 * - `tinyint`, `smallint`, `integer`, `bigint` → number; a `bigint` outside ±(2^53 − 1) stays a
 *   string so that no digit is lost.
 * - `double`, `real`, `float` → number; `NaN` and `±Infinity` stay strings (they are not JSON).
 * - `boolean` → boolean.
 * - `decimal(p,s)` → string, exactly as Athena prints it (a JS number would round it).
 * - everything else (`varchar`, `date`, `timestamp`, `array`, `map`, `row`, `json`, …) → the
 *   string Athena prints.
 */
import type { ColumnInfo as AthenaColumnInfo, Row } from '@aws-sdk/client-athena';
import type { ColumnInfo } from './sql-engine.ts';

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['double', 'real', 'float']);

/** The column's type name, lowercased; a decimal carries its precision and scale. */
export function columnType(info: AthenaColumnInfo): string {
  const type = (info.Type ?? 'varchar').toLowerCase();
  if (type === 'decimal' && info.Precision !== undefined) {
    return `decimal(${info.Precision},${info.Scale ?? 0})`;
  }
  return type;
}

export function toColumns(infos: readonly AthenaColumnInfo[]): ColumnInfo[] {
  return infos.map((c, i) => ({ name: c.Name ?? c.Label ?? `_col${i}`, type: columnType(c) }));
}

/** One value, converted by its (lowercased) column type; `undefined` (no VarCharValue) is NULL. */
export function convertValue(type: string, value: string | undefined): unknown {
  if (value === undefined) return null;
  const base = type.replace(/\(.*$/, '').trim();
  if (INTEGER_TYPES.has(base)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (FLOAT_TYPES.has(base)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  if (base === 'boolean') return value === 'true';
  return value;
}

/**
 * Whether `row` is the header Athena puts first in the first page of a SELECT's results: its
 * values are the column names (or labels).
 */
export function isHeaderRow(row: Row | undefined, infos: readonly AthenaColumnInfo[]): boolean {
  const data = row?.Data;
  if (!data || data.length !== infos.length || infos.length === 0) return false;
  return data.every(
    (d, i) =>
      d.VarCharValue !== undefined &&
      (d.VarCharValue === infos[i]!.Name || d.VarCharValue === infos[i]!.Label),
  );
}

export function toRowObjects(
  rows: readonly Row[],
  columns: readonly ColumnInfo[],
): Record<string, unknown>[] {
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      out[c.name] = convertValue(c.type, row.Data?.[i]?.VarCharValue);
    });
    return out;
  });
}
