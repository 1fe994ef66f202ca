import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import {
  chunkByArrival,
  deaggregate,
  evaluatePrefix,
  EventClock,
  eventTimeOf,
  formatTimestamp,
  LocalDelivery,
} from '../../lib/local/delivery.ts';
import { FsLake } from '../../lib/local/fs-lake.ts';
import {
  FIREHOSE_ERROR_PREFIX,
  FIREHOSE_EVENTS_PREFIX,
  FIREHOSE_EVENTS_PREFIX_ARRIVAL,
  FIREHOSE_PARTITION_QUERY,
} from '../../lib/lake-layout.ts';
import type { FirehoseSettings } from '../../lib/stack/firehose-settings.ts';

const at = Date.UTC(2026, 10, 22, 7, 5, 9);

describe('Firehose prefix expressions', () => {
  it('fills partition keys from the query', () => {
    expect(
      evaluatePrefix(FIREHOSE_EVENTS_PREFIX, {
        keys: { dt: '2026-11-20', hour: '21' },
        arrivalMs: at,
      }),
    ).toBe('bronze/events/dt=2026-11-20/hour=21/');
  });
  it('fills arrival timestamps and the error output type', () => {
    expect(evaluatePrefix(FIREHOSE_EVENTS_PREFIX_ARRIVAL, { arrivalMs: at })).toBe(
      'bronze/events/dt=2026-11-22/hour=07/',
    );
    expect(
      evaluatePrefix(FIREHOSE_ERROR_PREFIX, {
        arrivalMs: at,
        errorOutputType: 'processing-failed',
      }),
    ).toBe('bronze/_errors/processing-failed/dt=2026-11-22/');
  });
  it('refuses a prefix it cannot evaluate rather than writing a wrong key', () => {
    expect(() => evaluatePrefix('x/!{partitionKeyFromQuery:dt}/', { arrivalMs: at })).toThrow(
      /partition key dt/,
    );
    expect(() => evaluatePrefix('x/!{unknown:thing}/', { arrivalMs: at })).toThrow(/unsupported/);
  });
  it('formats Java-style patterns in UTC', () => {
    expect(formatTimestamp('yyyy-MM-dd-HH-mm-ss', at)).toBe('2026-11-22-07-05-09');
  });
});

describe('DELIMITED de-aggregation', () => {
  const nl = Buffer.from('\n');
  it('splits on the delimiter and keeps bytes as they are', () => {
    const data = Buffer.concat([
      Buffer.from('{"a":1}\n'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\n{"b":2}'),
    ]);
    const parts = deaggregate(data, nl);
    expect(parts).toHaveLength(3);
    expect(parts[1]).toEqual(Buffer.from([0xff, 0xfe]));
    expect(parts[2]!.toString()).toBe('{"b":2}');
  });
  it('does not invent an empty record after a trailing delimiter', () => {
    expect(deaggregate(Buffer.from('a\nb\n'), nl).map(String)).toEqual(['a', 'b']);
  });
});

describe('delivery temp buffers', () => {
  it('sweeps the buffers of dead processes and keeps live ones', async () => {
    const { mkdtempSync, mkdirSync, existsSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { FsLake } = await import('../../lib/local/fs-lake.ts');
    const { deliveryTmpDir, sweepStaleTmpDirs } = await import('../../lib/local/delivery.ts');
    const lake = new FsLake(join(mkdtempSync(join(tmpdir(), 'lakehouse-sweep-')), 'lake'));
    const dead = deliveryTmpDir(lake, 2 ** 22 + 12345); // above Linux's pid_max default
    const live = deliveryTmpDir(lake, process.ppid);
    for (const d of [dead, live, deliveryTmpDir(lake)]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'x.part'), 'partial');
    }
    await sweepStaleTmpDirs(lake);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(deliveryTmpDir(lake))).toBe(true);
  });
});

describe('the events arrival clock', () => {
  const line = (ts: string, extra = '') =>
    `{"event_id":"e","event_type":"page_view","event_timestamp":"${ts}"${extra}}`;
  const ms = (iso: string) => Date.parse(iso);

  it('reads event_timestamp by text search, offsets included, and nothing else', () => {
    expect(eventTimeOf(line('2026-11-20T10:00:00.000+02:00'))).toBe(ms('2026-11-20T08:00:00Z'));
    expect(eventTimeOf('{"event_timestamp" : "2026-11-20T08:00:00Z"}')).toBe(
      ms('2026-11-20T08:00:00Z'),
    );
    for (const bad of [
      '{"event_id":"e"}',
      line('2026-11-20'),
      line('Nov 20 2026 10:00:00'),
      '{"event_timestamp":1795161600000}',
      '{"event_timestamp":"2026-11-2',
    ]) {
      expect(eventTimeOf(bad), bad).toBeNaN();
    }
  });

  it('follows the newest event time, never goes back, ignores future and unreadable lines', () => {
    const clock = new EventClock(ms('2026-11-21T00:00:00Z'));
    expect(clock.now).toBe(Number.NEGATIVE_INFINITY);
    expect(clock.observe(line('2026-11-20T10:00:00Z'))).toBe(ms('2026-11-20T10:00:00Z'));
    expect(clock.observe(line('2026-11-20T10:00:01.500+00:00'))).toBe(
      ms('2026-11-20T10:00:01.500Z'),
    );
    // A late line (its event two hours ago) and a duplicate do not move the clock back.
    expect(clock.observe(line('2026-11-20T08:00:00Z'))).toBe(ms('2026-11-20T10:00:01.500Z'));
    // A future-dated line (after the ceiling) does not move it forward; malformed lines neither.
    expect(clock.observe(line('2026-12-01T00:00:00Z'))).toBe(ms('2026-11-20T10:00:01.500Z'));
    expect(clock.observe('{"event_id":"e","event_ti')).toBe(ms('2026-11-20T10:00:01.500Z'));
    expect(clock.observe(line('2026-11-20T10:05:00+01:00'))).toBe(ms('2026-11-20T10:00:01.500Z'));
    expect(clock.observe(line('2026-11-20T10:05:00Z'))).toBe(ms('2026-11-20T10:05:00Z'));
  });

  it('cuts a replay into producer ticks, each put at the clock after its last line', () => {
    const clock = new EventClock(ms('2026-11-21T00:00:00Z'));
    const lines = [
      'not json', // before any event time: joins the first batch
      line('2026-11-20T10:01:00Z'),
      line('2026-11-20T10:04:59Z'),
      line('2026-11-20T09:00:00Z'), // late
      line('2026-11-20T10:05:00Z'), // the next 5-minute tick
      line('2026-11-22T00:00:00Z'), // future: stays in this tick
      line('2026-11-20T10:06:00Z'),
      line('2026-11-20T10:20:00Z'),
    ];
    const batches = [...chunkByArrival([lines.slice(0, 3), lines.slice(3)], clock, 300_000, 10)];
    expect(batches.map((b) => b.lines.length)).toEqual([4, 3, 1]);
    expect(batches.map((b) => new Date(b.arrivalMs).toISOString())).toEqual([
      '2026-11-20T10:04:59.000Z',
      '2026-11-20T10:06:00.000Z',
      '2026-11-20T10:20:00.000Z',
    ]);
    expect(batches.flatMap((b) => b.lines)).toEqual(lines);
    // At most `maxLines` a batch, even within one tick.
    const small = [...chunkByArrival([lines], new EventClock(Infinity), 300_000, 2)];
    expect(small.every((b) => b.lines.length <= 2)).toBe(true);
    expect(small.flatMap((b) => b.lines)).toEqual(lines);
  });
});

/** An in-memory Kinesis with the three calls the delivery makes. */
function fakeKinesis(shards: string[]) {
  const records = new Map<string, _Record[]>(shards.map((s) => [s, []]));
  let seq = 10n ** 20n;
  const client = {
    send: async (cmd: unknown) => {
      if (cmd instanceof ListShardsCommand)
        return { Shards: shards.map((ShardId) => ({ ShardId })) };
      if (cmd instanceof GetShardIteratorCommand)
        return { ShardIterator: `${cmd.input.ShardId}|0` };
      if (cmd instanceof GetRecordsCommand) {
        const [shard, pos] = cmd.input.ShardIterator!.split('|') as [string, string];
        const out = records.get(shard)!.slice(Number(pos), Number(pos) + (cmd.input.Limit ?? 1e4));
        return { Records: out, NextShardIterator: `${shard}|${Number(pos) + out.length}` };
      }
      throw new Error('unexpected command');
    },
  };
  return {
    client: client as unknown as KinesisClient,
    /** Puts one record of these lines on `shard` at wall time `at`; returns its sequence number. */
    put(shard: string, lines: string[], at = Date.now()): string {
      const SequenceNumber = String(seq++);
      records.get(shard)!.push({
        Data: Buffer.from(lines.join('\n')),
        SequenceNumber,
        PartitionKey: 'b0',
        ApproximateArrivalTimestamp: new Date(at),
      });
      return SequenceNumber;
    },
  };
}

describe('LocalDelivery arrival clocks', () => {
  const settings: FirehoseSettings = {
    deliveryStreamName: 's',
    prefix: FIREHOSE_EVENTS_PREFIX,
    errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
    compression: 'GZIP',
    bufferSeconds: 60,
    bufferMiB: 64,
    dynamicPartitioning: true,
    deaggregation: { type: 'DELIMITED', delimiter: '\n' },
    metadataQuery: FIREHOSE_PARTITION_QUERY,
    appendDelimiter: '\n',
    fileExtension: null,
  };
  const ev = (id: string, ts: string) => `{"event_id":"${id}","event_timestamp":"${ts}"}`;

  /** Every object under `prefix`: key → its lines. */
  function objects(root: string, prefix: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const dir = join(root, prefix);
    if (!existsSync(dir)) return out;
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const file = join(e.parentPath, e.name);
      const text = gunzipSync(readFileSync(file)).toString();
      out.set(relative(root, file), text.trimEnd().split('\n'));
    }
    return out;
  }
  /** The arrival in an object's name, as ISO. */
  const arrivalOf = (key: string) => {
    const m = /-1-(\d{4}-\d{2}-\d{2})-(\d{2})-(\d{2})-(\d{2})-[0-9a-f-]{36}\.gz$/.exec(key)!;
    return `${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`;
  };
  const lakeDir = () => join(mkdtempSync(join(tmpdir(), 'lakehouse-delivery-')), 'lake');

  it('events: a record arrives when its batch was put, never earlier than one before it', async () => {
    const kinesis = fakeKinesis(['shard-0', 'shard-1']);
    const root = lakeDir();
    const delivery = new LocalDelivery({
      kinesis: kinesis.client,
      streamName: 's',
      settings,
      lake: new FsLake(root),
      arrivalClock: 'events',
    });
    await delivery.start();
    // Batch 0, put at 10:04:59 (simulated): on-time lines on both shards, and a late one.
    const a = kinesis.put('shard-0', [
      ev('a1', '2026-11-20T10:01:00Z'),
      ev('a2', '2026-11-20T10:04:59Z'),
    ]);
    const b = kinesis.put('shard-1', [
      ev('b1', '2026-11-20T10:03:00Z'),
      ev('late', '2026-11-20T08:10:00Z'),
    ]);
    // Read before the batch is declared: nothing is delivered, the records wait.
    await delivery.pollOnce();
    expect(delivery.stats.landed).toBe(0);
    delivery.tick(Date.parse('2026-11-20T10:04:59Z'), { 'shard-0': a, 'shard-1': b });
    // Batch 1, 10 s later (same buffers), with a malformed line.
    const c = kinesis.put('shard-0', [ev('c1', '2026-11-20T10:05:09Z'), '{"event_id":"bad"']);
    delivery.tick(Date.parse('2026-11-20T10:05:09Z'), { 'shard-0': c });
    // Batch 2 declares an older time (it cannot go back) and comes 10 min after batch 0.
    const d = kinesis.put('shard-1', [ev('d1', '2026-11-20T10:15:00Z')]);
    delivery.tick(Date.parse('2026-11-20T10:20:00Z'), { 'shard-1': d });
    const e = kinesis.put('shard-0', [ev('e1', '2026-11-20T10:16:00Z')]);
    delivery.tick(Date.parse('2026-11-20T10:16:00Z'), { 'shard-0': e });
    await delivery.drain();

    const events = objects(root, 'bronze/events');
    const byArrival = [...events].map(([k, lines]) => [
      k.slice(0, k.lastIndexOf('/')),
      arrivalOf(k),
      lines.map((l) => (JSON.parse(l) as { event_id: string }).event_id).sort(),
    ]);
    expect(byArrival.sort()).toEqual([
      // The late line arrives with its batch, two hours after it happened.
      ['bronze/events/dt=2026-11-20/hour=08', '2026-11-20T10:04:59Z', ['late']],
      // Batches 10 s apart share one buffer, named after its first record.
      ['bronze/events/dt=2026-11-20/hour=10', '2026-11-20T10:04:59Z', ['a1', 'a2', 'b1', 'c1']],
      // 10:20 and then 10:16 (the clock stays at 10:20): a new buffer, both in it.
      ['bronze/events/dt=2026-11-20/hour=10', '2026-11-20T10:20:00Z', ['d1', 'e1']],
    ]);
    const errors = objects(root, 'bronze/_errors');
    expect([...errors.keys()].map((k) => k.slice(0, k.lastIndexOf('/')))).toEqual([
      'bronze/_errors/processing-failed/dt=2026-11-20',
    ]);
    const doc = JSON.parse([...errors.values()][0]![0]!) as Record<string, number>;
    expect(doc.arrivalTimestamp).toBe(Date.parse('2026-11-20T10:05:09Z'));
    expect(doc.attemptEndingTimestamp).toBe(Date.parse('2026-11-20T10:05:09Z'));
    expect(delivery.stats).toMatchObject({ records: 5, landed: 7, errors: 1, objects: 4 });
  });

  it('events: waits for a shard read ahead of another, so batches are delivered in order', async () => {
    const kinesis = fakeKinesis(['shard-0', 'shard-1']);
    const root = lakeDir();
    const delivery = new LocalDelivery({
      kinesis: kinesis.client,
      streamName: 's',
      settings,
      lake: new FsLake(root),
      arrivalClock: 'events',
      getRecordsLimit: 2,
    });
    await delivery.start();
    // Shard 1 holds three records of batch 0; shard 0 one of batch 0 and one of batch 1.
    const s1 = ['x1', 'x2', 'x3'].map((id) =>
      kinesis.put('shard-1', [ev(id, '2026-11-20T10:00:00Z')]),
    );
    const s0 = kinesis.put('shard-0', [ev('y1', '2026-11-20T10:00:00Z')]);
    delivery.tick(Date.parse('2026-11-20T10:00:00Z'), { 'shard-0': s0, 'shard-1': s1[2]! });
    const late = kinesis.put('shard-0', [ev('z1', '2026-11-20T10:30:00Z')]);
    delivery.tick(Date.parse('2026-11-20T10:30:00Z'), { 'shard-0': late });
    // One round reads 2 records a shard: shard 1 has not given all of batch 0 yet, so nothing
    // is delivered (batch 1, read whole on shard 0, must not arrive before the rest of batch 0).
    await delivery.pollOnce();
    expect(delivery.stats.landed).toBe(0);
    await delivery.pollOnce();
    expect(delivery.stats.landed).toBe(5);
    await delivery.drain();
    const names = [...objects(root, 'bronze/events')].map(([k, l]) => [arrivalOf(k), l.length]);
    expect(names.sort()).toEqual([
      ['2026-11-20T10:00:00Z', 4],
      ['2026-11-20T10:30:00Z', 1],
    ]);
  });

  it('stream: arrival is the Kinesis timestamp and buffers run on the wall clock, as before', async () => {
    const kinesis = fakeKinesis(['shard-0']);
    const root = lakeDir();
    let wall = Date.parse('2026-11-22T07:05:09Z');
    const delivery = new LocalDelivery({
      kinesis: kinesis.client,
      streamName: 's',
      settings,
      lake: new FsLake(root),
      now: () => wall,
    });
    await delivery.start();
    kinesis.put('shard-0', [ev('a', '2026-11-20T10:00:00Z')], wall);
    kinesis.put('shard-0', [ev('b', '2026-11-20T10:00:00Z')], wall + 10_000);
    await delivery.pollOnce();
    wall += 61_000; // the buffer interval passes on the wall clock: the next round closes it
    await delivery.pollOnce();
    kinesis.put('shard-0', [ev('c', '2026-11-20T10:00:00Z'), '{'], wall);
    await delivery.pollOnce();
    await delivery.drain();
    const names = [...objects(root, 'bronze/events')].map(([k, l]) => [arrivalOf(k), l.length]);
    expect(names.sort()).toEqual([
      ['2026-11-22T07:05:09Z', 2],
      ['2026-11-22T07:06:10Z', 1],
    ]);
    const doc = JSON.parse([...objects(root, 'bronze/_errors').values()][0]![0]!) as Record<
      string,
      number
    >;
    expect(doc.arrivalTimestamp).toBe(wall);
  });
});
