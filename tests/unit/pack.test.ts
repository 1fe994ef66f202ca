import { describe, expect, it } from 'vitest';
import {
  MAX_BYTES_PER_CALL,
  MAX_RECORDS_PER_CALL,
  MAX_SUB_RECORDS,
  batchForPutRecords,
  packRecords,
  partitionKeyOf,
} from '../../lib/producer/pack.ts';

const line = (session: string, i: number, pad = 0) =>
  JSON.stringify({ event_id: `e${i}`, session_id: session, note: 'x'.repeat(pad) });

describe('packRecords', () => {
  it('keeps every line exactly once, in order per session, within the size bound', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => line(`s${i % 37}`, i, i % 50));
    const records = packRecords(lines, { recordMaxBytes: 2000 });
    const out = records.flatMap((r) => r.data.toString('utf8').split('\n'));
    expect(out.sort()).toEqual([...lines].sort());
    for (const r of records) {
      expect(r.data.byteLength).toBeLessThanOrEqual(2000);
      expect(r.lines).toBe(r.data.toString().split('\n').length);
    }
    // Order within a session is the input order.
    const s5 = out.filter((l) => l.includes('"s5"'));
    const orderOf = (l: string) => Number(/"e(\d+)"/.exec(l)![1]);
    const inOrder = records
      .flatMap((r) => r.data.toString().split('\n'))
      .filter((l) => l.includes('"session_id":"s5"'))
      .map(orderOf);
    expect(inOrder).toEqual([...inOrder].sort((a, b) => a - b));
    expect(s5.length).toBeGreaterThan(0);
  });

  it('puts all lines of a session under one partition key', () => {
    const lines = Array.from({ length: 300 }, (_, i) => line(`sess-${i % 7}`, i));
    const records = packRecords(lines, { recordMaxBytes: 500 });
    const keyOfSession = new Map<string, Set<string>>();
    for (const r of records) {
      for (const l of r.data.toString().split('\n')) {
        const s = JSON.parse(l).session_id as string;
        if (!keyOfSession.has(s)) keyOfSession.set(s, new Set());
        keyOfSession.get(s)!.add(r.partitionKey);
      }
    }
    for (const keys of keyOfSession.values()) expect(keys.size).toBe(1);
  });

  it('caps sub-records at what Firehose de-aggregates (500)', () => {
    const lines = Array.from({ length: 1200 }, (_, i) => `{"session_id":"one","i":${i}}`);
    const records = packRecords(lines, { recordMaxBytes: 1_000_000 });
    expect(records.map((r) => r.lines)).toEqual([MAX_SUB_RECORDS, MAX_SUB_RECORDS, 200]);
  });

  it('sends malformed lines too, keyed by their content', () => {
    const bad = '{"event_id": "x", "sess';
    const records = packRecords([bad], { recordMaxBytes: 1000 });
    expect(records[0]!.data.toString()).toBe(bad);
    expect(partitionKeyOf(bad, 64)).toMatch(/^b\d+$/);
  });

  it('rejects a single line larger than a Kinesis record can carry', () => {
    expect(() =>
      packRecords(['{"a":"' + 'x'.repeat(2_000_000) + '"}'], { recordMaxBytes: 25_000 }),
    ).toThrow(/more than a Kinesis record can carry/);
  });
});

describe('batchForPutRecords', () => {
  it('respects 500 records and 5 MiB per call', () => {
    const small = Array.from({ length: 1234 }, (_, i) => ({
      partitionKey: `k${i}`,
      data: Buffer.alloc(10),
    }));
    expect(batchForPutRecords(small).map((c) => c.length)).toEqual([500, 500, 234]);
    const big = Array.from({ length: 30 }, (_, i) => ({
      partitionKey: `k${i}`,
      data: Buffer.alloc(1_000_000),
    }));
    const calls = batchForPutRecords(big);
    for (const c of calls) {
      expect(c.length).toBeLessThanOrEqual(MAX_RECORDS_PER_CALL);
      expect(
        c.reduce((n, r) => n + r.data.byteLength + r.partitionKey.length, 0),
      ).toBeLessThanOrEqual(MAX_BYTES_PER_CALL);
    }
    expect(calls.flat()).toHaveLength(30);
  });
});
