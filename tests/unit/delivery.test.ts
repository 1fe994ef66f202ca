import { describe, expect, it } from 'vitest';
import { deaggregate, evaluatePrefix, formatTimestamp } from '../../lib/local/delivery.ts';
import {
  FIREHOSE_ERROR_PREFIX,
  FIREHOSE_EVENTS_PREFIX,
  FIREHOSE_EVENTS_PREFIX_ARRIVAL,
} from '../../lib/lake-layout.ts';

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
