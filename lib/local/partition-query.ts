/**
 * Firehose's dynamic-partitioning key extraction, locally.
 *
 * The JQ query comes from the synthesized template. jq itself (jq-wasm) is far too slow per
 * record for a million events (tens of records a second), so the query the stack deploys has a
 * native equivalent here, checked against real jq by `tests/unit/partition-query.test.ts`. Any
 * other query (someone edited the stack) runs through jq-wasm: slow, but never wrong.
 */
import { FIREHOSE_PARTITION_QUERY } from '../lake-layout.ts';

export type PartitionKeys = Record<string, string>;
/** Keys of one record, or the reason Firehose would route it to the error prefix. */
export type PartitionResult = { keys: PartitionKeys } | { error: string };

export interface Partitioner {
  /** True when the native equivalent is used; false when every record goes through jq. */
  readonly native: boolean;
  partition(records: readonly string[]): Promise<PartitionResult[]>;
}

// jq's regex (Oniguruma, Perl syntax): `$` also matches before a final newline.
const TS_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))\n?$/;
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Native evaluation of `FIREHOSE_PARTITION_QUERY` for one record. */
export function eventTimePartition(record: string): PartitionResult {
  let value: unknown;
  try {
    value = JSON.parse(record);
  } catch {
    return { error: 'Non JSON record provided' };
  }
  let ts: unknown = null;
  if (typeof value === 'object' && value !== null) {
    if (Array.isArray(value)) return { error: 'Cannot index array with "event_timestamp"' };
    ts = (value as Record<string, unknown>).event_timestamp ?? null;
  } else if (value !== null) {
    return { error: `Cannot index ${typeof value} with "event_timestamp"` };
  }
  if (typeof ts !== 'string')
    return {
      error: `${ts === null ? 'null' : typeof ts} cannot be matched, as it is not a string`,
    };
  const m = TS_RE.exec(ts);
  if (!m) return { error: 'partition key query returned no value' };
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(
    Number,
  ) as [number, number, number, number, number, number];
  // strptime("%Y-%m-%dT%H:%M:%SZ") range checks, as in jq's fromdateiso8601.
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return { error: `date "${ts}" does not match format "%Y-%m-%dT%H:%M:%SZ"` };
  }
  let epoch = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  if (m[7]) epoch -= (Number(m[8]) * 3600 + Number(m[9]) * 60) * (m[7] === '-' ? -1 : 1);
  const d = new Date(epoch * 1000);
  return {
    keys: {
      dt: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
      hour: pad(d.getUTCHours()),
    },
  };
}

/** Evaluates any JQ query with real jq (jq-wasm), one record at a time. */
export async function jqPartition(query: string, record: string): Promise<PartitionResult> {
  try {
    JSON.parse(record);
  } catch {
    return { error: 'Non JSON record provided' };
  }
  const jq = await import('jq-wasm');
  let out: string;
  try {
    out = await jq.raw(record, `[try (${query})][0]`, ['-c']);
  } catch (err) {
    return { error: (err as Error).message };
  }
  const value: unknown = JSON.parse(out.trim() || 'null');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'partition key query returned no object' };
  }
  const keys: PartitionKeys = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || typeof v === 'object') return { error: `partition key ${k} is not a scalar` };
    keys[k] = String(v);
  }
  return { keys };
}

export function createPartitioner(query: string): Partitioner {
  if (query === FIREHOSE_PARTITION_QUERY) {
    return { native: true, partition: async (records) => records.map(eventTimePartition) };
  }
  return {
    native: false,
    partition: async (records) => {
      const out: PartitionResult[] = [];
      for (const r of records) out.push(await jqPartition(query, r));
      return out;
    },
  };
}
