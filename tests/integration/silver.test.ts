/**
 * The Silver layer on generated data, through the real local path: ingest (producer →
 * kinesalite → Firehose stand-in) then `lakehouse build --layer silver` on DuckDB. The
 * generator's counts are the oracle: every injected defect must come out with its reason code,
 * and bronze lines = silver rows + quarantined + duplicates dropped.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type MessRates } from '../../lib/config.ts';
import type { GeneratorCounts, LineDefect } from '../../lib/events/generator.ts';
import { runLocalIngest } from '../../lib/local/ingest.ts';
import { runLakehouse, startLakehouse } from '../helpers/lakehouse-cli.ts';
import { publishedDigests } from '../helpers/published.ts';

const work = mkdtempSync(join(tmpdir(), 'lakehouse-silver-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const home = join(work, 'home');
const lake = join(home, 'lake');

// Future-dated events are judged against their arrival (the object's time): the period must end
// about now for the generator's "future" events to be in the future when they arrive.
const END = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
const MESS: MessRates = {
  duplicate: 0.03,
  malformed_json: 0.01,
  missing_field: 0.01,
  wrong_type: 0.01,
  bad_casing: 0.02,
  bad_price: 0.01,
  unknown_product: 0.01,
  future_timestamp: 0.005,
  late_arrival: 0.02,
  invalid_email: 0.05,
};

function lakehouse(...args: string[]) {
  return runLakehouse(args, { cwd: work, env: { LAKEHOUSE_HOME: home }, timeoutMs: 300_000 });
}

function sql<T = Record<string, string | number | null>>(query: string): T[] {
  const r = lakehouse('sql', query, '--format', 'json');
  expect(r.stderr, query).toBe('');
  expect(r.code, query).toBe(0);
  return JSON.parse(r.stdout) as T[];
}

interface BuildJson {
  models: { model: string; partitions: number; rows: number }[];
  reconciliation: { dt: string; unaccounted: number }[];
  totals: {
    bronzeLines: number;
    silverRows: number;
    quarantined: number;
    duplicatesDropped: number;
    unaccounted: number;
  };
  quarantine: { reason: string; detail: string | null; lines: number }[];
}

function build(...args: string[]): BuildJson {
  const r = lakehouse('build', '--layer', 'silver', '--json', ...args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as BuildJson;
}

describe('Silver on generated data with every kind of mess', () => {
  let gen: GeneratorCounts;
  let first: BuildJson;

  beforeAll(async () => {
    const config = loadConfig();
    const s = await runLocalIngest({
      config,
      lakeRoot: lake,
      cacheDir: join(work, 'cache'),
      requests: [{ generate: { events: 60_000, seed: 11, days: 2, end: END, mess: MESS } }],
    });
    gen = s.generator!;
    first = build();
  }, 300_000);

  it('reconciles exactly: bronze lines = silver rows + quarantined + duplicates dropped', () => {
    const t = first.totals;
    expect(t.bronzeLines).toBe(gen.emitted);
    expect(t.silverRows + t.quarantined + t.duplicatesDropped).toBe(gen.emitted);
    expect(t.unaccounted).toBe(0);
    expect(first.reconciliation.length).toBeGreaterThanOrEqual(2);
    for (const r of first.reconciliation) expect(r.unaccounted, r.dt).toBe(0);
  });

  it('gives every injected defect its reason code (copies of bad lines included)', () => {
    const byReason: Record<string, number> = {};
    for (const q of first.quarantine) byReason[q.reason] = (byReason[q.reason] ?? 0) + q.lines;
    const withCopies = (k: LineDefect) => gen.mess[k] + gen.duplicatesOf[k];
    expect(byReason).toEqual({
      malformed_json: withCopies('malformed_json'),
      missing_field: withCopies('missing_field'),
      bad_type: withCopies('wrong_type'),
      bad_value: withCopies('bad_price'),
      future_timestamp: withCopies('future_timestamp'),
    });
    // Casing and whitespace are standardized, not quarantined; nothing failed delivery alone.
    expect(gen.mess.bad_casing).toBeGreaterThan(0);
  });

  it('drops exactly the copies of valid lines as duplicates, keeping one row per event', () => {
    const d = gen.duplicatesOf;
    expect(first.totals.duplicatesDropped).toBe(
      d.none + d.bad_casing + d.unknown_product + d.late_arrival,
    );
    const distinct = gen.emitted - gen.duplicates;
    const bad =
      gen.mess.malformed_json +
      gen.mess.missing_field +
      gen.mess.wrong_type +
      gen.mess.bad_price +
      gen.mess.future_timestamp;
    expect(first.totals.silverRows).toBe(distinct - bad);
    const [dups] = sql<{ n: string }>(
      'SELECT count(*) AS n FROM (SELECT dt, event_id FROM silver_events GROUP BY 1, 2 HAVING count(*) > 1)',
    );
    expect(Number(dups!.n)).toBe(0);
  });

  it('standardizes: enums lowercased and trimmed, countries upper, timestamps in UTC by event date', () => {
    const [row] = sql<Record<string, string>>(`
      SELECT
        count_if(event_type NOT IN ('page_view', 'add_to_cart', 'remove_from_cart', 'purchase')) AS bad_type,
        count_if(device_type <> lower(trim(device_type))) AS bad_device,
        count_if(country <> upper(trim(country))) AS bad_country,
        count_if(CAST(CAST(event_ts AS DATE) AS VARCHAR) <> dt) AS wrong_partition,
        count_if(event_type = 'page_view' AND quantity IS NOT NULL) AS page_view_quantity,
        count_if(event_type <> 'page_view' AND quantity IS NULL) AS missing_quantity,
        count_if(event_type = 'purchase' AND (order_id IS NULL OR payment_method IS NULL)) AS bad_purchase,
        count_if(product_price <= 0) AS bad_price
      FROM silver_events`);
    expect(Object.values(row!).map(Number)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('flags every line whose casing or whitespace was standardized, and no schema drift', () => {
    // bad_casing spoils exactly one of event_type, device_type, traffic_source, country and (on
    // purchases) payment_method; silver_event_lines keeps the copies of those lines too. The
    // generator never sends a key outside the contract.
    const [row] = sql<Record<string, string>>(`
      SELECT
        count_if(standardized) AS standardized,
        count_if(standardized AND reason IS NOT NULL) AS standardized_invalid,
        count_if(standardized IS NULL) AS unset,
        count_if(unknown_fields IS NOT NULL) AS drift
      FROM silver_event_lines`);
    expect(Number(row!.standardized)).toBe(gen.mess.bad_casing + gen.duplicatesOf.bad_casing);
    expect([row!.standardized_invalid, row!.unset, row!.drift].map(Number)).toEqual([0, 0, 0]);
  });

  it('keeps unknown products in Silver (Gold flags them)', () => {
    const [row] = sql<{ n: string }>(`
      SELECT count(DISTINCT e.event_id) AS n
      FROM silver_events e
      LEFT JOIN (SELECT DISTINCT product_id FROM silver_products) p ON p.product_id = e.product_id
      WHERE p.product_id IS NULL`);
    expect(Number(row!.n)).toBe(gen.mess.unknown_product);
  });

  it('cleans customers: invalid emails flagged and nulled, names trimmed', () => {
    const [row] = sql<Record<string, string>>(`
      SELECT
        count(DISTINCT CASE WHEN NOT email_is_valid THEN customer_id || '@' || CAST(updated_at AS VARCHAR) END) AS invalid,
        count_if(email_is_valid AND email IS NULL) AS lost,
        count_if(first_name <> trim(first_name) OR last_name <> trim(last_name)) AS untrimmed,
        count_if(email <> lower(email)) AS upper_email
      FROM silver_customers`);
    expect(Number(row!.invalid)).toBe(gen.mess.invalid_email);
    expect([row!.lost, row!.untrimmed, row!.upper_email].map(Number)).toEqual([0, 0, 0]);
  });

  it('does nothing when nothing changed, and rebuilds identical Parquet when forced', () => {
    const before = publishedDigests(lake);
    const again = build();
    expect(again.models.every((m) => m.partitions === 0)).toBe(true);
    const dates = first.reconciliation.map((r) => r.dt).join(',');
    const forced = build('--dates', dates);
    expect(forced.totals).toEqual(first.totals);
    expect(publishedDigests(lake)).toEqual(before);
  }, 120_000);

  it('picks up a late event in its event-time partition by rebuilding only that date', () => {
    const dates = first.reconciliation.map((r) => r.dt);
    const oldest = dates[0]!;
    const late = {
      event_id: 'late-0001',
      schema_version: 1,
      event_type: 'page_view',
      event_timestamp: `${oldest}T12:00:00.000+02:00`,
      user_id: 'c000001',
      session_id: 's-late',
      product_id: 'p00001',
      product_name: 'Late Product',
      product_category: 'Books',
      product_price: 9.99,
      quantity: null,
      order_id: null,
      device_type: 'mobile',
      country: 'DE',
      traffic_source: 'direct',
      campaign_id: null,
      payment_method: null,
    };
    const file = join(work, 'late.ndjson');
    writeFileSync(file, JSON.stringify(late) + '\n');
    const loaded = lakehouse('load', '--file', file, '--json');
    expect(loaded.code).toBe(0);
    const next = build();
    const lines = next.models.find((m) => m.model === 'silver_event_lines')!;
    expect(lines.partitions).toBe(1);
    expect(next.reconciliation.map((r) => r.dt)).toEqual([oldest]);
    const rows = sql<{ dt: string; event_ts: string }>(
      "SELECT dt, CAST(event_ts AS VARCHAR) AS event_ts FROM silver_events WHERE event_id = 'late-0001'",
    );
    expect(rows).toEqual([{ dt: oldest, event_ts: `${oldest} 10:00:00` }]);
  }, 120_000);

  it('leaves the published tables as they were when a build is killed midway', async () => {
    // A run publishes only once every model is staged: a kill while staging changes nothing.
    const catalog = () =>
      Object.fromEntries(
        ['silver_event_lines', 'silver_events', 'silver_quarantine'].map((t) => [
          t,
          readFileSync(join(lake, '_catalog', `${t}.json`), 'utf8'),
        ]),
      );
    const before = catalog();
    const digests = publishedDigests(lake);
    const count = () => sql<{ n: string }>('SELECT count(*) AS n FROM silver_events')[0]!.n;
    const rowsBefore = count();
    const dates = first.reconciliation.map((r) => r.dt).join(',');
    const child = startLakehouse(['build', '--dates', dates, '--threads', '1', '--json'], {
      cwd: work,
      env: { LAKEHOUSE_HOME: home },
    });
    // Kill it once it is writing Parquet for the first model.
    const buildsDir = join(lake, 'silver', 'silver_event_lines');
    const known = new Set(readdirSync(buildsDir));
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      const fresh = readdirSync(buildsDir).filter((d) => !known.has(d));
      if (fresh.some((d) => readdirSync(join(buildsDir, d)).length > 0)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(
      readdirSync(buildsDir).some((d) => !known.has(d)),
      'the build had started writing',
    ).toBe(true);
    expect(catalog()).toEqual(before);
    expect(publishedDigests(lake)).toEqual(digests);
    expect(count()).toBe(rowsBefore);
    // The next build sweeps the leftovers and publishes normally.
    const after = build('--dates', dates);
    expect(after.totals.unaccounted).toBe(0);
    expect(readdirSync(buildsDir).filter((d) => !known.has(d)).length).toBe(1);
    // The killed run's lock was taken over (its process is gone) and released at the end.
    expect(existsSync(join(lake, '_state', 'pipeline', 'lock.json'))).toBe(false);
    expect(readdirSync(join(lake, '_catalog')).filter((n) => n.includes('__stg_'))).toEqual([]);
  }, 180_000);
});
