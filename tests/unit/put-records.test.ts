import {
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandInput,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { packRecords } from '../../lib/producer/pack.ts';
import { PutRecordsError, backoffMs, putRecordsWithRetry } from '../../lib/producer/put-records.ts';

const kinesisMock = mockClient(KinesisClient);
afterEach(() => kinesisMock.reset());

/** A stand-in stream that rejects records by a rule and keeps what it accepts. */
function flakyStream(reject: (attempt: number, index: number) => string | null) {
  const accepted: string[] = [];
  let attempt = 0;
  kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
    const a = attempt++;
    const Records = input.Records!.map((r, i) => {
      const code = reject(a, i);
      if (code) return { ErrorCode: code, ErrorMessage: 'Rate exceeded' };
      accepted.push(...Buffer.from(r.Data!).toString('utf8').split('\n'));
      return { SequenceNumber: `${a}-${i}`, ShardId: 'shardId-000000000000' };
    });
    return { FailedRecordCount: Records.filter((r) => 'ErrorCode' in r).length, Records };
  });
  return accepted;
}

const lines = Array.from({ length: 3000 }, (_, i) =>
  JSON.stringify({ event_id: `e${i}`, session_id: `s${i % 101}` }),
);
const noSleep = async () => {};

describe('putRecordsWithRetry', () => {
  it('retries only the failed records: every event lands exactly once', async () => {
    const accepted = flakyStream((attempt, i) =>
      attempt < 3 && i % 3 === attempt % 3 ? 'ProvisionedThroughputExceededException' : null,
    );
    const records = packRecords(lines, { recordMaxBytes: 600 });
    const stats = await putRecordsWithRetry(new KinesisClient({}), 's', records, {
      maxRetries: 5,
      retryBaseMs: 1,
      sleep: noSleep,
    });
    expect([...accepted].sort()).toEqual([...lines].sort());
    expect(new Set(accepted).size).toBe(lines.length);
    expect(stats.lines).toBe(lines.length);
    expect(stats.records).toBe(records.length);
    expect(stats.retriedRecords).toBeGreaterThan(0);
    expect(stats.errorCodes.ProvisionedThroughputExceededException).toBe(stats.retriedRecords);
    // Retries resend only what failed: each call after the first carries fewer records.
    const sizes = kinesisMock
      .commandCalls(PutRecordsCommand)
      .map((c) => c.args[0].input.Records!.length);
    expect(sizes.slice(1).every((n) => n < sizes[0]!)).toBe(true);
  });

  it('fails loudly with counts when records keep failing', async () => {
    const accepted = flakyStream((_a, i) => (i === 0 ? 'InternalFailure' : null));
    const records = packRecords(lines.slice(0, 50), { recordMaxBytes: 300 });
    const err = await putRecordsWithRetry(new KinesisClient({}), 'stream-x', records, {
      maxRetries: 2,
      retryBaseMs: 1,
      sleep: noSleep,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PutRecordsError);
    const e = err as PutRecordsError;
    expect(e.failedRecords).toBe(1);
    expect(e.message).toMatch(/stream-x: 1 records \(\d+ events\) still failing after 2 retries/);
    expect(e.message).toMatch(/InternalFailure=3/);
    expect(accepted.length + e.failedLines).toBe(50);
  });

  it('treats a failed call as all records pending, then succeeds', async () => {
    let calls = 0;
    const accepted: string[] = [];
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      if (calls++ === 0) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      accepted.push(...input.Records!.flatMap((r) => Buffer.from(r.Data!).toString().split('\n')));
      return {
        FailedRecordCount: 0,
        Records: input.Records!.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
      };
    });
    const stats = await putRecordsWithRetry(
      new KinesisClient({}),
      's',
      packRecords(lines.slice(0, 10), { recordMaxBytes: 5000 }),
      {
        maxRetries: 1,
        retryBaseMs: 1,
        sleep: noSleep,
      },
    );
    expect(accepted.sort()).toEqual(lines.slice(0, 10).sort());
    expect(stats.errorCodes.TimeoutError).toBeGreaterThan(0);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const opts = { maxRetries: 10, retryBaseMs: 100, retryMaxMs: 1000 };
    expect(backoffMs(0, { ...opts, random: () => 0.999 })).toBe(99);
    expect(backoffMs(3, { ...opts, random: () => 0.5 })).toBe(400);
    expect(backoffMs(9, { ...opts, random: () => 0.999 })).toBe(999);
    expect(backoffMs(2, { ...opts, random: () => 0 })).toBe(0);
  });
});
