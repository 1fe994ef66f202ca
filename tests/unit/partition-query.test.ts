import { describe, expect, it } from 'vitest';
import { FIREHOSE_PARTITION_QUERY } from '../../lib/lake-layout.ts';
import {
  createPartitioner,
  eventTimePartition,
  jqPartition,
} from '../../lib/local/partition-query.ts';

/** Records covering what the generator and real exports produce, and what breaks the query. */
const cases: string[] = [
  '{"event_timestamp":"2026-11-20T23:30:00Z"}',
  '{"event_timestamp":"2026-11-20T23:30:00.123Z"}',
  '{"event_timestamp":"2026-11-20T23:30:00.123456+02:00"}',
  '{"event_timestamp":"2026-11-20T22:30:00-05:00"}',
  '{"event_timestamp":"2026-12-31T23:59:59-01:00"}',
  '{"event_timestamp":"2024-02-29T00:15:00+01:00"}',
  '{"event_timestamp":"2026-01-01T00:00:00+14:00"}',
  '{"event_timestamp":"2026-11-20T23:30:00+0200"}',
  '{"event_timestamp":"2026-11-20 23:30:00Z"}',
  '{"event_timestamp":"2026-11-20"}',
  '{"event_timestamp":"2026-13-20T23:30:00Z"}',
  '{"event_timestamp":"2026-11-20T25:30:00Z"}',
  '{"event_timestamp":1763681400}',
  '{"event_timestamp":null}',
  '{"other":"x"}',
  '{"event_timestamp":" 2026-11-20T23:30:00Z"}',
  '[1,2]',
  '"just a string"',
  '42',
  'null',
  '{"event_timestamp":"2026-11-20T23:30:00Z"',
  'not json at all',
];

describe('partition query', () => {
  it('the native evaluation gives what real jq gives for the deployed query', async () => {
    for (const record of cases) {
      const native = eventTimePartition(record);
      const jq = await jqPartition(FIREHOSE_PARTITION_QUERY, record);
      expect('keys' in native ? native.keys : 'error', record).toEqual(
        'keys' in jq ? jq.keys : 'error',
      );
    }
  });

  it('converts offsets to UTC dt and hour', () => {
    expect(eventTimePartition('{"event_timestamp":"2026-11-20T23:30:00.5+02:00"}')).toEqual({
      keys: { dt: '2026-11-20', hour: '21' },
    });
    expect(eventTimePartition('{"event_timestamp":"2026-11-20T22:30:00-05:00"}')).toEqual({
      keys: { dt: '2026-11-21', hour: '03' },
    });
    expect(eventTimePartition('garbage')).toEqual({ error: 'Non JSON record provided' });
  });

  it('uses the native path for the deployed query and jq for any other', async () => {
    expect(createPartitioner(FIREHOSE_PARTITION_QUERY).native).toBe(true);
    const other = createPartitioner('{dt: .d}');
    expect(other.native).toBe(false);
    expect(await other.partition(['{"d":"x"}', 'nope'])).toEqual([
      { keys: { dt: 'x' } },
      { error: 'Non JSON record provided' },
    ]);
  });
});
