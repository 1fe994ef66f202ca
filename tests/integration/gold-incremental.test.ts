/**
 * Incremental equals full, through the pipeline state machine on the laptop: a generated shop is
 * delivered day by day as it would arrive (each day's lines in arrival order, late arrivals
 * landing in earlier dates, that day's reference snapshots), with a scheduled run after each day.
 * A second lake holding exactly the same Bronze objects is then built in one full run. Every
 * Silver, Gold and RFM table must hold the same rows in both.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipelineAt, type PipelineRunReport } from '../../lib/cli/run-command.ts';
import { databaseName, loadConfig } from '../../lib/config.ts';
import { DuckDbEngine } from '../../lib/engine/duckdb.ts';
import { loadModels } from '../../lib/engine/model.ts';
import { sqlIdent } from '../../lib/engine/wrap.ts';
import { createGenerator } from '../../lib/events/generator.ts';
import { referenceSnapshots } from '../../lib/events/reference.ts';
import { referenceKey } from '../../lib/lake-layout.ts';
import { CUSTOMER_COLUMNS } from '../../lib/events/schema.ts';
import { runLocalIngest } from '../../lib/local/ingest.ts';
import { generatorOptions } from '../../lib/producer/producer.ts';
import { eventLine } from '../helpers/shop-lake.ts';

const config = loadConfig();
const work = mkdtempSync(join(tmpdir(), 'gold-incremental-'));
const cacheDir = join(work, 'cache');
const daily = join(work, 'daily', 'lake');
const full = join(work, 'full', 'lake');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DAYS = 4;
const END = '2026-11-20T00:00:00Z';
const EVENTS = 24_000;
const SEED = 7;

/**
 * The generated period's lines by the UTC day they arrive, in arrival order. Lines carry no
 * arrival time, but the generator emits them in arrival order and on-time lines arrive within
 * seconds of their event time, so the newest event time seen so far is the clock (future
 * timestamps, which are mess, do not move it).
 */
function linesByArrivalDay(): { days: Map<string, string[]>; late: number } {
  const opts = generatorOptions(config.generator, {
    events: EVENTS,
    days: DAYS,
    end: END,
    seed: SEED,
  });
  const endMs = Date.parse(opts.end);
  const gen = createGenerator(opts);
  const days = new Map<string, string[]>();
  let clock = Number.NEGATIVE_INFINITY;
  let late = 0;
  for (let chunk = gen.next(5_000); chunk.length; chunk = gen.next(5_000)) {
    for (const line of chunk) {
      const ts = /"event_timestamp":"([^"]*)"/.exec(line)?.[1];
      const t = ts === undefined ? Number.NaN : Date.parse(ts);
      if (t <= endMs && t > clock) clock = t;
      if (!Number.isFinite(clock)) clock = Date.parse(opts.end) - DAYS * 86_400_000;
      const day = new Date(clock).toISOString().slice(0, 10);
      if (Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) < day) late++;
      const batch = days.get(day) ?? [];
      batch.push(Buffer.from(line).toString());
      days.set(day, batch);
    }
  }
  return { days, late };
}

const stamped = new Set<string>();

/** Sets the modification time of every file under `dir` not stamped before to `at`. */
function stampNewObjects(dir: string, at: Date): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    if (stamped.has(file)) continue;
    stamped.add(file);
    utimesSync(file, at, at);
  }
}

/** Every row of a table in a canonical order, as JSON text. */
async function tableText(engine: DuckDbEngine, table: string): Promise<string> {
  const r = await engine.query(`SELECT * FROM ${sqlIdent(table)} ORDER BY ALL`);
  return JSON.stringify(r.rows);
}

const TABLES = loadModels()
  .filter((m) => ['silver', 'gold', 'rfm'].includes(m.layer))
  .map((m) => m.name);

describe('incremental equals full (generated shop, day by day, late arrivals included)', () => {
  const runs: PipelineRunReport[] = [];
  let late = 0;
  let fullRun: PipelineRunReport;
  let corrections: PipelineRunReport;

  beforeAll(async () => {
    const { days, late: lateLines } = linesByArrivalDay();
    late = lateLines;
    const snapshots = referenceSnapshots(
      generatorOptions(config.generator, { events: EVENTS, days: DAYS, end: END, seed: SEED }),
    );
    for (const day of [...days.keys()].sort()) {
      // That day's snapshots (the state at its end) arrive with its events.
      for (const snap of snapshots.filter((s) => s.snapshotDate === day)) {
        const file = join(daily, referenceKey(snap.kind, snap.snapshotDate));
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, snap.body);
      }
      await runLocalIngest({
        config,
        lakeRoot: daily,
        cacheDir,
        requests: [{ lines: days.get(day)!, reference: false }],
      });
      // The planner knows an object's arrival by its time stamp: give this day's objects the
      // end of the day they arrive on, as S3 would have (the listing horizon counts from it).
      stampNewObjects(join(daily, 'bronze'), new Date(`${day}T23:59:00Z`));
      runs.push(await runPipelineAt(daily, cacheDir, config, { quiet: true }));
    }
    // A day later, only corrections of the past: a late purchase dated the first day (every
    // later RFM snapshot includes it) and a re-export of the second day's customers in which one
    // customer moved country (the facts from that day on see the new version).
    const [first, second] = [...days.keys()].sort();
    const customers = snapshots.find((s) => s.kind === 'customers' && s.snapshotDate === second)!;
    const rows = customers.body.trimEnd().split('\n');
    const moved = rows[1]!.split(',');
    const country = CUSTOMER_COLUMNS.indexOf('country');
    moved[country] = 'AQ';
    rows[1] = moved.join(',');
    writeFileSync(join(daily, referenceKey('customers', second!)), rows.join('\n') + '\n');
    const lateBuyer = moved[CUSTOMER_COLUMNS.indexOf('customer_id')]!;
    await runLocalIngest({
      config,
      lakeRoot: daily,
      cacheDir,
      requests: [
        {
          lines: [
            eventLine({
              id: 'late-purchase-1',
              type: 'purchase',
              ts: `${first}T12:00:00Z`,
              user: lateBuyer,
              session: 'late-session-1',
              product: 'p0001',
              price: 42,
              order: 'late-order-1',
            }),
          ],
          reference: false,
        },
      ],
    });
    const after = new Date(Date.parse(`${[...days.keys()].sort().at(-1)}T23:59:00Z`) + 86_400_000);
    stampNewObjects(join(daily, 'bronze'), after);
    utimesSync(join(daily, referenceKey('customers', second!)), after, after);
    corrections = await runPipelineAt(daily, cacheDir, config, { quiet: true });

    cpSync(join(daily, 'bronze'), join(full, 'bronze'), { recursive: true });
    fullRun = await runPipelineAt(full, cacheDir, config, { quiet: true });
  }, 300_000);

  it('delivered the shop over several days, with late arrivals, each run succeeding', () => {
    expect(runs.length).toBeGreaterThanOrEqual(DAYS);
    expect(late).toBeGreaterThan(0);
    for (const r of [...runs, corrections]) expect(r.status, r.error).toBe('SUCCEEDED');
    expect(fullRun.status, fullRun.error).toBe('SUCCEEDED');
    // Later runs rebuilt only some dates of the partitioned facts, not all of them.
    const last = runs.at(-1)!.models.find((m) => m.model === 'fact_order_items');
    const fullFacts = fullRun.models.find((m) => m.model === 'fact_order_items');
    expect(last && fullFacts && last.partitions < fullFacts.partitions).toBe(true);
  });

  it('every Silver, Gold and RFM table holds the same rows either way', async () => {
    expect(TABLES).toEqual(
      expect.arrayContaining(['fact_order_items', 'daily_kpis', 'rfm_customer']),
    );
    const a = await DuckDbEngine.open({ lakeRoot: daily, database: databaseName(config) });
    const b = await DuckDbEngine.open({ lakeRoot: full, database: databaseName(config) });
    try {
      for (const table of TABLES) {
        const [incremental, whole] = [await tableText(a, table), await tableText(b, table)];
        expect(incremental.length, `${table} is empty`).toBeGreaterThan(2);
        expect(incremental, `${table} differs`).toBe(whole);
      }
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});
