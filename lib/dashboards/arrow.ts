/**
 * A query result as Apache Arrow IPC (stream format), the wire format of the local dashboard's
 * panel data. Types are what a chart needs, not what the engine had: every number is a Float64
 * (counts fit exactly below 2^53; DECIMAL money becomes a double for drawing only), dates and
 * timestamps are UTC milliseconds, strings stay strings.
 */
import {
  Bool,
  Float64,
  Table,
  TimestampMillisecond,
  Utf8,
  tableToIPC,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import type { QueryResult } from '../engine/sql-engine.ts';

const NUMERIC =
  /^(tinyint|smallint|integer|int|bigint|hugeint|utinyint|usmallint|uinteger|ubigint|uhugeint|float|real|double|decimal)\b/;

/** `2026-11-19`, `2026-11-19 13:00:00`, `2026-11-19 13:00:00.5+00` → epoch ms (UTC). */
export function toEpochMs(v: string): number {
  let s = v.trim().replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00';
  // DuckDB prints a zone as +00 or +05:30; ISO needs +00:00.
  s = s.replace(/([+-]\d{2})$/, '$1:00');
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(s)) s += 'Z';
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`not a date or timestamp: ${v}`);
  return ms;
}

function column(type: string, values: unknown[]): Vector {
  const t = type.toLowerCase();
  const nullable = <T>(f: (v: unknown) => T) =>
    values.map((v) => (v === null || v === undefined ? null : f(v)));
  let arrowType: DataType;
  let data: unknown[];
  if (NUMERIC.test(t)) {
    arrowType = new Float64();
    data = nullable((v) => Number(v));
  } else if (t === 'date' || t.startsWith('timestamp')) {
    arrowType = new TimestampMillisecond('UTC');
    data = nullable((v) => toEpochMs(String(v)));
  } else if (t === 'boolean') {
    arrowType = new Bool();
    data = nullable((v) => Boolean(v));
  } else {
    arrowType = new Utf8();
    data = nullable((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
  }
  return vectorFromArray(data, arrowType);
}

/** The result as one Arrow IPC stream (schema, one record batch). */
export function toArrowIpc(result: QueryResult): Uint8Array {
  const vectors: Record<string, Vector> = {};
  for (const c of result.columns) {
    vectors[c.name] = column(
      c.type,
      result.rows.map((r) => r[c.name]),
    );
  }
  return tableToIPC(new Table(vectors), 'stream');
}
