/**
 * The statements a build runs (lib/engine/statements.ts) and the SQL wrapped around a model
 * (lib/engine/wrap.ts): CTAS / INSERT INTO text and its parser, batches of at most 100
 * partitions, staged inputs overlaid on the published table, and the errors a caller gets.
 * One test runs the overlay on DuckDB to check that it reads what it says it reads.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import {
  buildKey,
  checkBuildId,
  ctasStatement,
  insertStatement,
  parseWriteStatement,
  renderBuild,
  sanitizeBuildId,
  stagingTableName,
  type RenderOptions,
} from '../../lib/engine/statements.ts';
import {
  partitionBatches,
  scopedQuery,
  sqlIdent,
  withInputs,
  withScopedInputs,
} from '../../lib/engine/wrap.ts';
import { defineModel } from '../helpers/pipeline-fakes.ts';

const DB = 'lake_db';
const BUILD = '20261122T153000Z-nightly';
const OPTS: RenderOptions = { database: DB, lakeUri: 's3://lake-bucket/' };
const qualify = (t: string) => `${sqlIdent(DB)}.${sqlIdent(t)}`;

/** Partitioned by dt, reading Bronze events scoped on dt. */
const lines = defineModel(
  'silver/lines',
  [
    'materialization: partition_overwrite',
    'partitioned_by: dt',
    'depends_on: bronze_events',
    'scope: bronze_events.dt',
  ],
  'SELECT raw, dt FROM bronze_events',
);
/** Partitioned by dt, reading `lines` scoped and `customers` whole. */
const events = defineModel(
  'silver/events',
  [
    'materialization: partition_overwrite',
    'partitioned_by: dt',
    'depends_on: lines, customers',
    'scope: lines.dt',
  ],
  'SELECT l.raw, c.name, l.dt FROM lines l LEFT JOIN customers c ON c.id = l.raw',
);
/** A whole table over `events`. */
const summary = defineModel(
  'gold/summary',
  ['materialization: table', 'depends_on: events'],
  'SELECT dt, count(*) AS n FROM events GROUP BY dt',
);

/** `n` consecutive dates from 2026-01-01. */
function dates(n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
  );
}

/** Every `IN (...)` / `NOT IN (...)` list in a statement, as arrays of values. */
function inLists(sql: string): string[][] {
  return [...sql.matchAll(/\bIN \(([^)]*)\)/g)].map((m) =>
    m[1]!.split(', ').map((v) => v.replace(/^'|'$/g, '')),
  );
}

describe('parseWriteStatement reads back what ctasStatement and insertStatement write', () => {
  const body = `WITH "x" AS (SELECT 'it''s' AS s)\nSELECT s, 'a' AS dt FROM "x"\n-- trailing comment`;

  it('a partitioned CTAS, with quotes in the identifiers, the location and the column', () => {
    const sql = ctasStatement(
      `${sqlIdent('my"db')}.${sqlIdent('t"""q')}`,
      "s3://bucket/it's/'quoted''/",
      body,
      `d't`,
    );
    expect(parseWriteStatement(sql)).toEqual({
      kind: 'ctas',
      database: 'my"db',
      table: 't"""q',
      location: "s3://bucket/it's/'quoted''/",
      partitionColumn: `d't`,
      body,
    });
  });

  it('an unpartitioned CTAS has no partitionColumn at all', () => {
    const parsed = parseWriteStatement(ctasStatement(qualify('t'), 'lake://local/gold/t/b/', body));
    expect(parsed).toEqual({
      kind: 'ctas',
      database: DB,
      table: 't',
      location: 'lake://local/gold/t/b/',
      body,
    });
    expect(parsed && 'partitionColumn' in parsed).toBe(false);
  });

  it('an INSERT INTO, with a dot and quotes inside the identifiers', () => {
    const sql = insertStatement(`${sqlIdent('a"."b')}.${sqlIdent('c.d')}`, body);
    expect(parseWriteStatement(sql)).toEqual({
      kind: 'insert',
      database: 'a"."b',
      table: 'c.d',
      body,
    });
  });

  it('anything else is undefined', () => {
    expect(parseWriteStatement('SELECT 1')).toBeUndefined();
    expect(parseWriteStatement(`DROP TABLE ${qualify('t')}`)).toBeUndefined();
    // Not at the start of the text.
    expect(parseWriteStatement(`\n${insertStatement(qualify('t'), 'SELECT 1')}`)).toBeUndefined();
    // Properties this module never writes.
    expect(
      parseWriteStatement(
        `CREATE TABLE ${qualify('t')}\nWITH (format = 'ORC', external_location = 's3://b/')\nAS\nSELECT 1`,
      ),
    ).toBeUndefined();
    // An unquoted identifier.
    expect(parseWriteStatement('INSERT INTO db.t\nSELECT 1')).toBeUndefined();
  });

  it('reads every statement renderBuild writes', () => {
    const built = renderBuild(lines, dates(150), BUILD, OPTS);
    const parsed = built.statements.map((s) => parseWriteStatement(s.sql));
    expect(parsed.map((p) => p?.kind)).toEqual(['ctas', 'insert']);
    for (const p of parsed) {
      expect(p?.database).toBe(DB);
      expect(p?.table).toBe(built.stagingTable);
    }
    expect(parsed[0]).toMatchObject({
      location: `s3://lake-bucket/silver/lines/${BUILD}/`,
      partitionColumn: 'dt',
    });
  });
});

describe('build ids and staging names', () => {
  it('accepts run ids and rejects ids that cannot name a folder', () => {
    for (const ok of [BUILD, 'a', 'A.b_c-1', '0abc']) {
      expect(() => checkBuildId(lines, ok)).not.toThrow();
    }
    for (const bad of ['', '-x', '.x', '_x', 'a b', 'a/b', "a'b", 'ä']) {
      expect(() => checkBuildId(lines, bad)).toThrow(
        `lines: build id '${bad}' must match [A-Za-z0-9][A-Za-z0-9_.-]*`,
      );
    }
  });

  it('folds the build id to [a-z0-9_] for the staging table', () => {
    expect(sanitizeBuildId('20261122T153000Z-Run.1')).toBe('20261122t153000z_run_1');
    expect(stagingTableName(lines, '20261122T153000Z-Run.1')).toBe(
      'lines__stg_20261122t153000z_run_1',
    );
    expect(buildKey(lines, BUILD)).toBe(`silver/lines/${BUILD}/`);
  });
});

describe('renderBuild: batches of at most 100 partitions', () => {
  const all = dates(250);
  // Unsorted and with repeats: statements still cover each value once, in order.
  const built = renderBuild(lines, [...all].reverse().concat(all.slice(0, 10)), BUILD, OPTS);

  it('a CTAS for the first 100, then an INSERT INTO per further batch', () => {
    expect(built.stagingTable).toBe('lines__stg_20261122t153000z_nightly');
    expect(built.key).toBe(`silver/lines/${BUILD}/`);
    expect(built.statements.map((s) => s.label)).toEqual([
      'CREATE TABLE AS, statement 1 of 3',
      'INSERT INTO, statement 2 of 3',
      'INSERT INTO, statement 3 of 3',
    ]);
    expect(built.statements.map((s) => s.partitions)).toEqual([
      all.slice(0, 100),
      all.slice(100, 200),
      all.slice(200),
    ]);
    const [first, ...rest] = built.statements;
    expect(first!.sql).toMatch(
      new RegExp(
        `^CREATE TABLE "lake_db"\\."lines__stg_20261122t153000z_nightly"\\n` +
          `WITH \\(format = 'PARQUET', write_compression = 'ZSTD', ` +
          `external_location = 's3://lake-bucket/silver/lines/${BUILD}/', ` +
          `partitioned_by = ARRAY\\['dt'\\]\\)\\nAS\\n`,
      ),
    );
    for (const s of rest) {
      expect(
        s.sql.startsWith(`INSERT INTO "lake_db"."lines__stg_20261122t153000z_nightly"\n`),
      ).toBe(true);
      expect(s.sql).not.toContain('partitioned_by');
    }
  });

  it('each statement reads and writes only its own partitions', () => {
    for (const s of built.statements) {
      // The scoped input's CTE filter and the final filter on the partition column.
      expect(inLists(s.sql)).toEqual([s.partitions, s.partitions]);
      expect(s.sql).toContain(
        `"bronze_events" AS (SELECT * FROM "lake_db"."bronze_events" WHERE "dt" IN (`,
      );
      expect(s.sql.trimEnd().split('\n').at(-1)).toMatch(
        /^SELECT \* FROM "__query" WHERE "dt" IN \(/,
      );
      const others = all.filter((d) => !s.partitions.includes(d));
      for (const d of others) expect(s.sql).not.toContain(`'${d}'`);
    }
  });

  it('a smaller batch size gives more statements; one batch is a lone CTAS', () => {
    expect(renderBuild(lines, dates(5), BUILD, { ...OPTS, batchSize: 2 }).statements).toHaveLength(
      3,
    );
    const one = renderBuild(lines, dates(100), BUILD, OPTS).statements;
    expect(one.map((s) => s.label)).toEqual(['CREATE TABLE AS, statement 1 of 1']);
  });

  it('a table model is one unpartitioned CTAS of the model text, unchanged', () => {
    const t = renderBuild(summary, undefined, BUILD, { ...OPTS, lakeUri: 'lake://local/' });
    expect(t.statements).toHaveLength(1);
    const [s] = t.statements;
    expect(s!.label).toBe('CREATE TABLE AS');
    expect(s!.partitions).toEqual([]);
    expect(parseWriteStatement(s!.sql)).toEqual({
      kind: 'ctas',
      database: DB,
      table: 'summary__stg_20261122t153000z_nightly',
      location: `lake://local/gold/summary/${BUILD}/`,
      body: summary.sql,
    });
  });
});

describe('renderBuild: inputs staged earlier in the same run', () => {
  const D1 = '2026-11-20';
  const D2 = '2026-11-21';

  it('a completely rebuilt input is read only from its staging table', () => {
    const s = renderBuild(events, [D1], BUILD, {
      ...OPTS,
      staged: { lines: { stagingTable: 'lines__stg_r1', partitionColumn: 'dt' } },
    }).statements[0]!.sql;
    expect(s).toContain(
      `"lines" AS (SELECT * FROM "lake_db"."lines__stg_r1" WHERE "dt" IN ('${D1}'))`,
    );
    expect(s).not.toContain('"lake_db"."lines"');
    expect(s).not.toContain('UNION ALL');
    // The unscoped, unstaged input is read from its published table by the model's own text.
    expect(s).not.toMatch(/"customers" AS/);
  });

  it('a partly rebuilt input is its staging table plus the other published partitions', () => {
    const s = renderBuild(events, [D1, D2], BUILD, {
      ...OPTS,
      staged: {
        lines: { stagingTable: 'lines__stg_r1', partitionColumn: 'dt', partitions: [D1] },
      },
    }).statements[0]!.sql;
    expect(s).toContain(
      `"lines" AS (SELECT * FROM (SELECT * FROM "lake_db"."lines__stg_r1" UNION ALL ` +
        `SELECT * FROM "lake_db"."lines" WHERE "dt" NOT IN ('${D1}')) WHERE "dt" IN ('${D1}', '${D2}'))`,
    );
  });

  it('an unscoped staged input is redirected whole; staged tables the model does not read are ignored', () => {
    const s = renderBuild(summary, undefined, BUILD, {
      ...OPTS,
      staged: {
        events: { stagingTable: 'events__stg_r1', partitionColumn: 'dt' },
        lines: { stagingTable: 'lines__stg_r1', partitionColumn: 'dt' },
      },
    }).statements[0]!.sql;
    const body = parseWriteStatement(s)!.body;
    expect(body).toBe(
      `WITH "events" AS (SELECT * FROM "lake_db"."events__stg_r1"),\n` +
        `"__query" AS (\n${summary.sql}\n)\nSELECT * FROM "__query"`,
    );
  });

  it('a partial staged input without its partition column is refused', () => {
    expect(() =>
      renderBuild(events, [D1], BUILD, {
        ...OPTS,
        staged: { lines: { stagingTable: 'lines__stg_r1', partitions: [D1] } },
      }),
    ).toThrow('staged input lines needs its partition column');
  });

  it('the overlay reads staged partitions in place of the published ones (run on DuckDB)', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      await conn.run(`CREATE SCHEMA ${sqlIdent(DB)}`);
      await conn.run(
        `CREATE TABLE ${qualify('lines')} AS SELECT * FROM (VALUES ` +
          `('old-1', '2026-11-19'), ('old-2', '${D1}'), ('old-3', '${D2}')) v(raw, dt)`,
      );
      await conn.run(
        `CREATE TABLE ${qualify('lines__stg_r1')} AS SELECT * FROM (VALUES ('new-2', '${D1}')) v(raw, dt)`,
      );
      await conn.run(
        `CREATE TABLE ${qualify('customers')} AS SELECT * FROM (VALUES ('new-2', 'Ann')) v(id, name)`,
      );
      const body = parseWriteStatement(
        renderBuild(events, [D1, D2], BUILD, {
          ...OPTS,
          staged: {
            lines: { stagingTable: 'lines__stg_r1', partitionColumn: 'dt', partitions: [D1] },
          },
        }).statements[0]!.sql,
      )!.body;
      // The model's unqualified `customers` resolves to the published table.
      await conn.run(`SET search_path = '${DB}'`);
      const rows = (await conn.runAndReadAll(`${body} ORDER BY dt`)).getRowObjectsJson();
      expect(rows).toEqual([
        { raw: 'new-2', name: 'Ann', dt: D1 },
        { raw: 'old-3', name: null, dt: D2 },
      ]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});

describe('renderBuild refuses what it cannot write', () => {
  it('a table model with partitions', () => {
    expect(() => renderBuild(summary, ['2026-11-20'], BUILD, OPTS)).toThrow(
      "summary is a 'table' model: it is rebuilt whole, without partitions",
    );
  });
  it('a partitioned model without partitions', () => {
    for (const p of [undefined, []]) {
      expect(() => renderBuild(lines, p, BUILD, OPTS)).toThrow(
        'lines: partition_overwrite needs the partition values to rebuild',
      );
    }
  });
  it('an empty partition value', () => {
    expect(() => renderBuild(lines, ['2026-11-20', ''], BUILD, OPTS)).toThrow(
      'lines: an empty string is not a valid partition value',
    );
  });
  it('a bad build id, before rendering anything', () => {
    expect(() => renderBuild(summary, undefined, 'run 1', OPTS)).toThrow(
      "summary: build id 'run 1' must match",
    );
  });
});

describe('wrap: inputs shadowed by CTEs of the same name', () => {
  it('withInputs leaves the text alone when there is nothing to wrap', () => {
    expect(withInputs('SELECT 1', {})).toBe('SELECT 1');
  });

  it('withInputs quotes identifiers and values', () => {
    expect(
      withInputs('SELECT * FROM t', {
        t: { from: '"db"."t"', filter: { column: 'c"ol', values: ["it's", 'b'] } },
        u: { from: '(SELECT 1 AS x)' },
      }),
    ).toBe(
      `WITH "t" AS (SELECT * FROM "db"."t" WHERE "c""ol" IN ('it''s', 'b')),\n` +
        `"u" AS (SELECT * FROM (SELECT 1 AS x)),\n` +
        `"__query" AS (\nSELECT * FROM t\n)\nSELECT * FROM "__query"`,
    );
  });

  it('withInputs with only a tail still names the query', () => {
    expect(withInputs('SELECT 1 AS x', {}, (q) => `SELECT x FROM ${q} LIMIT 1`)).toBe(
      `WITH "__query" AS (\nSELECT 1 AS x\n)\nSELECT x FROM "__query" LIMIT 1`,
    );
  });

  it('withScopedInputs filters each scoped table to the values', () => {
    expect(
      withScopedInputs('SELECT * FROM a JOIN b USING (k)', { a: 'dt', b: 'day' }, ['d1'], qualify),
    ).toBe(
      `WITH "a" AS (SELECT * FROM "lake_db"."a" WHERE "dt" IN ('d1')),\n` +
        `"b" AS (SELECT * FROM "lake_db"."b" WHERE "day" IN ('d1')),\n` +
        `"__query" AS (\nSELECT * FROM a JOIN b USING (k)\n)\nSELECT * FROM "__query"`,
    );
  });

  it('scopedQuery: the model text alone when nothing is scoped or redirected', () => {
    expect(scopedQuery(summary, undefined, qualify)).toBe(summary.sql);
    expect(scopedQuery(events, undefined, qualify)).toBe(events.sql);
  });

  it('scopedQuery: a redirect of an unscoped input is unfiltered, of a scoped one filtered', () => {
    const sql = scopedQuery(events, ['d1'], qualify, (t) =>
      t === 'customers' ? '"x"."customers_v2"' : t === 'lines' ? '"x"."lines_v2"' : undefined,
    );
    expect(sql).toContain(`"lines" AS (SELECT * FROM "x"."lines_v2" WHERE "dt" IN ('d1'))`);
    expect(sql).toContain(`"customers" AS (SELECT * FROM "x"."customers_v2")`);
    expect(sql).not.toContain('"lake_db"');
  });

  it('scopedQuery: a cumulative input is read up to the newest partition being built', () => {
    const snapshots = defineModel(
      'rfm/snapshots',
      [
        'materialization: partition_overwrite',
        'partitioned_by: snapshot_date',
        'depends_on: events, customers',
        'cumulative: events.dt',
        'lookup: customers',
      ],
      'SELECT count(*) AS n, dt AS snapshot_date FROM events GROUP BY dt',
    );
    const sql = scopedQuery(snapshots, ['d2', 'd1', 'd3'], qualify);
    expect(sql).toContain(`"events" AS (SELECT * FROM "lake_db"."events" WHERE "dt" <= 'd3')`);
    // A lookup is read whole; the output is still limited to the partitions asked for.
    expect(sql).not.toContain('"customers" AS');
    expect(sql).toContain(`WHERE "snapshot_date" IN ('d2', 'd1', 'd3')`);
  });

  it('scopedQuery: with window_days, a cumulative input is read from that many days back', () => {
    const trailing = defineModel(
      'gold/trailing',
      [
        'materialization: partition_overwrite',
        'partitioned_by: dt',
        'depends_on: events',
        'cumulative: events.dt',
        'window_days: 6',
      ],
      'SELECT count(*) AS n, dt FROM events GROUP BY dt',
    );
    expect(scopedQuery(trailing, ['2026-11-21', '2026-03-01'], qualify)).toContain(
      `"events" AS (SELECT * FROM "lake_db"."events" WHERE "dt" >= '2026-02-23' AND "dt" <= '2026-11-21')`,
    );
    expect(() => scopedQuery(trailing, ['latest'], qualify)).toThrow(
      "window_days needs date partition values (YYYY-MM-DD), got 'latest'",
    );
  });

  it('scopedQuery refuses partitions on an unpartitioned model, or none at all', () => {
    expect(() => scopedQuery(summary, ['d1'], qualify)).toThrow('summary has no partition column');
    expect(() => scopedQuery(lines, [], qualify)).toThrow('lines: no partitions to build');
  });

  it('partitionBatches sorts, removes repeats and splits', () => {
    expect(partitionBatches(['c', 'a', 'b', 'a', 'd'], 3)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(partitionBatches([])).toEqual([]);
  });
});
