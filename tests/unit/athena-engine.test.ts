import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type GetQueryExecutionCommandInput,
  type GetQueryResultsCommandInput,
  type QueryExecutionState,
  type StartQueryExecutionCommandInput,
  type StatementType,
} from '@aws-sdk/client-athena';
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetTableCommand,
  GlueClient,
  UpdateTableCommand,
  type BatchCreatePartitionCommandInput,
  type BatchDeletePartitionCommandInput,
  type BatchGetPartitionCommandInput,
  type BatchUpdatePartitionCommandInput,
  type Column,
  type CreateTableCommandInput,
  type DeleteTableCommandInput,
  type GetTableCommandInput,
  type Partition,
  type Table,
  type UpdateTableCommandInput,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AthenaEngine, hivePathValue } from '../../lib/engine/athena.ts';
import { sanitizeBuildId } from '../../lib/engine/statements.ts';
import type { Model } from '../../lib/engine/model.ts';
import { SqlError } from '../../lib/engine/sql-engine.ts';

const athenaMock = mockClient(AthenaClient);
const glueMock = mockClient(GlueClient);

const DB = 'lakehouse';
const BUCKET = 'lake-bucket';
const BUILD = '20261122T153000Z-1a2b3c';
const STG_SUFFIX = '__stg_20261122t153000z_1a2b3c';

// ------------------------------------------------------------------------------------------------
// A stand-in Athena: each statement's outcome comes from a handler; results are paged like the API.

interface Outcome {
  /** States reported by successive GetQueryExecution calls; the last one sticks. */
  states?: QueryExecutionState[];
  reason?: string;
  athenaError?: { ErrorCategory?: number; ErrorType?: number; ErrorMessage?: string };
  statementType?: StatementType;
  columns?: [name: string, type: string, precision?: number, scale?: number][];
  /** Result pages (without the header, which the fake adds to the first page of a DML). */
  pages?: (string | null)[][][];
  updateCount?: number;
}

interface FakeAthena {
  statements: string[];
}

function fakeAthena(handler: (sql: string) => Outcome): FakeAthena {
  const statements: string[] = [];
  const outcomes = new Map<string, { outcome: Outcome; polls: number }>();
  athenaMock
    .on(StartQueryExecutionCommand)
    .callsFake(async (i: StartQueryExecutionCommandInput) => {
      const id = `qid-${statements.length + 1}`;
      statements.push(i.QueryString!);
      outcomes.set(id, { outcome: handler(i.QueryString!), polls: 0 });
      return { QueryExecutionId: id };
    });
  athenaMock.on(GetQueryExecutionCommand).callsFake(async (i: GetQueryExecutionCommandInput) => {
    const entry = outcomes.get(i.QueryExecutionId!)!;
    const states = entry.outcome.states ?? ['SUCCEEDED'];
    const state = states[Math.min(entry.polls++, states.length - 1)];
    return {
      QueryExecution: {
        QueryExecutionId: i.QueryExecutionId,
        StatementType: entry.outcome.statementType ?? 'DML',
        Status: {
          State: state,
          StateChangeReason: entry.outcome.reason,
          AthenaError: entry.outcome.athenaError,
        },
      },
    };
  });
  athenaMock.on(GetQueryResultsCommand).callsFake(async (i: GetQueryResultsCommandInput) => {
    const { outcome } = outcomes.get(i.QueryExecutionId!)!;
    const pages = outcome.pages ?? [[]];
    const index = i.NextToken ? Number(i.NextToken.replace('page-', '')) : 0;
    const cols = outcome.columns ?? [];
    const header =
      index === 0 && (outcome.statementType ?? 'DML') === 'DML' && cols.length > 0
        ? [{ Data: cols.map(([name]) => ({ VarCharValue: name })) }]
        : [];
    const rows = pages[index]!.map((r) => ({
      Data: r.map((v) => (v === null ? {} : { VarCharValue: v })),
    }));
    return {
      UpdateCount: outcome.updateCount,
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: cols.map(([Name, Type, Precision, Scale]) => ({
            Name,
            Label: Name,
            Type,
            Precision,
            Scale,
          })),
        },
        Rows: [...header, ...rows],
      },
      NextToken: index + 1 < pages.length ? `page-${index + 1}` : undefined,
    };
  });
  return { statements };
}

// ------------------------------------------------------------------------------------------------
// A stand-in Glue catalog: tables and partitions in maps.

class FakeGlue {
  readonly tables = new Map<string, Table>();
  readonly partitions = new Map<string, Map<string, Partition>>();

  constructor() {
    const notFound = (what: string) =>
      new EntityNotFoundException({ message: `${what} not found`, $metadata: {} });
    glueMock.on(GetTableCommand).callsFake(async (i: GetTableCommandInput) => {
      const t = this.tables.get(i.Name!);
      if (!t) throw notFound(`Table ${i.Name}`);
      return { Table: structuredClone(t) };
    });
    glueMock.on(CreateTableCommand).callsFake(async (i: CreateTableCommandInput) => {
      this.tables.set(i.TableInput!.Name!, { ...i.TableInput!, DatabaseName: i.DatabaseName! });
      return {};
    });
    glueMock.on(UpdateTableCommand).callsFake(async (i: UpdateTableCommandInput) => {
      if (!this.tables.has(i.TableInput!.Name!)) throw notFound(`Table ${i.TableInput!.Name}`);
      this.tables.set(i.TableInput!.Name!, { ...i.TableInput!, DatabaseName: i.DatabaseName! });
      return {};
    });
    glueMock.on(DeleteTableCommand).callsFake(async (i: DeleteTableCommandInput) => {
      if (!this.tables.delete(i.Name!)) throw notFound(`Table ${i.Name}`);
      this.partitions.delete(i.Name!);
      return {};
    });
    glueMock.on(BatchGetPartitionCommand).callsFake(async (i: BatchGetPartitionCommandInput) => {
      const parts = this.partitionsOf(i.TableName!);
      return {
        Partitions: i
          .PartitionsToGet!.map((k) => parts.get(k.Values![0]!))
          .filter((p): p is Partition => p !== undefined),
        UnprocessedKeys: [],
      };
    });
    glueMock
      .on(BatchCreatePartitionCommand)
      .callsFake(async (i: BatchCreatePartitionCommandInput) => {
        const parts = this.partitionsOf(i.TableName!);
        for (const p of i.PartitionInputList!) parts.set(p.Values![0]!, { ...p });
        return { Errors: [] };
      });
    glueMock
      .on(BatchUpdatePartitionCommand)
      .callsFake(async (i: BatchUpdatePartitionCommandInput) => {
        const parts = this.partitionsOf(i.TableName!);
        for (const e of i.Entries!) parts.set(e.PartitionValueList![0]!, { ...e.PartitionInput });
        return { Errors: [] };
      });
    glueMock
      .on(BatchDeletePartitionCommand)
      .callsFake(async (i: BatchDeletePartitionCommandInput) => {
        const parts = this.partitionsOf(i.TableName!);
        for (const k of i.PartitionsToDelete!) parts.delete(k.Values![0]!);
        return { Errors: [] };
      });
  }

  partitionsOf(table: string): Map<string, Partition> {
    let parts = this.partitions.get(table);
    if (!parts) this.partitions.set(table, (parts = new Map()));
    return parts;
  }
}

/** What Athena registers in Glue for a CTAS (parsed from the statement). */
function stagingTableFor(sql: string, columns: Column[]): Table {
  const name = /^CREATE TABLE "[^"]+"\."([^"]+)"/.exec(sql)![1]!;
  const location = /external_location = '([^']+)'/.exec(sql)![1]!;
  const partitioned = /partitioned_by = ARRAY\['([^']+)'\]/.exec(sql)?.[1];
  return {
    Name: name,
    DatabaseName: DB,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { has_encrypted_data: 'false', 'parquet.compression': 'ZSTD' },
    PartitionKeys: partitioned ? [{ Name: partitioned, Type: 'string' }] : [],
    StorageDescriptor: {
      Columns: columns,
      Location: location.replace(/\/$/, ''),
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      },
    },
  };
}

/** The values of the last `IN (...)` list of a statement (the filter on the partition column). */
function inList(sql: string): string[] {
  const m = /IN \(([^)]*)\)\s*$/.exec(sql);
  if (!m) throw new Error(`no IN list in ${sql}`);
  return m[1]!.split(', ').map((v) => v.replace(/^'|'$/g, ''));
}

let sleeps: number[];
const makeEngine = (extra: Partial<ConstructorParameters<typeof AthenaEngine>[0]> = {}) =>
  new AthenaEngine({
    athena: new AthenaClient({ region: 'eu-west-1' }),
    glue: new GlueClient({ region: 'eu-west-1' }),
    database: DB,
    workGroup: 'lakehouse-wg',
    lakeBucket: BUCKET,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });

beforeEach(() => {
  sleeps = [];
});
afterEach(() => {
  athenaMock.reset();
  glueMock.reset();
});

// ------------------------------------------------------------------------------------------------

describe('helpers', () => {
  it('folds build ids into table-name characters and escapes partition paths like Hive', () => {
    expect(sanitizeBuildId(BUILD)).toBe('20261122t153000z_1a2b3c');
    expect(hivePathValue('2026-11-22')).toBe('2026-11-22');
    expect(hivePathValue('a/b:c=d%')).toBe('a%2Fb%3Ac%3Dd%25');
  });
});

describe('AthenaEngine.query', () => {
  it('starts the query in the work group and polls QUEUED → RUNNING → SUCCEEDED', async () => {
    fakeAthena(() => ({
      states: ['QUEUED', 'RUNNING', 'SUCCEEDED'],
      columns: [['n', 'integer']],
      pages: [[['1']]],
    }));
    const result = await makeEngine().query('SELECT 1 AS n');
    expect(result).toEqual({ columns: [{ name: 'n', type: 'integer' }], rows: [{ n: 1 }] });
    const start = athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start).toEqual({
      QueryString: 'SELECT 1 AS n',
      WorkGroup: 'lakehouse-wg',
      QueryExecutionContext: { Database: DB, Catalog: 'AwsDataCatalog' },
    });
    expect(athenaMock.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
    expect(sleeps).toEqual([250, 375, 563]);
  });

  it('backs off by ×1.5 up to pollMaxMs', async () => {
    fakeAthena(() => ({
      states: [...Array<QueryExecutionState>(10).fill('RUNNING'), 'SUCCEEDED'],
    }));
    await makeEngine({ pollInitialMs: 100, pollMaxMs: 1000, catalog: 'other' }).query('SELECT 1');
    expect(sleeps).toEqual([100, 150, 225, 338, 507, 761, 1000, 1000, 1000, 1000, 1000]);
    const start = athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start.QueryExecutionContext?.Catalog).toBe('other');
  });

  it('throws a SqlError carrying the Athena reason and the query id', async () => {
    fakeAthena(() => ({
      states: ['RUNNING', 'FAILED'],
      reason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
      athenaError: {
        ErrorCategory: 2,
        ErrorType: 1006,
        ErrorMessage: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
      },
    }));
    const err = await makeEngine()
      .query('SELECT nope')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).queryId).toBe('qid-1');
    expect((err as SqlError).message).toContain('qid-1');
    expect((err as SqlError).message).toContain("Column 'nope' cannot be resolved");
    expect((err as SqlError).message).toContain('error type 1006');
    expect((err as SqlError).message).toContain('category 2 (user)');
  });

  it('reports a cancelled query as a SqlError too', async () => {
    fakeAthena(() => ({ states: ['CANCELLED'], reason: 'Query was cancelled by user' }));
    await expect(makeEngine().query('SELECT 1')).rejects.toThrow(
      /qid-1 CANCELLED: Query was cancelled by user/,
    );
  });

  it('pages through the results, skips the header and converts values by type', async () => {
    fakeAthena(() => ({
      columns: [
        ['id', 'integer'],
        ['big', 'bigint'],
        ['amount', 'decimal', 12, 2],
        ['score', 'double'],
        ['ok', 'boolean'],
        ['name', 'varchar'],
        ['dt', 'date'],
      ],
      pages: [
        [
          ['1', '9007199254740991', '12.30', '0.5', 'true', 'ann', '2026-11-22'],
          ['2', '9007199254740993', '-0.01', 'NaN', 'false', '', '2026-11-23'],
        ],
        [[null, null, null, null, null, null, null]],
        [['3', '-7', '100000000000.99', '1e3', 'true', 'id', '2026-11-24']],
      ],
    }));
    const result = await makeEngine().query('SELECT ...');
    expect(result.columns).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'big', type: 'bigint' },
      { name: 'amount', type: 'decimal(12,2)' },
      { name: 'score', type: 'double' },
      { name: 'ok', type: 'boolean' },
      { name: 'name', type: 'varchar' },
      { name: 'dt', type: 'date' },
    ]);
    expect(result.rows).toEqual([
      {
        id: 1,
        big: 9007199254740991,
        amount: '12.30',
        score: 0.5,
        ok: true,
        name: 'ann',
        dt: '2026-11-22',
      },
      {
        id: 2,
        big: '9007199254740993',
        amount: '-0.01',
        score: 'NaN',
        ok: false,
        name: '',
        dt: '2026-11-23',
      },
      { id: null, big: null, amount: null, score: null, ok: null, name: null, dt: null },
      {
        id: 3,
        big: -7,
        amount: '100000000000.99',
        score: 1000,
        ok: true,
        name: 'id',
        dt: '2026-11-24',
      },
    ]);
    const tokens = athenaMock
      .commandCalls(GetQueryResultsCommand)
      .map((c) => c.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, 'page-1', 'page-2']);
  });

  it('returns no rows for an empty SELECT and keeps the first row of a non-DML statement', async () => {
    fakeAthena((sql) =>
      sql.startsWith('SHOW')
        ? { statementType: 'UTILITY', columns: [['tab_name', 'varchar']], pages: [[['tab_name']]] }
        : { columns: [['n', 'bigint']], pages: [[]] },
    );
    const engine = makeEngine();
    expect((await engine.query('SELECT n FROM t WHERE false')).rows).toEqual([]);
    expect((await engine.query('SHOW TABLES')).rows).toEqual([{ tab_name: 'tab_name' }]);
  });

  it('stops the query and rejects with the abort reason when the signal aborts', async () => {
    fakeAthena(() => ({ states: ['RUNNING'] }));
    athenaMock.on(StopQueryExecutionCommand).resolves({});
    const controller = new AbortController();
    const engine = makeEngine({
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 3) controller.abort();
      },
    });
    const err = await engine.query('SELECT slow()', { signal: controller.signal }).catch((e) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(err).toBe(controller.signal.reason);
    const stops = athenaMock.commandCalls(StopQueryExecutionCommand);
    expect(stops.map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'qid-1' }]);
    expect(athenaMock.commandCalls(GetQueryExecutionCommand)).toHaveLength(2);
  });

  it('does not start a query when the signal has already aborted', async () => {
    fakeAthena(() => ({}));
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(makeEngine().query('SELECT 1', { signal: controller.signal })).rejects.toThrow(
      'shutting down',
    );
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});

// ------------------------------------------------------------------------------------------------

const dailyModel: Model = {
  name: 'gold_daily',
  layer: 'gold',
  materialization: 'table',
  partitionedBy: [],
  dependsOn: ['silver_events'],
  scope: {},
  cumulative: {},
  lookup: [],
  description: 'Revenue per day',
  file: 'athena/models/gold/gold_daily.sql',
  sql: 'SELECT dt, sum(amount) AS revenue FROM silver_events GROUP BY dt',
};
const dailyColumns: Column[] = [
  { Name: 'dt', Type: 'string' },
  { Name: 'revenue', Type: 'decimal(22,2)' },
];

describe('AthenaEngine.materialize (table)', () => {
  let glue: FakeGlue;
  let athena: FakeAthena;
  beforeEach(() => {
    glue = new FakeGlue();
    athena = fakeAthena((sql) => {
      if (sql.startsWith('CREATE TABLE')) {
        const t = stagingTableFor(sql, dailyColumns);
        glue.tables.set(t.Name!, t);
        return { statementType: 'DDL', updateCount: 42 };
      }
      throw new Error(`unexpected statement ${sql}`);
    });
  });

  const stagingName = `gold_daily${STG_SUFFIX}`;
  const newLocation = `s3://${BUCKET}/gold/gold_daily/${BUILD}/`;

  it('runs one CTAS into the staging location and creates the missing target', async () => {
    const result = await makeEngine().materialize({ model: dailyModel, buildId: BUILD });
    expect(athena.statements).toEqual([
      `CREATE TABLE "${DB}"."${stagingName}"\n` +
        `WITH (format = 'PARQUET', write_compression = 'ZSTD', external_location = '${newLocation}')\n` +
        `AS\n${dailyModel.sql}`,
    ]);
    const creates = glueMock.commandCalls(CreateTableCommand).map((c) => c.args[0].input);
    expect(creates).toHaveLength(1);
    expect(creates[0]!.DatabaseName).toBe(DB);
    expect(creates[0]!.TableInput).toMatchObject({
      Name: 'gold_daily',
      Description: 'Revenue per day',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [],
      Parameters: { 'parquet.compression': 'ZSTD' },
      StorageDescriptor: { Columns: dailyColumns, Location: newLocation },
    });
    expect(glueMock.commandCalls(UpdateTableCommand)).toHaveLength(0);
    expect(glueMock.commandCalls(DeleteTableCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: DB, Name: stagingName },
    ]);
    expect([...glue.tables.keys()]).toEqual(['gold_daily']);
    expect(result).toMatchObject({
      model: 'gold_daily',
      rows: 42,
      partitions: [],
      removed: [],
      location: `gold/gold_daily/${BUILD}/`,
      statements: 1,
    });
  });

  it('points an existing target at the new location, keeping its owner and parameters', async () => {
    glue.tables.set('gold_daily', {
      Name: 'gold_daily',
      DatabaseName: DB,
      Owner: 'analytics',
      Description: 'old text',
      TableType: 'EXTERNAL_TABLE',
      Parameters: { classification: 'parquet', 'parquet.compression': 'SNAPPY' },
      PartitionKeys: [],
      StorageDescriptor: {
        Columns: [{ Name: 'dt', Type: 'string' }],
        Location: 's3://lake-bucket/gold/gold_daily/old-build/',
      },
    });
    await makeEngine().materialize({ model: dailyModel, buildId: BUILD });
    expect(glueMock.commandCalls(CreateTableCommand)).toHaveLength(0);
    const updates = glueMock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.TableInput).toMatchObject({
      Name: 'gold_daily',
      Owner: 'analytics',
      Description: 'Revenue per day',
      Parameters: { classification: 'parquet', 'parquet.compression': 'ZSTD' },
      StorageDescriptor: { Columns: dailyColumns, Location: newLocation },
    });
    expect(glue.tables.get('gold_daily')!.StorageDescriptor!.Location).toBe(newLocation);
    expect(glue.tables.has(stagingName)).toBe(false);
  });

  it('refuses partitions for a table model', async () => {
    await expect(
      makeEngine().materialize({ model: dailyModel, buildId: BUILD, partitions: ['x'] }),
    ).rejects.toThrow(/rebuilt whole/);
    expect(athena.statements).toEqual([]);
  });

  it('leaves the target alone and drops nothing but staging when the CTAS fails', async () => {
    athenaMock.reset();
    fakeAthena(() => ({ states: ['FAILED'], reason: 'HIVE_BAD_DATA: boom' }));
    const err = await makeEngine()
      .materialize({ model: dailyModel, buildId: BUILD })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).message).toMatch(/^gold_daily \(CREATE TABLE AS\): .*HIVE_BAD_DATA/);
    expect(glueMock.commandCalls(CreateTableCommand)).toHaveLength(0);
    expect(glueMock.commandCalls(UpdateTableCommand)).toHaveLength(0);
    // Best-effort cleanup of a staging table that was never registered: not found is ignored.
    expect(glueMock.commandCalls(DeleteTableCommand).map((c) => c.args[0].input.Name)).toEqual([
      stagingName,
    ]);
  });
});

// ------------------------------------------------------------------------------------------------

const eventsModel: Model = {
  name: 'silver_events',
  layer: 'silver',
  materialization: 'partition_overwrite',
  partitionedBy: ['dt'],
  dependsOn: ['bronze_events'],
  scope: { bronze_events: 'dt' },
  cumulative: {},
  lookup: [],
  description: 'Typed events',
  file: 'athena/models/silver/silver_events.sql',
  sql: 'SELECT event_id, amount, dt FROM bronze_events',
};
const eventColumns: Column[] = [
  { Name: 'event_id', Type: 'string' },
  { Name: 'amount', Type: 'decimal(12,2)' },
];
const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
const DAYS = Array.from({ length: 250 }, (_, i) => day(i));
const stagingEvents = `silver_events${STG_SUFFIX}`;
const eventsLocation = `s3://${BUCKET}/silver/silver_events/${BUILD}/`;

/** Rows per partition the fake query produces: days 0–29 and 200 come out empty. */
const rowsFor = (value: string) => {
  const i = DAYS.indexOf(value);
  return i < 30 || i === 200 ? 0 : (i % 7) + 1;
};

describe('AthenaEngine.materialize (partition_overwrite)', () => {
  let glue: FakeGlue;
  let athena: FakeAthena;
  /** Per statement kind, what the fake does (overridable per test). */
  let failOn: (sql: string, index: number) => Outcome | undefined;

  beforeEach(() => {
    glue = new FakeGlue();
    failOn = () => undefined;
    const staged = new Map<string, number>();
    athena = fakeAthena((sql) => {
      const failure = failOn(sql, athena.statements.length);
      if (failure) return failure;
      if (sql.startsWith('CREATE TABLE') || sql.startsWith('INSERT INTO')) {
        if (sql.startsWith('CREATE TABLE')) {
          const t = stagingTableFor(sql, eventColumns);
          glue.tables.set(t.Name!, t);
        }
        let written = 0;
        for (const v of inList(sql)) {
          if (rowsFor(v) > 0) staged.set(v, rowsFor(v));
          written += rowsFor(v);
        }
        return { statementType: sql.startsWith('CREATE') ? 'DDL' : 'DML', updateCount: written };
      }
      if (sql.includes('GROUP BY 1')) {
        return {
          columns: [
            ['partition_value', 'varchar'],
            ['row_count', 'bigint'],
          ],
          // Unsorted, split over two pages, as Athena may return them.
          pages: [
            [...staged].slice(100).map(([v, n]) => [v, String(n)]),
            [...staged].slice(0, 100).map(([v, n]) => [v, String(n)]),
          ],
        };
      }
      throw new Error(`unexpected statement ${sql}`);
    });
  });

  /** The published table, with partitions for days 0–159 and one older day outside the window. */
  function publishTarget(columns: Column[] = eventColumns) {
    glue.tables.set('silver_events', {
      Name: 'silver_events',
      DatabaseName: DB,
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [{ Name: 'dt', Type: 'string' }],
      StorageDescriptor: { Columns: columns, Location: `s3://${BUCKET}/silver/silver_events/` },
    });
    const parts = glue.partitionsOf('silver_events');
    for (const v of ['2025-12-31', ...DAYS.slice(0, 160)]) {
      parts.set(v, {
        Values: [v],
        StorageDescriptor: { Location: `s3://${BUCKET}/silver/silver_events/old/dt=${v}/` },
      });
    }
  }

  const mutations = () => ({
    create: glueMock.commandCalls(BatchCreatePartitionCommand).length,
    update: glueMock.commandCalls(BatchUpdatePartitionCommand).length,
    delete: glueMock.commandCalls(BatchDeletePartitionCommand).length,
    createTable: glueMock.commandCalls(CreateTableCommand).length,
    updateTable: glueMock.commandCalls(UpdateTableCommand).length,
  });
  const noMutations = { create: 0, update: 0, delete: 0, createTable: 0, updateTable: 0 };

  it('writes 250 partitions in 1 CTAS + 2 INSERT INTO, then swaps them in through Glue', async () => {
    publishTarget();
    // Shuffled and with a duplicate: the engine sorts and de-duplicates.
    const requested = [...DAYS].reverse().concat(DAYS[7]!);
    const result = await makeEngine().materialize({
      model: eventsModel,
      buildId: BUILD,
      partitions: requested,
    });

    // Statements: CTAS, INSERT, INSERT, then the per-partition count.
    const [ctas, insert1, insert2, count, ...rest] = athena.statements;
    expect(rest).toEqual([]);
    expect(ctas).toMatch(
      new RegExp(
        `^CREATE TABLE "${DB}"\\."${stagingEvents}"\\n` +
          `WITH \\(format = 'PARQUET', write_compression = 'ZSTD', ` +
          `external_location = '${eventsLocation}', partitioned_by = ARRAY\\['dt'\\]\\)\\nAS\\nWITH `,
      ),
    );
    expect(insert1!.startsWith(`INSERT INTO "${DB}"."${stagingEvents}"\nWITH `)).toBe(true);
    expect(insert2!.startsWith(`INSERT INTO "${DB}"."${stagingEvents}"\nWITH `)).toBe(true);
    // Scoped inputs read the real table, qualified with the database.
    expect(ctas).toContain(
      `"bronze_events" AS (SELECT * FROM "${DB}"."bronze_events" WHERE "dt" IN (`,
    );
    const lists = [ctas!, insert1!, insert2!].map(inList);
    expect(lists.map((l) => l.length)).toEqual([100, 100, 50]);
    expect(lists.flat()).toEqual(DAYS);
    expect(count).toBe(
      `SELECT "dt" AS "partition_value", count(*) AS "row_count" ` +
        `FROM "${DB}"."${stagingEvents}" GROUP BY 1`,
    );

    // Glue: one lookup of the 250 requested values, updates for 30–159, creates for 160–249
    // except the empty day 200, deletes for the empty days 0–29 (which existed).
    const gets = glueMock.commandCalls(BatchGetPartitionCommand).map((c) => c.args[0].input);
    expect(gets).toHaveLength(1);
    expect(gets[0]!.PartitionsToGet!.map((k) => k.Values![0])).toEqual(DAYS);
    const updates = glueMock.commandCalls(BatchUpdatePartitionCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.Entries!.length)).toEqual([100, 30]);
    expect(updates.flatMap((u) => u.Entries!.map((e) => e.PartitionValueList![0]))).toEqual(
      DAYS.slice(30, 160),
    );
    const creates = glueMock.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input);
    expect(creates.map((c) => c.PartitionInputList!.length)).toEqual([89]);
    expect(creates[0]!.PartitionInputList!.map((p) => p.Values![0])).toEqual(
      DAYS.slice(160).filter((d) => d !== DAYS[200]),
    );
    expect(creates[0]!.PartitionInputList![0]).toEqual({
      Values: [DAYS[160]],
      StorageDescriptor: {
        ...stagingTableFor(ctas!, eventColumns).StorageDescriptor,
        Location: `${eventsLocation}dt=${DAYS[160]}/`,
      },
    });
    const deletes = glueMock.commandCalls(BatchDeletePartitionCommand).map((c) => c.args[0].input);
    expect(deletes.map((d) => d.PartitionsToDelete!.length)).toEqual([25, 5]);
    expect(deletes.flatMap((d) => d.PartitionsToDelete!.map((k) => k.Values![0]))).toEqual(
      DAYS.slice(0, 30),
    );
    for (const input of [...updates, ...creates, ...deletes, ...gets]) {
      expect(input).toMatchObject({ DatabaseName: DB, TableName: 'silver_events' });
    }
    expect(mutations()).toMatchObject({ createTable: 0, updateTable: 0 });

    // The catalog now: the old day outside the window untouched, the window's days rebuilt.
    const parts = glue.partitionsOf('silver_events');
    expect(parts.get('2025-12-31')!.StorageDescriptor!.Location).toContain('/old/');
    expect(parts.has(DAYS[0]!)).toBe(false);
    expect(parts.has(DAYS[200]!)).toBe(false);
    expect(parts.get(DAYS[100]!)!.StorageDescriptor!.Location).toBe(
      `${eventsLocation}dt=${DAYS[100]}/`,
    );
    expect(parts.size).toBe(1 + 250 - 31);
    expect(glue.tables.has(stagingEvents)).toBe(false);

    const expectedPartitions = DAYS.filter((d) => rowsFor(d) > 0).map((d) => ({
      value: d,
      rows: rowsFor(d),
    }));
    expect(result).toMatchObject({
      model: 'silver_events',
      rows: expectedPartitions.reduce((n, p) => n + p.rows, 0),
      partitions: expectedPartitions,
      removed: DAYS.slice(0, 30),
      location: `silver/silver_events/${BUILD}/`,
      statements: 3,
    });
    expect(result.seconds).toBeGreaterThanOrEqual(0);
  });

  it('creates a missing target from the staging definition, at the table root', async () => {
    const result = await makeEngine().materialize({
      model: eventsModel,
      buildId: BUILD,
      partitions: DAYS.slice(28, 33),
    });
    const created = glueMock.commandCalls(CreateTableCommand).map((c) => c.args[0].input);
    expect(created).toHaveLength(1);
    expect(created[0]!.TableInput).toMatchObject({
      Name: 'silver_events',
      Description: 'Typed events',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [{ Name: 'dt', Type: 'string' }],
      StorageDescriptor: {
        Columns: eventColumns,
        Location: `s3://${BUCKET}/silver/silver_events/`,
      },
    });
    // Nothing existed: no lookup, no update, no delete; only the three non-empty days created.
    expect(mutations()).toEqual({ ...noMutations, create: 1, createTable: 1 });
    expect(glueMock.commandCalls(BatchGetPartitionCommand)).toHaveLength(0);
    expect([...glue.partitionsOf('silver_events').keys()].sort()).toEqual(DAYS.slice(30, 33));
    expect(result.removed).toEqual([]);
    expect(result.partitions.map((p) => p.value)).toEqual(DAYS.slice(30, 33));
    expect(result.statements).toBe(1);
  });

  it('leaves the target untouched and drops staging when the second statement fails', async () => {
    publishTarget();
    const before = structuredClone([...glue.partitionsOf('silver_events')]);
    failOn = (sql) =>
      sql.startsWith('INSERT INTO')
        ? { states: ['RUNNING', 'FAILED'], reason: 'HIVE_TOO_MANY_OPEN_PARTITIONS: too many' }
        : undefined;
    const err = await makeEngine()
      .materialize({ model: eventsModel, buildId: BUILD, partitions: DAYS })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).queryId).toBe('qid-2');
    expect((err as SqlError).message).toContain('HIVE_TOO_MANY_OPEN_PARTITIONS');
    expect((err as SqlError).message).toContain('INSERT INTO, statement 2 of 3');
    expect(athena.statements).toHaveLength(2);
    expect(mutations()).toEqual(noMutations);
    expect(glueMock.commandCalls(DeleteTableCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: DB, Name: stagingEvents },
    ]);
    expect(glue.tables.has(stagingEvents)).toBe(false);
    expect([...glue.partitionsOf('silver_events')]).toEqual(before);
  });

  it('stops the running statement and publishes nothing when aborted mid-build', async () => {
    publishTarget();
    athenaMock.on(StopQueryExecutionCommand).resolves({});
    failOn = (sql) => (sql.startsWith('INSERT INTO') ? { states: ['RUNNING'] } : undefined);
    const controller = new AbortController();
    const engine = makeEngine({
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 5) controller.abort();
      },
    });
    await expect(
      engine.materialize({
        model: eventsModel,
        buildId: BUILD,
        partitions: DAYS,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(athenaMock.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryExecutionId: 'qid-2',
    });
    expect(mutations()).toEqual(noMutations);
    expect(glue.tables.has(stagingEvents)).toBe(false);
  });

  it('refuses to publish a schema change and stops after the CTAS', async () => {
    publishTarget([{ Name: 'event_id', Type: 'string' }]);
    const err = await makeEngine()
      .materialize({ model: eventsModel, buildId: BUILD, partitions: DAYS })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/schema differs from the published table/);
    expect((err as Error).message).toContain('published (event_id string)');
    expect((err as Error).message).toContain('built (event_id string, amount decimal(12,2))');
    expect((err as Error).message).toMatch(/full rebuild/);
    expect(athena.statements).toHaveLength(1);
    expect(mutations()).toEqual(noMutations);
    expect(glue.tables.has(stagingEvents)).toBe(false);
    expect(glue.tables.get('silver_events')!.StorageDescriptor!.Columns).toHaveLength(1);
  });

  it('throws when Glue rejects a partition, naming it', async () => {
    publishTarget();
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: [
        {
          PartitionValues: [DAYS[170]!],
          ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' },
        },
      ],
    });
    await expect(
      makeEngine().materialize({ model: eventsModel, buildId: BUILD, partitions: DAYS }),
    ).rejects.toThrow(
      `Glue BatchCreatePartition on silver_events failed for 1 partition(s): [${DAYS[170]}] AlreadyExistsException: exists`,
    );
    expect(glue.tables.has(stagingEvents)).toBe(false);
  });

  it('retries the keys BatchGetPartition leaves unprocessed', async () => {
    publishTarget();
    glueMock
      .on(BatchGetPartitionCommand)
      .resolvesOnce({ Partitions: [], UnprocessedKeys: [{ Values: [DAYS[40]!] }] })
      .resolves({ Partitions: [{ Values: [DAYS[40]!] }], UnprocessedKeys: [] });
    await makeEngine().materialize({ model: eventsModel, buildId: BUILD, partitions: [DAYS[40]!] });
    const gets = glueMock.commandCalls(BatchGetPartitionCommand).map((c) => c.args[0].input);
    expect(gets.map((g) => g.PartitionsToGet)).toEqual([
      [{ Values: [DAYS[40]] }],
      [{ Values: [DAYS[40]] }],
    ]);
    expect(mutations()).toEqual({ ...noMutations, update: 1 });
  });

  it('refuses to publish when the counts disagree with what Athena reported or stray', async () => {
    publishTarget();
    const counts = (rows: string[][]): Outcome => ({
      columns: [
        ['partition_value', 'varchar'],
        ['row_count', 'bigint'],
      ],
      pages: [rows],
    });
    // DAYS[31] has 4 rows: the CTAS reports 4, the count query finds 1.
    failOn = (sql) => (sql.includes('GROUP BY 1') ? counts([[DAYS[31]!, '1']]) : undefined);
    await expect(
      makeEngine().materialize({ model: eventsModel, buildId: BUILD, partitions: [DAYS[31]!] }),
    ).rejects.toThrow('Athena reported 4 rows written but the staging table holds 1');
    failOn = (sql) =>
      sql.includes('GROUP BY 1')
        ? counts([
            [DAYS[31]!, '4'],
            ['1999-01-01', '1'],
          ])
        : undefined;
    await expect(
      makeEngine().materialize({ model: eventsModel, buildId: BUILD, partitions: [DAYS[31]!] }),
    ).rejects.toThrow('wrote partitions that were not asked for: 1999-01-01');
    expect(mutations()).toEqual(noMutations);
    expect(glue.tables.has(stagingEvents)).toBe(false);
  });

  it('needs a non-empty list of partitions', async () => {
    const engine = makeEngine();
    await expect(engine.materialize({ model: eventsModel, buildId: BUILD })).rejects.toThrow(
      /needs the partition values/,
    );
    await expect(
      engine.materialize({ model: eventsModel, buildId: BUILD, partitions: [] }),
    ).rejects.toThrow(/needs the partition values/);
    expect(athena.statements).toEqual([]);
  });
});
