import { describe, expect, it } from 'vitest';
import { HISTORY_DAYS, nextHourLines, STAGES, type StageResult } from '../../lib/bench/bench.ts';
import { parseConfig } from '../../lib/config.ts';

const END = '2024-03-10T15:00:00Z';
const END_MS = Date.parse(END);
const HOUR = 3_600_000;
const TS = /"event_timestamp":"([^"]*)"/;

const eventTime = (line: string) => {
  const ts = TS.exec(line)?.[1];
  return ts === undefined ? Number.NaN : Date.parse(ts);
};

describe('nextHourLines', () => {
  const config = parseConfig({});
  const hour = nextHourLines(config, { eventsPerDay: 20_000, seed: 3, end: END });

  it('keeps the lines that arrive in the hour: its events and late ones from the 48 h before', () => {
    const times = hour.lines.map(eventTime).filter((t) => Number.isFinite(t));
    // Future timestamps (clock skew, more than a day after the fact) aside, nothing is newer
    // than the end, and nothing is older than the latest a late line can be.
    const present = times.filter((t) => t < END_MS + 24 * HOUR);
    expect(present.every((t) => t < END_MS)).toBe(true);
    expect(present.every((t) => t >= END_MS - HOUR - 48 * HOUR)).toBe(true);
    const onTime = present.filter((t) => t >= END_MS - HOUR - 2_000).length;
    // About an hour's worth at 20,000 a day (the daily curve makes hours differ).
    expect(onTime).toBeGreaterThan(200);
    expect(onTime).toBeLessThan(4_000);
    // Late arrivals (2% of events by default, from up to 48 h back) are a small part.
    expect(hour.late).toBeGreaterThan(0);
    expect(hour.late).toBeLessThan(hour.lines.length / 10);
    expect(hour.late).toBe(present.length - onTime);
  });

  it('names the dates the lines fall in, the hour’s own among them', () => {
    expect(hour.dates).toEqual([...hour.dates].sort());
    expect(hour.dates).toContain(new Date(END_MS - HOUR).toISOString().slice(0, 10));
    expect(hour.dates.length).toBeLessThanOrEqual(3);
  });

  it('is deterministic for a seed', () => {
    const again = nextHourLines(config, { eventsPerDay: 20_000, seed: 3, end: END });
    expect(again.lines).toEqual(hour.lines);
  });
});

describe('the incremental stage', () => {
  const stage = STAGES.find((s) => s.name === 'incremental')!;

  it('has a target on metrics it reports', () => {
    expect(HISTORY_DAYS).toContain(14);
    expect(stage.targets.map((t) => t.metric)).toContain('read_ratio_14d');
  });

  it('tabulates each history length, incremental beside full', () => {
    const r: StageResult = { seconds: 1, events: 10, events_per_s: 10 };
    for (const d of HISTORY_DAYS) {
      Object.assign(r, {
        [`incr_${d}d_s`]: 1.5,
        [`incr_${d}d_mb_read`]: 6.4,
        [`incr_${d}d_partitions`]: 9,
        [`full_${d}d_s`]: d / 2,
        [`full_${d}d_mb_read`]: d * 3,
        [`full_${d}d_partitions`]: d * 6,
        [`read_ratio_${d}d`]: 6.4 / (d * 3),
      });
    }
    const table = stage.table!(r);
    expect(table.rows).toHaveLength(HISTORY_DAYS.length);
    expect(table.rows.every((row) => row.length === table.head.length)).toBe(true);
    expect(table.rows[1]).toEqual(['14 days', '1.50', '6.4', '9', '7.00', '42.0', '84', '0.152']);
    expect(table.metrics.every((m) => m in r)).toBe(true);
  });
});
