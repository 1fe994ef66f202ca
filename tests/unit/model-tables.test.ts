/**
 * athena/ddl/model-tables.json (lib/catalog/model-tables.ts): DuckDB types map to Glue types in
 * one function that refuses what Athena cannot write to Parquet, naming the model and the column;
 * the file's layout is stable; and the committed file is what
 * `npm run ddl` would write now (the freshness check CI runs).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MODEL_TABLES_FILE,
  ModelTableError,
  describeModelTables,
  duckDbType,
  glueType,
  parseModelTables,
  renderModelTables,
  staleness,
  type ModelTable,
} from '../../lib/catalog/model-tables.ts';
import { loadModels, parseModel } from '../../lib/engine/model.ts';

describe('glueType', () => {
  it('maps the scalar types to their Glue (Hive) names', () => {
    const cases: [string, string][] = [
      ['VARCHAR', 'string'],
      ['BIGINT', 'bigint'],
      ['INTEGER', 'int'],
      ['SMALLINT', 'smallint'],
      ['TINYINT', 'tinyint'],
      ['DOUBLE', 'double'],
      ['FLOAT', 'float'],
      ['BOOLEAN', 'boolean'],
      ['DATE', 'date'],
      ['TIMESTAMP', 'timestamp'],
      ['TIMESTAMP_MS', 'timestamp'],
      ['TIMESTAMP_NS', 'timestamp'],
      ['BLOB', 'binary'],
      ['DECIMAL(12,2)', 'decimal(12,2)'],
      ['DECIMAL(38, 0)', 'decimal(38,0)'],
      ['decimal(18,4)', 'decimal(18,4)'],
      [' varchar ', 'string'],
    ];
    for (const [duck, glue] of cases) expect(glueType(duck, 'm, column c'), duck).toBe(glue);
  });

  it('refuses what Athena cannot write to a Parquet table, naming where and saying what to do', () => {
    const refused: [string, RegExp][] = [
      ['TIMESTAMP WITH TIME ZONE', /AT TIME ZONE 'UTC' AS TIMESTAMP/],
      ['TIME', /time of day/],
      ['TIME WITH TIME ZONE', /time of day/],
      ['HUGEINT', /CAST it to BIGINT/],
      ['UHUGEINT', /CAST it to BIGINT/],
      ['UBIGINT', /unsigned/],
      ['UINTEGER', /unsigned/],
      ['UUID', /CAST it to VARCHAR/],
      ['JSON', /CAST it to VARCHAR/],
      ["ENUM('a', 'b')", /CAST it to VARCHAR/],
      ['INTERVAL', /interval/],
      ['VARCHAR[]', /nested types/],
      ['INTEGER[3]', /nested types/],
      ['STRUCT(a INTEGER, b VARCHAR)', /nested types/],
      ['MAP(VARCHAR, INTEGER)', /nested types/],
      ['UNION(a INTEGER, b VARCHAR)', /nested types/],
      ['"NULL"', /untyped NULL/],
      ['BIT', /no Glue type is known/],
      ['DECIMAL(40,2)', /no Glue type is known/],
    ];
    for (const [duck, why] of refused) {
      let error: unknown;
      try {
        glueType(duck, 'athena/models/gold/m.sql, column c');
      } catch (e) {
        error = e;
      }
      expect(error, duck).toBeInstanceOf(ModelTableError);
      const message = (error as Error).message;
      expect(message, duck).toMatch(
        /^athena\/models\/gold\/m\.sql, column c: DuckDB type .+ cannot be a Glue column \(/,
      );
      expect(message, duck).toContain(duck);
      expect(message, duck).toMatch(why);
    }
  });
});

describe('duckDbType', () => {
  it('is the inverse of glueType for every type the file can hold', () => {
    for (const t of [
      'VARCHAR',
      'BIGINT',
      'INTEGER',
      'DOUBLE',
      'BOOLEAN',
      'DATE',
      'TIMESTAMP',
      'DECIMAL(18,2)',
    ]) {
      expect(duckDbType(glueType(t, 'x'))).toBe(t);
    }
    expect(() => duckDbType('varchar(3)')).toThrow('no DuckDB type for the Glue type varchar(3)');
  });
});

describe('describeModelTables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'model-tables-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const model = (layer: string, name: string, text: string) =>
    parseModel(join(dir, 'athena', 'models', layer, `${name}.sql`), text);

  it('types each model as its build publishes it, inputs first, partition keys as strings', async () => {
    const daily = model(
      'gold',
      'daily_lines',
      [
        '-- materialization: partition_overwrite',
        '-- partitioned_by: dt',
        '-- depends_on: bronze_events',
        '-- scope: bronze_events.dt',
        '-- description: Lines per day',
        'SELECT count(*) AS lines, CAST(max(length(raw)) AS INTEGER) AS longest,',
        '  CAST(NULL AS DECIMAL(10,3)) AS price, CAST(NULL AS DATE) AS day,',
        '  CAST(NULL AS TIMESTAMP) AS at, dt',
        'FROM bronze_events GROUP BY dt',
      ].join('\n'),
    );
    const summary = model(
      'rfm',
      'line_summary',
      [
        '-- materialization: table',
        '-- depends_on: daily_lines',
        'SELECT dt, lines, price > 0 AS priced FROM daily_lines',
      ].join('\n'),
    );
    const tables = await describeModelTables([daily, summary]);
    expect(tables).toEqual([
      {
        name: 'daily_lines',
        layer: 'gold',
        description: 'Lines per day',
        columns: [
          { name: 'lines', type: 'bigint' },
          { name: 'longest', type: 'int' },
          { name: 'price', type: 'decimal(10,3)' },
          { name: 'day', type: 'date' },
          { name: 'at', type: 'timestamp' },
        ],
        partitionKeys: [{ name: 'dt', type: 'string' }],
      },
      {
        name: 'line_summary',
        layer: 'rfm',
        description: '',
        // dt is read back from the partitioned input as a string, as Athena reads it.
        columns: [
          { name: 'dt', type: 'string' },
          { name: 'lines', type: 'bigint' },
          { name: 'priced', type: 'boolean' },
        ],
        partitionKeys: [],
      },
    ]);
  });

  it('refuses every column Athena cannot write, naming each model file and column', async () => {
    const bad = model(
      'gold',
      'bad_types',
      [
        '-- materialization: table',
        '-- depends_on: bronze_events',
        'SELECT from_iso8601_timestamp(raw) AS seen_at, count(*) AS n,',
        '  sum(length(raw)) AS total_length, count(*) AS "Lines"',
        'FROM bronze_events GROUP BY 1',
      ].join('\n'),
    );
    const error = await describeModelTables([bad]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelTableError);
    const lines = (error as Error).message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /bad_types\.sql, column seen_at: DuckDB type TIMESTAMP WITH TIME ZONE cannot be a Glue column/,
    );
    expect(lines[1]).toMatch(/bad_types\.sql, column total_length: DuckDB type HUGEINT/);
    expect(lines[2]).toMatch(/bad_types\.sql, column Lines: a Glue column name is a lowercase/);
  });

  it('says which model does not build', async () => {
    const broken = model(
      'silver',
      'broken',
      ['-- materialization: table', 'SELECT no_such_column FROM bronze_events'].join('\n'),
    );
    await expect(describeModelTables([broken])).rejects.toThrow(
      /broken\.sql: cannot build on an empty lake: .*no_such_column/,
    );
  });
});

describe('the file', () => {
  const table = (name: string, over: Partial<ModelTable> = {}): ModelTable => ({
    name,
    layer: 'gold',
    description: `about ${name}`,
    columns: [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'decimal(12,2)' },
    ],
    partitionKeys: [{ name: 'dt', type: 'string' }],
    ...over,
  });

  it('lists tables by layer, then name, and reads back what it wrote', () => {
    const tables = [
      table('zeta', { layer: 'silver' }),
      table('beta'),
      table('alpha', { layer: 'rfm' }),
    ];
    const text = renderModelTables(tables);
    expect(parseModelTables(text).map((t) => `${t.layer}.${t.name}`)).toEqual([
      'silver.zeta',
      'gold.beta',
      'rfm.alpha',
    ]);
    expect(parseModelTables(text)).toEqual(
      [tables[0], tables[1], tables[2]].map((t) => ({ ...t })),
    );
    expect(renderModelTables([...tables].reverse())).toBe(text);
  });

  it('refuses a hand-edited file that is not what the generator writes', () => {
    const good = JSON.parse(renderModelTables([table('t')])) as { tables: ModelTable[] };
    const edit = (f: (t: { columns: unknown[]; partitionKeys: unknown[] }) => void) => {
      const copy = structuredClone(good) as unknown as {
        tables: { columns: unknown[]; partitionKeys: unknown[] }[];
      };
      f(copy.tables[0]!);
      return JSON.stringify(copy);
    };
    expect(() =>
      parseModelTables(edit((t) => (t.columns[0] = { name: 'a', type: 'varchar' }))),
    ).toThrow(/tables\.0\.columns\.0\.type.*npm run ddl/);
    expect(() =>
      parseModelTables(edit((t) => (t.partitionKeys[0] = { name: 'dt', type: 'date' }))),
    ).toThrow(ModelTableError);
    expect(() => parseModelTables(renderModelTables([table('t'), table('t')]))).toThrow(
      /table t is listed twice/,
    );
    expect(() => parseModelTables('{')).toThrow(/not JSON/);
  });

  it('says what is stale: new, gone and changed tables', () => {
    const committed = renderModelTables([table('kept'), table('changed'), table('gone')]);
    const fresh = [
      table('kept'),
      table('changed', { columns: [{ name: 'a', type: 'bigint' }] }),
      table('added'),
    ];
    expect(staleness(renderModelTables(fresh), fresh)).toBeUndefined();
    expect(staleness(committed, fresh)).toBe(
      'athena/ddl/model-tables.json is out of date: run npm run ddl ' +
        '(new: added; gone: gone; changed: changed)',
    );
    expect(staleness(undefined, fresh)).toBe(
      'athena/ddl/model-tables.json is out of date: run npm run ddl',
    );
  });
});

describe('athena/ddl/model-tables.json', () => {
  it('is what `npm run ddl` writes for the models as they are now', async () => {
    const models = loadModels();
    const fresh = await describeModelTables(models);
    let committed: string | undefined;
    try {
      committed = readFileSync(MODEL_TABLES_FILE, 'utf8');
    } catch {
      committed = undefined;
    }
    const stale = staleness(committed, fresh);
    if (stale) expect.fail(stale);
    expect(fresh.map((t) => t.name).sort()).toEqual(models.map((m) => m.name).sort());
  });
});
