/**
 * The local ingest path end to end: producer handler → kinesalite → Firehose stand-in → Bronze.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import type { GeneratorCounts } from '../../lib/events/generator.ts';
import { runLocalIngest, type IngestSummary } from '../../lib/local/ingest.ts';
import { runLakehouse } from '../helpers/lakehouse-cli.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lakehouse-ingest-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function files(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Lines of every object under a prefix, decompressed with the system's gunzip. */
function gunzipLines(lake: string, prefix: string): string[] {
  const out: string[] = [];
  for (const f of files(join(lake, prefix))) {
    expect(f.endsWith('.gz'), f).toBe(true);
    const text = execFileSync('gunzip', ['-c', f], { encoding: 'utf8', maxBuffer: 1 << 30 });
    expect(text.endsWith('\n'), `${f} ends with the appended delimiter`).toBe(true);
    out.push(...text.slice(0, -1).split('\n'));
  }
  return out;
}

const config = loadConfig();
const END = '2026-11-20T00:00:00.000Z';
const ingest = (lake: string) =>
  runLocalIngest({
    config,
    lakeRoot: lake,
    cacheDir: join(lake, '..', 'cache'),
    requests: [{ generate: { events: 200_000, seed: 7, end: END } }],
  });

describe('lakehouse ingest --events 200000 --seed 7', () => {
  let lakeA: string;
  let a: IngestSummary;
  let landed: string[];
  let errors: string[];

  beforeAll(async () => {
    lakeA = join(tmp(), 'lake');
    a = await ingest(lakeA);
    landed = gunzipLines(lakeA, 'bronze/events');
    errors = gunzipLines(lakeA, 'bronze/_errors');
  }, 300_000);

  it('delivers every emitted line: Bronze + error prefix = emitted (duplicates included)', () => {
    expect(a.generator!.emitted).toBe(a.emitted);
    expect(landed.length).toBe(a.landed);
    expect(errors.length).toBe(a.errors);
    expect(landed.length + errors.length).toBe(a.emitted);
    expect(a.generator!.duplicates).toBeGreaterThan(0);
  });

  it('partitions by event time in UTC, with Firehose object names', () => {
    const keys = files(join(lakeA, 'bronze/events')).map((f) => relative(lakeA, f));
    for (const k of keys) {
      expect(k).toMatch(
        /^bronze\/events\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/ecommerce-lakehouse-bronze-events-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$/,
      );
    }
    for (const f of files(join(lakeA, 'bronze/events')).slice(0, 20)) {
      const [, dt, hour] = /dt=([\d-]+)\/hour=(\d\d)\//.exec(f)!;
      for (const l of gunzipSync(readFileSync(f)).toString().trim().split('\n')) {
        const ts = new Date(JSON.parse(l).event_timestamp as string).toISOString();
        expect(ts.slice(0, 13)).toBe(`${dt}T${hour}`);
      }
    }
  });

  it('keeps undeliverable lines byte for byte in the error prefix, as Firehose documents', () => {
    expect(errors.length).toBeGreaterThan(0);
    const raws = errors.map((e) => {
      const doc = JSON.parse(e) as { errorCode: string; rawData: string; errorMessage: string };
      expect(doc.errorCode).toBe('DynamicPartitioning.MetadataExtractionFailed');
      return Buffer.from(doc.rawData, 'base64').toString('utf8');
    });
    const malformed = raws.filter((r) => {
      try {
        JSON.parse(r);
        return false;
      } catch {
        return true;
      }
    });
    // Every malformed line the generator injected (and each duplicate of one) is there.
    expect(malformed.length).toBeGreaterThanOrEqual(a.generator!.mess.malformed_json);
    for (const k of files(join(lakeA, 'bronze/_errors'))) {
      expect(relative(lakeA, k)).toMatch(
        /^bronze\/_errors\/processing-failed\/dt=\d{4}-\d{2}-\d{2}\//,
      );
    }
  });

  it('writes the reference snapshots straight to bronze/reference', () => {
    const refs = files(join(lakeA, 'bronze/reference')).map((f) => relative(lakeA, f));
    expect(
      refs.some((r) =>
        /^bronze\/reference\/customers\/snapshot_date=\d{4}-\d{2}-\d{2}\/customers\.csv$/.test(r),
      ),
    ).toBe(true);
    expect(
      refs.some((r) =>
        /^bronze\/reference\/products\/snapshot_date=\d{4}-\d{2}-\d{2}\/products\.jsonl$/.test(r),
      ),
    ).toBe(true);
    expect(refs.length).toBe(a.referenceFiles.length);
  });

  it('the same seed twice yields the same set of event ids', async () => {
    const lakeB = join(tmp(), 'lake');
    const b = await ingest(lakeB);
    expect(b.emitted).toBe(a.emitted);
    const ids = (lines: string[]) =>
      new Set(lines.map((l) => (JSON.parse(l) as { event_id?: string }).event_id));
    const idsA = ids(landed);
    const idsB = ids(gunzipLines(lakeB, 'bronze/events'));
    expect(idsB.size).toBe(idsA.size);
    for (const id of idsA) expect(idsB.has(id)).toBe(true);
  }, 300_000);
});

/**
 * `lakehouse ingest` replays generated history on the events clock (the default): each line
 * arrives when the generator says, so Silver's `arrival_ts` (from the object names) tells the
 * injected late arrivals (30 min to 48 h late) from everything else (on time: within one 5-minute
 * producer tick). The period ends in the past, so the data (and every count) is the same on
 * every run, and "future" events are still judged against when they arrived.
 */
describe('lakehouse ingest: generated history arrives when its events say', () => {
  const work = tmp();
  const cli = (home: string, ...args: string[]) => {
    const r = runLakehouse(args, {
      cwd: work,
      env: { LAKEHOUSE_HOME: home },
      timeoutMs: 300_000,
    });
    expect(r.stderr, args.join(' ')).toBe('');
    expect(r.code, args.join(' ')).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const MESS =
    'duplicate=0.03,malformed_json=0.01,missing_field=0.01,wrong_type=0.01,bad_casing=0.02,' +
    'bad_price=0.01,unknown_product=0.01,future_timestamp=0.005,late_arrival=0.02';
  /** Events by minutes late (Trino's whole minutes), from silver_events. */
  const lateness = (home: string) =>
    (
      cli(
        home,
        'sql',
        `SELECT
           count(*) AS events,
           count(*) FILTER (WHERE date_diff('minute', event_ts, arrival_ts) > 30) AS over_30,
           count(*) FILTER (WHERE date_diff('minute', event_ts, arrival_ts) >= 15) AS over_15,
           max(date_diff('minute', event_ts, arrival_ts))
             FILTER (WHERE date_diff('minute', event_ts, arrival_ts) < 15) AS on_time_max
         FROM silver_events`,
        '--format',
        'json',
      ) as unknown as Record<string, number>[]
    )[0]!;

  it('counts exactly the injected late arrivals as late, one per event', () => {
    const home = join(work, 'mess');
    const s = cli(
      home,
      'ingest',
      ...['--events', '60000', '--days', '2', '--seed', '11', '--end', END, '--mess', MESS],
      '--json',
    ) as { generator: GeneratorCounts };
    const gen = s.generator;
    expect(gen.mess.late_arrival).toBeGreaterThan(1_000);
    expect(gen.duplicatesOf.late_arrival).toBeGreaterThan(0);
    const build = cli(home, 'build', '--layer', 'silver', '--json') as {
      totals: { unaccounted: number };
      quarantine: { reason: string; lines: number }[];
    };
    expect(build.totals.unaccounted).toBe(0);
    const l = lateness(home);
    // On time: within the producer tick they were put in (5 minutes), never near 30.
    expect(Number(l.on_time_max)).toBeLessThan(6);
    // Late: every injected late line, and nothing else, is 15 minutes late or more; its copies
    // (duplicates, 1 s to 2 min behind it) are the same event.
    expect(Number(l.over_15)).toBe(gen.mess.late_arrival);
    // "More than 30 minutes" in whole minutes (the late_arrivals check) is exactly the injected
    // late lines too. In general a late line that arrives within its 31st minute (the generator
    // makes them 30 minutes late at least) counts as 30; in this (fixed) history none does.
    expect(Number(l.over_30)).toBe(gen.mess.late_arrival);
    // Future-dated events (25 h or more after the period) are in the future of their arrival,
    // although the period ended two days before this run.
    const future = build.quarantine
      .filter((q) => q.reason === 'future_timestamp')
      .reduce((n, q) => n + q.lines, 0);
    expect(future).toBe(gen.mess.future_timestamp + gen.duplicatesOf.future_timestamp);
  }, 300_000);

  it('counts no late arrival in clean history; --arrival stream makes it all late', () => {
    const home = join(work, 'clean');
    const args = ['--events', '20000', '--days', '2', '--seed', '5', '--end', END, '--clean'];
    cli(home, 'ingest', ...args, '--json');
    cli(home, 'build', '--layer', 'silver', '--json');
    const l = lateness(home);
    expect([Number(l.over_30), Number(l.over_15)]).toEqual([0, 0]);
    expect(Number(l.on_time_max)).toBeLessThan(6);

    // The wall clock of this run: two days of history "arrive" now, every event late.
    const stream = join(work, 'stream');
    cli(stream, 'ingest', ...args, '--arrival', 'stream', '--json');
    cli(stream, 'build', '--layer', 'silver', '--json');
    const s = lateness(stream);
    expect(Number(s.over_30)).toBe(Number(s.events));
  }, 300_000);
});
