/**
 * The DuckDB engine's materializations on their own: staging → publish through the local
 * catalog, repeatable bytes, partition removal, and the errors a model author can hit.
 * (The Silver models run through the same code in silver*.test.ts.)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../lib/engine/duckdb.ts';
import type { Model } from '../../lib/engine/model.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A model made in code; its SQL may be DuckDB's own (only athena/ files must be Trino). */
function model(over: Partial<Model> & Pick<Model, 'name' | 'sql'>): Model {
  return {
    layer: 'gold',
    materialization: 'partition_overwrite',
    partitionedBy: ['dt'],
    dependsOn: [],
    scope: {},
    cumulative: {},
    lookup: [],
    description: '',
    file: `tests/${over.name}.sql`,
    ...over,
  };
}

// 600,000 rows over two dates: several Parquet row groups per partition, written by several
// threads, which is where DuckDB's own partitioned writer stops being repeatable.
const BIG = model({
  name: 'big',
  sql: `SELECT i AS id, 'row ' || CAST(i * 7919 % 1000003 AS VARCHAR) AS label,
          CASE WHEN i % 2 = 0 THEN '2026-11-01' ELSE '2026-11-02' END AS dt
        FROM range(600000) t(i)`,
});

describe('DuckDbEngine.materialize', () => {
  let lake: string;
  let engine: DuckDbEngine;

  beforeEach(async () => {
    const d = mkdtempSync(join(tmpdir(), 'lakehouse-engine-'));
    dirs.push(d);
    lake = join(d, 'lake');
    engine = await DuckDbEngine.open({ lakeRoot: lake, database: 'shop', threads: 2 });
  });
  afterEach(() => engine.close());

  const digests = (table: string) => {
    const entry = engine.catalog.get(table)!;
    return Object.fromEntries(
      Object.entries(entry.partitions).map(([v, p]) => {
        const files = readdirSync(join(lake, p.location)).sort();
        const hash = createHash('md5');
        for (const f of files) hash.update(readFileSync(join(lake, p.location, f)));
        return [v, `${files.join(',')}:${hash.digest('hex')}`];
      }),
    );
  };

  it('rebuilds the same partitions into byte-identical Parquet, under a new build folder', async () => {
    const first = await engine.materialize({
      model: BIG,
      partitions: ['2026-11-01', '2026-11-02'],
      buildId: 'b1',
    });
    expect(first.partitions).toEqual([
      { value: '2026-11-01', rows: 300_000 },
      { value: '2026-11-02', rows: 300_000 },
    ]);
    const before = digests('big');
    await engine.materialize({
      model: BIG,
      partitions: ['2026-11-01', '2026-11-02'],
      buildId: 'b2',
    });
    expect(engine.catalog.get('big')!.partitions['2026-11-01']!.location).toBe(
      'gold/big/b2/dt=2026-11-01/',
    );
    expect(digests('big')).toEqual(before);
    // The superseded build is gone once nothing points at it.
    expect(readdirSync(join(lake, 'gold', 'big'))).toEqual(['b2']);
  });

  it('rebuilds only the partitions asked for and removes one that came out empty', async () => {
    const twoDates = model({
      name: 'daily',
      sql: `SELECT * FROM (VALUES (1, '2026-11-01'), (2, '2026-11-02')) AS t(n, dt)`,
    });
    await engine.materialize({
      model: twoDates,
      partitions: ['2026-11-01', '2026-11-02'],
      buildId: 'a',
    });
    const onlyFirst = model({ ...twoDates, sql: `SELECT 10 AS n, '2026-11-01' AS dt` });
    const r = await engine.materialize({
      model: onlyFirst,
      partitions: ['2026-11-02'],
      buildId: 'b',
    });
    expect(r.rows).toBe(0);
    expect(r.removed).toEqual(['2026-11-02']);
    const rows = await engine.query('SELECT n, dt FROM shop.daily ORDER BY dt');
    expect(rows.rows).toEqual([{ n: 1, dt: '2026-11-01' }]);
  });

  it('builds a whole table and swaps it in', async () => {
    const t = model({
      name: 'dim',
      materialization: 'table',
      partitionedBy: [],
      sql: `SELECT 'a' AS k, 1 AS v UNION ALL SELECT 'b', 2`,
    });
    const r = await engine.materialize({ model: t, buildId: 'x1' });
    expect([r.rows, r.partitions, r.location]).toEqual([2, [], 'gold/dim/x1/']);
    await engine.materialize({ model: { ...t, sql: `SELECT 'c' AS k, 3 AS v` }, buildId: 'x2' });
    expect((await engine.query('SELECT k, v FROM dim')).rows).toEqual([{ k: 'c', v: 3 }]);
    expect(existsSync(join(lake, 'gold', 'dim', 'x1'))).toBe(false);
  });

  it('shows a model table never built as an empty table of its declared columns', async () => {
    const typed = await DuckDbEngine.open({
      lakeRoot: lake,
      database: 'typed',
      modelTables: [
        {
          name: 'dim',
          layer: 'gold',
          description: '',
          columns: [
            { name: 'k', type: 'string' },
            { name: 'v', type: 'decimal(18,2)' },
          ],
          partitionKeys: [{ name: 'dt', type: 'string' }],
        },
      ],
    });
    try {
      const r = await typed.query('SELECT * FROM dim');
      expect(r.columns).toEqual([
        { name: 'k', type: 'varchar' },
        { name: 'v', type: 'decimal(18,2)' },
        { name: 'dt', type: 'varchar' },
      ]);
      expect(r.rows).toEqual([]);
      // Once built, the build's data replaces it.
      const t = model({
        name: 'dim',
        materialization: 'table',
        partitionedBy: [],
        sql: `SELECT 'a' AS k`,
      });
      await typed.materialize({ model: t, buildId: 'x1' });
      expect((await typed.query('SELECT * FROM dim')).rows).toEqual([{ k: 'a' }]);
    } finally {
      await typed.close();
    }
  });

  it('leaves the published table as it was when the query fails, and says why', async () => {
    const ok = model({ name: 'fragile', sql: `SELECT 1 AS n, '2026-11-01' AS dt` });
    await engine.materialize({ model: ok, partitions: ['2026-11-01'], buildId: 'good' });
    const entry = readFileSync(join(lake, '_catalog', 'fragile.json'), 'utf8');
    const broken = model({
      ...ok,
      sql: `SELECT CAST('not a number' AS INTEGER) AS n, '2026-11-01' AS dt`,
    });
    await expect(
      engine.materialize({ model: broken, partitions: ['2026-11-01'], buildId: 'bad' }),
    ).rejects.toThrow(/Conversion Error/);
    expect(readFileSync(join(lake, '_catalog', 'fragile.json'), 'utf8')).toBe(entry);
    expect((await engine.query('SELECT n FROM fragile')).rows).toEqual([{ n: 1 }]);
    expect(existsSync(join(lake, '_catalog', 'fragile.lock'))).toBe(false);
  });

  it('refuses a partition column that is not last, and a schema change on a partial rebuild', async () => {
    const notLast = model({ name: 'order', sql: `SELECT '2026-11-01' AS dt, 1 AS n` });
    await expect(
      engine.materialize({ model: notLast, partitions: ['2026-11-01'], buildId: 'p' }),
    ).rejects.toThrow(/partition column dt must be the last column/);
    const v1 = model({ name: 'evolving', sql: `SELECT 1 AS n, '2026-11-01' AS dt` });
    await engine.materialize({ model: v1, partitions: ['2026-11-01'], buildId: 'v1' });
    const v2 = model({ ...v1, sql: `SELECT 1 AS n, 'x' AS extra, '2026-11-01' AS dt` });
    await expect(
      engine.materialize({ model: v2, partitions: ['2026-11-01'], buildId: 'v2' }),
    ).rejects.toThrow(/columns changed.*--full-refresh/);
  });

  it('writes only the partitions asked for', async () => {
    const leaky = model({ name: 'leaky', sql: `SELECT 1 AS n, '2026-11-05' AS dt` });
    // The wrapper filters the output on the partitions asked for, so nothing leaks through.
    const r = await engine.materialize({ model: leaky, partitions: ['2026-11-01'], buildId: 'l' });
    expect(r.partitions).toEqual([]);
    expect(engine.catalog.get('leaky')!.partitions).toEqual({});
  });

  it('runs a build of more than 100 partitions as CTAS + INSERT INTO, even when the first batch is empty', async () => {
    // 150 dates asked for; rows only for the last 50, so the CTAS (first 100) writes nothing
    // and the INSERT INTO must still write under the model's own build folder.
    const dates = Array.from({ length: 150 }, (_, i) =>
      new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const late = model({
      name: 'late',
      sql: `SELECT i AS n, strftime(DATE '2026-01-01' + INTERVAL (i) DAY, '%Y-%m-%d') AS dt
            FROM range(100, 150) t(i)`,
    });
    const r = await engine.materialize({ model: late, partitions: dates, buildId: 'm1' });
    expect(r.statements).toBe(2);
    expect(r.rows).toBe(50);
    expect(r.partitions.map((p) => p.value)).toEqual(dates.slice(100));
    const entry = engine.catalog.get('late')!;
    expect(
      Object.values(entry.partitions).every((p) => p.location.startsWith('gold/late/m1/')),
    ).toBe(true);
    expect((await engine.query('SELECT count(*) AS n FROM late')).rows).toEqual([{ n: '50' }]);
    expect(readdirSync(join(lake, '_catalog')).filter((f) => f.includes('__stg_'))).toEqual([]);
  });

  it('runs the statements the state machine sends, as Athena would, and reports bytes read', async () => {
    await engine.materialize({
      model: BIG,
      partitions: ['2026-11-01', '2026-11-02'],
      buildId: 'b1',
    });
    const stats = await engine.runStatement(
      `SELECT count(*) AS n FROM shop.big WHERE dt = '2026-11-01'`,
    );
    expect(stats.rows).toBe(1);
    // Parquet pages of one partition were read: more than nothing, less than both.
    const bytes = (dir: string) =>
      readdirSync(join(lake, dir)).reduce((n, f) => n + readFileSync(join(lake, dir, f)).length, 0);
    const entry = engine.catalog.get('big')!;
    const total =
      bytes(entry.partitions['2026-11-01']!.location) +
      bytes(entry.partitions['2026-11-02']!.location);
    expect(stats.bytesRead).toBeGreaterThan(0);
    expect(stats.bytesRead).toBeLessThan(total);
    // A CTAS into an existing table, or into another database, fails as on Athena.
    await expect(
      engine.runStatement(
        `CREATE TABLE "shop"."big"\nWITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = 'lake://local/gold/big/x/')\nAS\nSELECT 1 AS n`,
      ),
    ).rejects.toThrow(/already exists/);
    await expect(engine.runStatement(`INSERT INTO "other"."big"\nSELECT 1 AS n`)).rejects.toThrow(
      /database other does not exist/,
    );
  });

  it('builds one table at a time: a live lock holder is reported', async () => {
    const release = engine.catalog.lock('busy');
    try {
      // The lock names this process, which the engine treats as stale for itself; a lock held
      // by another live process (here: the parent of this worker) is refused.
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(lake, '_catalog', 'busy.lock'), String(process.ppid));
      const busy = model({ name: 'busy', sql: `SELECT 1 AS n, '2026-11-01' AS dt` });
      await expect(
        engine.materialize({ model: busy, partitions: ['2026-11-01'], buildId: 'z' }),
      ).rejects.toThrow(new RegExp(`busy is being built by process ${process.ppid}`));
    } finally {
      release();
    }
  });
});

describe('DuckDbEngine.progress', () => {
  it('reports how far a long statement is, between 0 and 1', async () => {
    const d = mkdtempSync(join(tmpdir(), 'lakehouse-engine-'));
    dirs.push(d);
    const engine = await DuckDbEngine.open({ lakeRoot: join(d, 'lake'), database: 'shop' });
    const seen: number[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      // DuckDB tracks progress over table and file scans (not over range()).
      await engine.query(
        'CREATE TABLE big AS SELECT i, CAST(i AS VARCHAR) AS s FROM range(10000000) t(i)',
      );
      timer = setInterval(() => seen.push(engine.progress()), 20);
      await engine.query('SELECT count(DISTINCT s) FROM big');
    } finally {
      clearInterval(timer);
      await engine.close();
    }
    expect(seen.some((p) => p > 0 && p < 1)).toBe(true);
    expect(seen.every((p) => p >= 0 && p <= 1)).toBe(true);
  });
});
