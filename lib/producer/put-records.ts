/**
 * PutRecords with retries of exactly the records Kinesis reports as failed.
 *
 * PutRecords is not atomic: a call can succeed for some records and fail others
 * (`ProvisionedThroughputExceededException`, `InternalFailure`). Only those are sent again,
 * after an exponential backoff with full jitter, so nothing is lost and nothing already accepted
 * is sent twice. When the retry budget runs out the call fails loudly with counts.
 */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { batchForPutRecords, type PackedRecord } from './pack.ts';

export interface RetryOptions {
  maxRetries: number;
  retryBaseMs: number;
  /** Upper bound of one backoff delay. */
  retryMaxMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface PutStats {
  records: number;
  lines: number;
  bytes: number;
  calls: number;
  /** Records sent again after Kinesis reported them failed. */
  retriedRecords: number;
  /** Failed-record counts by Kinesis error code, over all attempts. */
  errorCodes: Record<string, number>;
}

export class PutRecordsError extends Error {
  override readonly name = 'PutRecordsError';
  constructor(
    message: string,
    readonly failedRecords: number,
    readonly failedLines: number,
    readonly stats: PutStats,
  ) {
    super(message);
  }
}

export function emptyPutStats(): PutStats {
  return { records: 0, lines: 0, bytes: 0, calls: 0, retriedRecords: 0, errorCodes: {} };
}

export function mergePutStats(into: PutStats, add: PutStats): PutStats {
  into.records += add.records;
  into.lines += add.lines;
  into.bytes += add.bytes;
  into.calls += add.calls;
  into.retriedRecords += add.retriedRecords;
  for (const [k, v] of Object.entries(add.errorCodes))
    into.errorCodes[k] = (into.errorCodes[k] ?? 0) + v;
  return into;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^attempt)). */
export function backoffMs(attempt: number, opts: RetryOptions): number {
  const cap = Math.min(opts.retryMaxMs ?? 10_000, opts.retryBaseMs * 2 ** attempt);
  return Math.floor((opts.random ?? Math.random)() * cap);
}

/**
 * Sends records to the stream in PutRecords calls (at most `concurrency` in flight); resolves
 * when every record is accepted. When a call still has failed records after `maxRetries`, no new
 * call is started, the calls in flight finish, and a `PutRecordsError` reports what was accepted
 * and what was not (never sent included).
 */
export async function putRecordsWithRetry(
  client: KinesisClient,
  streamName: string,
  records: readonly PackedRecord[],
  opts: RetryOptions & { callMaxBytes?: number; concurrency?: number },
): Promise<PutStats> {
  const stats = emptyPutStats();
  const sleep = opts.sleep ?? defaultSleep;
  const calls = batchForPutRecords(records, opts.callMaxBytes);
  const unsent: PackedRecord[] = [];
  let next = 0;
  let failedForGood: PackedRecord[] | null = null;

  const sendCall = async (call: PackedRecord[]): Promise<PackedRecord[]> => {
    let pending = call;
    for (let attempt = 0; ; attempt++) {
      stats.calls++;
      let failed: PackedRecord[];
      try {
        const out = await client.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: pending.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
          }),
        );
        const results = out.Records ?? [];
        if (results.length !== pending.length) {
          throw new Error(
            `PutRecords answered ${results.length} results for ${pending.length} records`,
          );
        }
        failed = [];
        results.forEach((res, i) => {
          if (res.ErrorCode) {
            failed.push(pending[i]!);
            stats.errorCodes[res.ErrorCode] = (stats.errorCodes[res.ErrorCode] ?? 0) + 1;
          }
        });
      } catch (err) {
        // The whole call failed (the SDK has already retried throttling and network errors):
        // nothing in it is known to be accepted, so every record is pending again.
        const code = (err as { name?: string }).name ?? 'Error';
        stats.errorCodes[code] = (stats.errorCodes[code] ?? 0) + pending.length;
        failed = [...pending];
      }
      const failedSet = new Set(failed);
      for (const r of pending) {
        if (!failedSet.has(r)) {
          stats.records++;
          stats.lines += r.lines;
          stats.bytes += r.data.byteLength;
        }
      }
      if (failed.length === 0) return [];
      if (attempt >= opts.maxRetries) return failed;
      stats.retriedRecords += failed.length;
      pending = failed;
      await sleep(backoffMs(attempt, opts));
    }
  };

  const worker = async () => {
    while (next < calls.length) {
      const call = calls[next++]!;
      if (failedForGood) {
        unsent.push(...call);
        continue;
      }
      const failed = await sendCall(call);
      if (failed.length) failedForGood = [...(failedForGood ?? []), ...failed];
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 1, calls.length)) }, worker),
  );

  if (failedForGood) {
    const failed: PackedRecord[] = failedForGood;
    const lines = failed.reduce((n, r) => n + r.lines, 0);
    const unsentLines = unsent.reduce((n, r) => n + r.lines, 0);
    const codes = Object.entries(stats.errorCodes)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    throw new PutRecordsError(
      `PutRecords to ${streamName}: ${failed.length} records (${lines} events) still failing ` +
        `after ${opts.maxRetries} retries${unsent.length ? `, ${unsent.length} records (${unsentLines} events) not sent` : ''}; ` +
        `${stats.records} records (${stats.lines} events) were accepted; errors: ${codes}`,
      failed.length + unsent.length,
      lines + unsentLines,
      stats,
    );
  }
  return stats;
}
