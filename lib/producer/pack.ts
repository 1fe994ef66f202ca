/**
 * Packs NDJSON lines into Kinesis records and records into PutRecords calls.
 *
 * Firehose de-aggregates each record on "\n" (at most 500 sub-records a record), so packing
 * many events per record cuts Kinesis PUT units and Firehose's per-record 5 KB rounding. Lines of
 * one session share a partition key so the session stays on one shard, in order.
 */

/** Firehose de-aggregates at most this many sub-records from one record. */
export const MAX_SUB_RECORDS = 500;
/** PutRecords limits. */
export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
/** Kinesis limit for one record's data plus partition key. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface PackedRecord {
  partitionKey: string;
  data: Buffer;
  /** Lines (events) in this record. */
  lines: number;
}

export interface PackOptions {
  /** Target upper bound of one record's data, bytes (a longer single line gets its own record). */
  recordMaxBytes: number;
  /** Number of partition-key buckets sessions are hashed into. */
  buckets?: number;
}

const SESSION_RE = /"session_id"\s*:\s*"([^"]*)"/;

/** FNV-1a 32-bit: a stable, fast string hash (not for security). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The partition key of a line: its session's bucket. Lines without a readable session id
 * (malformed JSON, missing field) hash on the whole line, which spreads them evenly.
 */
export function partitionKeyOf(line: string, buckets: number): string {
  const m = SESSION_RE.exec(line);
  return `b${fnv1a(m ? m[1]! : line) % buckets}`;
}

/**
 * Packs lines into records: lines are grouped by partition key, then joined with "\n" until the
 * next line would pass `recordMaxBytes` or `MAX_SUB_RECORDS`. Every line lands in exactly one
 * record; line order within a partition key is kept.
 */
export function packRecords(lines: readonly string[], opts: PackOptions): PackedRecord[] {
  const buckets = opts.buckets ?? 64;
  const maxBytes = Math.min(opts.recordMaxBytes, MAX_RECORD_BYTES - 256);
  const groups = new Map<string, string[]>();
  for (const line of lines) {
    if (line.length === 0) continue;
    const key = partitionKeyOf(line, buckets);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(line);
  }
  const records: PackedRecord[] = [];
  for (const [partitionKey, group] of groups) {
    let parts: string[] = [];
    let bytes = 0;
    const flush = () => {
      if (parts.length === 0) return;
      records.push({
        partitionKey,
        data: Buffer.from(parts.join('\n'), 'utf8'),
        lines: parts.length,
      });
      parts = [];
      bytes = 0;
    };
    for (const line of group) {
      const len = Buffer.byteLength(line, 'utf8');
      if (len + 1 > maxBytes) {
        throw new RangeError(
          `one event line is ${len} bytes, more than a Kinesis record can carry (${maxBytes})`,
        );
      }
      if (parts.length > 0 && (bytes + 1 + len > maxBytes || parts.length >= MAX_SUB_RECORDS)) {
        flush();
      }
      bytes += (parts.length > 0 ? 1 : 0) + len;
      parts.push(line);
    }
    flush();
  }
  return records;
}

/**
 * Splits records into PutRecords calls of at most 500 records and `maxBytes` (data + keys; the
 * API allows 5 MiB).
 */
export function batchForPutRecords<T extends { partitionKey: string; data: Uint8Array }>(
  records: readonly T[],
  maxBytes = MAX_BYTES_PER_CALL,
): T[][] {
  const limit = Math.min(maxBytes, MAX_BYTES_PER_CALL);
  const calls: T[][] = [];
  let call: T[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = r.data.byteLength + Buffer.byteLength(r.partitionKey);
    if (call.length > 0 && (call.length >= MAX_RECORDS_PER_CALL || bytes + size > limit)) {
      calls.push(call);
      call = [];
      bytes = 0;
    }
    call.push(r);
    bytes += size;
  }
  if (call.length > 0) calls.push(call);
  return calls;
}
