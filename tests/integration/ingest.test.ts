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
import { runLocalIngest, type IngestSummary } from '../../lib/local/ingest.ts';

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
