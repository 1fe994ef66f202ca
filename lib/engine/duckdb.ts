/**
 * The embedded engine: DuckDB over the filesystem lake (`./.lakehouse/lake`), with the same table
 * names an Athena console shows. Bronze tables are views over the raw objects (partition columns
 * read as strings, as Athena does); built tables are views over the Parquet that the local
 * catalog (`local-catalog.ts`, the laptop's Glue) publishes.
 *
 * A build runs the model's SQL, wrapped exactly as for Athena (`wrap.ts`), writes Parquet under
 * a fresh `<layer>/<table>/<buildId>/` and only then repoints the catalog entry: an interrupted
 * build leaves the published table as it was.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { BRONZE_TABLES, SOURCE_FILE_COLUMN, type BronzeTable } from '../catalog/bronze-tables.ts';
import {
  RECORD_TABLES,
  type RecordColumnType,
  type RecordTable,
} from '../catalog/record-tables.ts';
import { prepareConnection } from './duckdb-compat.ts';
import { LocalCatalog, type TableEntry } from './local-catalog.ts';
import { LAYERS, type Layer, type Model } from './model.ts';
import {
  SqlError,
  type ColumnInfo,
  type MaterializeRequest,
  type MaterializeResult,
  type QueryResult,
  type SqlEngine,
} from './sql-engine.ts';
import {
  STAGING_MARK,
  buildKey,
  parseWriteStatement,
  renderBuild,
  stagingTableName,
} from './statements.ts';
import { sqlIdent, sqlString } from './wrap.ts';
import { duckDbType, readModelTables, type ModelTable } from '../catalog/model-tables.ts';

export interface DuckDbEngineOptions {
  /** Folder holding the lake keys (`bronze/…`, `silver/…`). */
  readonly lakeRoot: string;
  /** Schema the tables live in: the Glue database name, so qualified names work too. */
  readonly database: string;
  /** Worker threads (default: DuckDB's, one per core). */
  readonly threads?: number;
  /** DuckDB memory limit, e.g. `4GB` (default: DuckDB's, 80% of RAM). */
  readonly memoryLimit?: string;
  /**
   * The typed definitions of the model tables, shown as empty tables until a build publishes
   * them, as the stack's Glue tables are in the account (default: athena/ddl/model-tables.json).
   */
  readonly modelTables?: readonly ModelTable[];
  /**
   * Read the record tables (`dq_results`, `pipeline_runs`, …) into memory at each `refresh()`
   * instead of globbing their JSON-lines objects at every query: for a long-lived reader (the
   * dashboard server), where weeks of 15-minute runs make thousands of small objects.
   */
  readonly cacheRecords?: boolean;
}

/** What a statement did, as Athena's query statistics say it. */
export interface StatementStats {
  /** Rows written (CTAS / INSERT INTO) or returned (a query). */
  readonly rows: number;
  /** Bytes DuckDB read from files (Athena: data scanned). */
  readonly bytesRead: number;
  readonly seconds: number;
}

/** Where `cacheRecords` keeps its in-memory copies of the record tables. */
const RECORDS_CACHE_SCHEMA = 'records_cache';

/** How `"$path"` reads locally: `lake://local/<key>` (Athena: `s3://<bucket>/<key>`). */
export const LOCAL_PATH_PREFIX = 'lake://local/';

export class DuckDbEngine implements SqlEngine {
  readonly kind = 'duckdb' as const;
  readonly catalog: LocalCatalog;
  private closed = false;
  /** `cacheRecords`: per record table, its partition folders loaded and their mtimes. */
  private readonly cachedRecords = new Map<string, Map<string, number>>();
  /** The share of the current build the running statement stands for (see `progress()`). */
  private phase: readonly [number, number] = [0, 1];

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly options: DuckDbEngineOptions,
  ) {
    this.catalog = new LocalCatalog(options.lakeRoot);
  }

  static async open(options: DuckDbEngineOptions): Promise<DuckDbEngine> {
    const config: Record<string, string> = {};
    if (options.threads) config.threads = String(options.threads);
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    // Where a build's temporary table spills when it outgrows memory (dot-folders are not
    // part of the lake's listings).
    config.temp_directory = join(options.lakeRoot, '.duckdb-tmp');
    const instance = await DuckDBInstance.create(':memory:', config);
    const conn = await instance.connect();
    await prepareConnection(conn);
    // Lets `progress()` report how far the running statement is (DuckDB tracks it only then).
    await conn.run('SET enable_progress_bar = true');
    await conn.run('SET enable_progress_bar_print = false');
    // Every statement reads its files as Athena would, so bytes read (runStatement) are honest
    // and do not depend on what an earlier statement of the process happened to cache.
    await conn.run('SET enable_external_file_cache = false');
    const db = sqlIdent(options.database);
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${db}`);
    await conn.run(`USE ${db}`);
    const engine = new DuckDbEngine(instance, conn, options);
    await engine.refresh();
    return engine;
  }

  /** `"db"."table"`: how a model's input is named once a CTE shadows the bare name. */
  qualify(table: string): string {
    return `${sqlIdent(this.options.database)}.${sqlIdent(table)}`;
  }

  /**
   * (Re)creates every view from what is on disk now: Bronze objects and catalog entries; a model
   * table never built is an empty table of its declared columns (in the account, the Glue table
   * the stack created), so a model reading it sees no rows instead of failing.
   */
  async refresh(): Promise<void> {
    for (const t of BRONZE_TABLES) await this.createBronzeView(t);
    for (const t of RECORD_TABLES) await this.createRecordView(t);
    const built = new Set<string>();
    for (const e of this.catalog.list()) {
      await this.createTableView(e);
      built.add(e.table);
    }
    for (const t of this.options.modelTables ?? readModelTables()) {
      if (built.has(t.name)) continue;
      const cols = [...t.columns, ...t.partitionKeys].map(
        (c) => `CAST(NULL AS ${duckDbType(c.type)}) AS ${sqlIdent(c.name)}`,
      );
      await this.conn.run(
        `CREATE OR REPLACE VIEW ${this.qualify(t.name)} AS SELECT ${cols.join(', ')} WHERE false`,
      );
    }
  }

  async query(sql: string, opts: { signal?: AbortSignal } = {}): Promise<QueryResult> {
    const reader = await this.run(sql, opts.signal);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    return {
      columns: names.map((name, i) => ({ name, type: String(types[i]).toLowerCase() })),
      rows: reader.getRowObjectsJson() as Record<string, unknown>[],
    };
  }

  /**
   * Builds a model the way the state machine does: its statements (`renderBuild`) go through
   * `runStatement`, then `publishStaging` points the catalog at the result.
   */
  async materialize(req: MaterializeRequest): Promise<MaterializeResult> {
    const started = performance.now();
    const { model, buildId } = req;
    const partitioned = model.materialization === 'partition_overwrite';
    if (partitioned && (!req.partitions || req.partitions.length === 0)) {
      throw new Error(`${model.name}: partition_overwrite needs the partitions to build`);
    }
    if (!partitioned && req.partitions) {
      throw new Error(`${model.name}: a table build takes no partitions`);
    }
    const build = renderBuild(model, req.partitions, buildId, {
      database: this.options.database,
      lakeUri: LOCAL_PATH_PREFIX,
    });
    const release = this.catalog.lock(model.name);
    try {
      // Leftovers of interrupted builds of this table go first.
      this.catalog.collectGarbage(model.layer, model.name);
      try {
        for (const [i, st] of build.statements.entries()) {
          // Progress: the statements in turn.
          const n = build.statements.length;
          this.phase = [i / n, (i + 1) / n];
          await this.runStatement(st.sql, req.signal);
        }
        if (req.signal?.aborted) throw req.signal.reason;
        const result = await this.publishStaging(req);
        return {
          ...result,
          statements: build.statements.length,
          seconds: (performance.now() - started) / 1000,
        };
      } catch (err) {
        await this.discardStaging(req);
        throw err;
      }
    } finally {
      this.phase = [0, 1];
      release();
    }
  }

  /**
   * The local stand-in for Athena: runs one statement of the kind the state machine sends
   * (`statements.ts`). A CTAS or INSERT INTO writes the model's SELECT, unchanged, into the staging
   * table's location, one sorted Parquet file per partition, and registers the staging table in
   * the local catalog; any other statement runs as a query. Reports what Athena's statistics
   * report: rows written and bytes read.
   */
  async runStatement(sql: string, signal?: AbortSignal): Promise<StatementStats> {
    const started = performance.now();
    const write = parseWriteStatement(sql);
    if (!write) {
      const { result, bytesRead } = await this.profiled(() => this.run(sql, signal));
      return {
        rows: result.currentRowCount,
        bytesRead,
        seconds: (performance.now() - started) / 1000,
      };
    }
    if (write.database !== this.options.database) {
      throw new SqlError(
        `database ${write.database} does not exist here (the lake's database is ${this.options.database})`,
      );
    }
    // Records written since the engine opened (this run's dq_results): as Athena sees them.
    await this.refreshRecords((t) => write.body.includes(t));
    const existing = this.catalog.get(write.table);
    let entry: TableEntry;
    let location: string;
    let column: string | undefined;
    if (write.kind === 'ctas') {
      if (existing) throw new SqlError(`Table ${write.database}.${write.table} already exists`);
      if (!write.location.startsWith(LOCAL_PATH_PREFIX)) {
        throw new SqlError(
          `external_location ${write.location} is not in this lake (${LOCAL_PATH_PREFIX}<key>)`,
        );
      }
      location = write.location.slice(LOCAL_PATH_PREFIX.length);
      if (!location.endsWith('/')) location += '/';
      column = write.partitionColumn;
      const layer = location.split('/')[0];
      if (!(LAYERS as readonly string[]).includes(layer ?? '')) {
        throw new SqlError(`external_location ${write.location} is not under a layer folder`);
      }
      entry = {
        table: write.table,
        layer: layer as Layer,
        materialization: column ? 'partition_overwrite' : 'table',
        partitionedBy: column ? [column] : [],
        columns: [],
        ...(column ? {} : { location }),
        partitions: {},
        rows: 0,
        buildId: location.split('/')[2] ?? '',
        updatedAt: new Date().toISOString(),
      };
    } else {
      if (!existing) throw new SqlError(`Table ${write.database}.${write.table} does not exist`);
      entry = existing;
      column = existing.partitionedBy[0];
      if (!column) throw new SqlError(`INSERT INTO ${write.table}: only partitioned tables here`);
      // Where the CTAS wrote: `<layer>/<model>/<build>/` (the staging table is `<model>__stg_…`).
      const modelName = write.table.split(STAGING_MARK)[0]!;
      location = `${existing.layer}/${modelName}/${existing.buildId}/`;
    }

    const columns = await this.describe(write.body, signal);
    if (column && columns[columns.length - 1]?.name !== column) {
      throw new SqlError(
        `${write.table}: the partition column ${column} must be the last column of the SELECT (Athena CTAS requires it)`,
      );
    }
    const dataColumns = columns.filter((c) => c.name !== column);
    if (write.kind === 'insert' && !sameColumns(entry.columns, dataColumns)) {
      throw new SqlError(
        `INSERT INTO ${write.table}: the SELECT's columns differ from the table's`,
      );
    }
    const dir = join(this.options.lakeRoot, location);
    mkdirSync(dir, { recursive: true });

    // The result goes to a temporary table first, then each partition is written by its own
    // COPY in one total order (ORDER BY ALL): DuckDB's PARTITION_BY writer orders rows and
    // row groups differently from run to run, a single-file COPY of sorted rows does not.
    // So a rebuild of the same partitions gives byte-identical Parquet.
    const staged = sqlIdent(`__build_${write.table}`);
    const [from, to] = this.phase;
    const split = from + (to - from) * 0.85;
    this.phase = [from, split];
    const { bytesRead } = await this.profiled(() =>
      this.run(`CREATE OR REPLACE TEMP TABLE ${staged} AS ${write.body}`, signal),
    );
    const written = new Map<string, number>();
    try {
      if (column) {
        const col = sqlIdent(column);
        const counts = await this.run(
          `SELECT ${col} AS v, count(*) AS n FROM ${staged} GROUP BY 1 ORDER BY 1`,
          signal,
        );
        for (const r of counts.getRowObjectsJson() as { v: string | null; n: string }[]) {
          if (r.v === null) {
            throw new SqlError(`${write.table}: rows with a NULL ${column} cannot be written`);
          }
          written.set(r.v, Number(r.n));
        }
        const values = [...written.keys()];
        for (const [i, v] of values.entries()) {
          if (v in entry.partitions) {
            throw new SqlError(`${write.table}: partition ${column}=${v} is written twice`);
          }
          this.phase = [
            split + ((to - split) * i) / values.length,
            split + ((to - split) * (i + 1)) / values.length,
          ];
          const file = join(dir, `${column}=${v}`, 'data_0.parquet');
          mkdirSync(dirname(file), { recursive: true });
          await this.run(
            `COPY (SELECT * EXCLUDE (${col}) FROM ${staged} WHERE ${col} = ${sqlString(v)} ORDER BY ALL) ` +
              `TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`,
            signal,
          );
        }
      } else {
        this.phase = [split, to];
        const r = await this.run(
          `COPY (SELECT * FROM ${staged} ORDER BY ALL) TO ${sqlString(join(dir, 'data_0.parquet'))} ` +
            `(FORMAT parquet, COMPRESSION zstd, RETURN_STATS)`,
          signal,
        );
        const files = r.getRowObjectsJson() as { count: string }[];
        written.set(
          '',
          files.reduce((n, f) => n + Number(f.count), 0),
        );
      }
    } finally {
      this.phase = [from, to];
      await this.conn.run(`DROP TABLE IF EXISTS ${staged}`);
    }
    const rows = [...written.values()].reduce((n, x) => n + x, 0);
    const partitions = { ...entry.partitions };
    if (column) {
      for (const [v, n] of written) {
        partitions[v] = { location: `${location}${column}=${v}/`, rows: n };
      }
    }
    const next: TableEntry = {
      ...entry,
      columns: dataColumns,
      partitions,
      rows: column ? undefined : rows,
      updatedAt: new Date().toISOString(),
    };
    if (signal?.aborted) throw signal.reason;
    this.catalog.put(next);
    await this.createTableView(next);
    return { rows, bytesRead, seconds: (performance.now() - started) / 1000 };
  }

  /**
   * Publishes a build's staging table (see `runStatement`): the model's table (or each requested
   * partition) points at the staged data, requested partitions that came out empty are removed,
   * and the staging entry is dropped. One rename: readers see the old table or the new one.
   */
  async publishStaging(req: MaterializeRequest): Promise<MaterializeResult> {
    const started = performance.now();
    const { model, buildId } = req;
    const stagingName = stagingTableName(model, buildId);
    const staged = this.catalog.get(stagingName);
    if (!staged) {
      throw new Error(
        `${model.name}: staging table ${stagingName} does not exist (nothing to publish)`,
      );
    }
    const partitioned = model.materialization === 'partition_overwrite';
    const previous = this.catalog.get(model.name);
    const now = new Date().toISOString();
    let entry: TableEntry;
    const removed: string[] = [];
    const location = buildKey(model, buildId);
    if (partitioned) {
      if (!req.partitions || req.partitions.length === 0) {
        throw new Error(`${model.name}: partition_overwrite needs the partitions to publish`);
      }
      if (!req.replace) checkSchema(model, previous, staged.columns);
      const requested = new Set(req.partitions);
      const stray = Object.keys(staged.partitions).filter((v) => !requested.has(v));
      if (stray.length > 0) {
        throw new Error(`${model.name} wrote partitions it was not asked for: ${stray.join(', ')}`);
      }
      const next = req.replace ? {} : { ...(previous?.partitions ?? {}) };
      for (const v of requested) {
        const p = staged.partitions[v];
        if (p === undefined) {
          if (previous && v in previous.partitions) removed.push(v);
          delete next[v];
        } else {
          next[v] = p;
        }
      }
      entry = {
        table: model.name,
        layer: model.layer,
        materialization: model.materialization,
        partitionedBy: [...model.partitionedBy],
        columns: staged.columns,
        partitions: next,
        buildId,
        updatedAt: now,
      };
    } else {
      entry = {
        table: model.name,
        layer: model.layer,
        materialization: model.materialization,
        partitionedBy: [],
        columns: staged.columns,
        location: staged.location ?? location,
        partitions: {},
        rows: staged.rows ?? 0,
        buildId,
        updatedAt: now,
      };
    }
    req.signal?.throwIfAborted();
    // Publish: one rename.
    this.catalog.put(entry);
    await this.discardStaging(req);
    this.catalog.collectGarbage(model.layer, model.name);
    await this.createTableView(entry);
    const parts = partitioned
      ? Object.entries(staged.partitions)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([value, p]) => ({ value, rows: p.rows }))
      : [];
    return {
      model: model.name,
      rows: partitioned ? parts.reduce((n, p) => n + p.rows, 0) : (entry.rows ?? 0),
      partitions: parts,
      removed: removed.sort(),
      location,
      statements: 0,
      seconds: (performance.now() - started) / 1000,
    };
  }

  /** Forgets a build's staging table; its files go with the next garbage collection. */
  async discardStaging(req: Pick<MaterializeRequest, 'model' | 'buildId'>): Promise<void> {
    const name = stagingTableName(req.model, req.buildId);
    this.catalog.remove(name);
    await this.conn.run(`DROP VIEW IF EXISTS ${this.qualify(name)}`);
  }

  /**
   * Progress, 0 to 1: of the build in progress (its statements in turn), else of the running
   * statement; 0 for what DuckDB cannot measure.
   */
  progress(): number {
    const p = this.conn.progress.percentage;
    const [from, to] = this.phase;
    return from + (to - from) * (p > 0 ? Math.min(p, 100) / 100 : 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.conn.closeSync();
    this.instance.closeSync();
  }

  /**
   * Runs `fn` with DuckDB's file-system log on and returns the bytes its statement read from
   * lake files (compressed bytes of the objects, the Parquet pages actually read), the way Athena
   * counts data scanned. Spill files are not counted. (The profiler's `total_bytes_read` is not
   * usable: it reports gigabytes for a few megabytes of gzip.)
   */
  private async profiled<T>(fn: () => Promise<T>): Promise<{ result: T; bytesRead: number }> {
    await this.conn.run('CALL truncate_duckdb_logs()');
    await this.conn.run(`CALL enable_logging('FileSystem')`);
    let result: T;
    try {
      result = await fn();
    } finally {
      await this.conn.run('CALL disable_logging()');
    }
    const spill = join(this.options.lakeRoot, '.duckdb-tmp');
    const read = await this.conn.runAndReadAll(
      `SELECT coalesce(sum(CAST(bytes AS BIGINT)), 0) AS n FROM duckdb_logs_parsed('FileSystem') ` +
        `WHERE op = 'READ' AND NOT starts_with(path, ${sqlString(spill)})`,
    );
    await this.conn.run('CALL truncate_duckdb_logs()');
    const bytesRead = Number((read.getRowObjectsJson()[0] as { n: string } | undefined)?.n ?? 0);
    return { result, bytesRead };
  }

  private async run(sql: string, signal?: AbortSignal) {
    if (signal?.aborted) throw signal.reason;
    const onAbort = () => this.conn.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.conn.runAndReadAll(sql);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new SqlError((err as Error).message);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async describe(select: string, signal?: AbortSignal): Promise<ColumnInfo[]> {
    const r = await this.run(`DESCRIBE ${select}`, signal);
    return (r.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((c) => ({
      name: c.column_name,
      type: c.column_type,
    }));
  }

  private async createBronzeView(t: BronzeTable): Promise<void> {
    const root = this.options.lakeRoot;
    const base = join(root, t.prefix);
    const depth = t.partitions.length;
    const glob = join(base, ...Array<string>(depth).fill('*'), t.objects);
    const columns = [...t.columns.map((c) => c.name)];
    const view = this.qualify(t.name);
    if (!hasObjects(base, depth, t.objects.replace(/^\*/, ''))) {
      const cols = [...columns, SOURCE_FILE_COLUMN, ...t.partitions.map((p) => p.name)];
      const nulls = cols.map((c) => `CAST(NULL AS VARCHAR) AS ${sqlIdent(c)}`).join(', ');
      await this.conn.run(`CREATE OR REPLACE VIEW ${view} AS SELECT ${nulls} WHERE false`);
      return;
    }
    // Hive-style partitions come from DuckDB's hive partitioning (as strings, and pruned by a
    // filter on them); a bare `value/` segment is cut out of the path. Built-ins are called as
    // system.main.* because the compat macros shadow some of them with Trino's semantics.
    const hive = `hive_partitioning = true, hive_types_autocast = false`;
    const reader =
      t.format === 'lines'
        ? // One column, no quoting. The delimiter is U+0001, which JSON text never holds raw;
          // strict mode makes a line that does hold one fail the read loudly (never truncated).
          `read_csv(${sqlString(glob)}, columns = {'raw': 'VARCHAR'}, header = false, ` +
          `delim = E'\\x01', quote = '', escape = '', auto_detect = false, filename = true, ${hive})`
        : `read_csv(${sqlString(glob)}, columns = {${columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}, ` +
          `header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, ` +
          `filename = true, ${hive})`;
    const rel = `system.main.substr(filename, ${root.length + 2})`;
    const prefixDepth = t.prefix.split('/').filter(Boolean).length;
    const parts = t.partitions.map((p, i) =>
      'keyStyle' in p && p.keyStyle === 'value'
        ? `system.main.split_part(${rel}, '/', ${prefixDepth + i + 1}) AS ${sqlIdent(p.name)}`
        : sqlIdent(p.name),
    );
    const select = [
      ...columns.map(sqlIdent),
      `${sqlString(LOCAL_PATH_PREFIX)} || ${rel} AS ${sqlIdent(SOURCE_FILE_COLUMN)}`,
      ...parts,
    ].join(', ');
    await this.conn.run(`CREATE OR REPLACE VIEW ${view} AS SELECT ${select} FROM ${reader}`);
  }

  /**
   * Re-reads the record tables (`pipeline_runs`, `dq_results`, …) the pipeline wrote since the
   * engine opened (a view over no files yet is an empty typed view until then).
   */
  async refreshRecords(which: (table: string) => boolean = () => true): Promise<void> {
    for (const t of RECORD_TABLES) if (which(t.name)) await this.createRecordView(t);
  }

  /** A view over JSON-lines records (`pipeline_runs`, …), typed as in Glue. */
  private async createRecordView(t: RecordTable): Promise<void> {
    const types: Record<RecordColumnType, string> = {
      string: 'VARCHAR',
      bigint: 'BIGINT',
      double: 'DOUBLE',
    };
    const view = this.qualify(t.name);
    const base = join(this.options.lakeRoot, t.prefix);
    if (!hasObjects(base, 1, '.json')) {
      const cols = [
        ...t.columns.map((c) => `CAST(NULL AS ${types[c.type]}) AS ${sqlIdent(c.name)}`),
        `CAST(NULL AS VARCHAR) AS ${sqlIdent(t.partition.name)}`,
      ];
      await this.conn.run(
        `CREATE OR REPLACE VIEW ${view} AS SELECT ${cols.join(', ')} WHERE false`,
      );
      return;
    }
    const columns = t.columns.map((c) => `${sqlString(c.name)}: '${types[c.type]}'`).join(', ');
    const read = (folder: string) =>
      `SELECT * FROM read_json(${sqlString(join(base, folder, '*.json'))}, ` +
      `format = 'newline_delimited', columns = {${columns}}, hive_partitioning = true, ` +
      `hive_types_autocast = false)`;
    if (!this.options.cacheRecords) {
      await this.conn.run(`CREATE OR REPLACE VIEW ${view} AS ${read('*')}`);
      return;
    }
    await this.cacheRecords(t, base, read);
    const cached = `${sqlIdent(RECORDS_CACHE_SCHEMA)}.${sqlIdent(t.name)}`;
    await this.conn.run(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${cached}`);
  }

  /**
   * `cacheRecords`: the record table in memory, kept in step with its partition folders. A
   * folder's modification time changes whenever an object is written into it (the lake writes
   * a temporary file, then renames it), so only the run dates that changed are read again.
   */
  private async cacheRecords(
    t: RecordTable,
    base: string,
    read: (folder: string) => string,
  ): Promise<void> {
    const cached = `${sqlIdent(RECORDS_CACHE_SCHEMA)}.${sqlIdent(t.name)}`;
    const now = new Map(
      readdirSync(base)
        .filter((d) => d.startsWith(`${t.partition.name}=`))
        .map((d) => [d, statSync(join(base, d)).mtimeMs] as const),
    );
    const known = this.cachedRecords.get(t.name);
    if (!known) {
      await this.conn.run(`CREATE SCHEMA IF NOT EXISTS ${sqlIdent(RECORDS_CACHE_SCHEMA)}`);
      await this.conn.run(`CREATE OR REPLACE TABLE ${cached} AS ${read('*')}`);
      this.cachedRecords.set(t.name, now);
      return;
    }
    const column = sqlIdent(t.partition.name);
    for (const folder of new Set([...known.keys(), ...now.keys()])) {
      if (known.get(folder) === now.get(folder)) continue;
      const value = folder.slice(t.partition.name.length + 1);
      await this.conn.run(`DELETE FROM ${cached} WHERE ${column} = ${sqlString(value)}`);
      if (now.has(folder)) await this.conn.run(`INSERT INTO ${cached} ${read(folder)}`);
    }
    this.cachedRecords.set(t.name, now);
  }

  private async createTableView(e: TableEntry): Promise<void> {
    const root = this.options.lakeRoot;
    const view = this.qualify(e.table);
    const locations = e.location
      ? [e.location]
      : Object.values(e.partitions).map((p) => p.location);
    if (locations.length === 0) {
      const cols = [
        ...e.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${sqlIdent(c.name)}`),
        ...e.partitionedBy.map((p) => `CAST(NULL AS VARCHAR) AS ${sqlIdent(p)}`),
      ];
      await this.conn.run(
        `CREATE OR REPLACE VIEW ${view} AS SELECT ${cols.join(', ')} WHERE false`,
      );
      return;
    }
    const files = locations.map((l) => sqlString(join(root, l, '*.parquet'))).join(', ');
    const hive = e.partitionedBy.length > 0;
    const reader = `read_parquet([${files}]${hive ? ', hive_partitioning = true, hive_types_autocast = false' : ''})`;
    await this.conn.run(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${reader}`);
  }
}

/** Whether `dir` holds, `depth` folders down, a file ending in `suffix` (what the glob reads). */
function hasObjects(dir: string, depth: number, suffix: string): boolean {
  if (!existsSync(dir)) return false;
  if (depth === 0) return readdirSync(dir).some((f) => f.endsWith(suffix));
  return readdirSync(dir, { withFileTypes: true }).some(
    (d) => d.isDirectory() && hasObjects(join(dir, d.name), depth - 1, suffix),
  );
}

function sameColumns(a: readonly ColumnInfo[], b: readonly ColumnInfo[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i]!.name && c.type === b[i]!.type);
}

function checkSchema(
  model: Model,
  previous: TableEntry | undefined,
  columns: readonly ColumnInfo[],
) {
  if (!previous || model.materialization === 'table') return;
  if (!sameColumns(previous.columns, columns)) {
    throw new Error(
      `${model.name}: its columns changed since the published build; rebuild it whole ` +
        `(lakehouse build --full-refresh) so old and new partitions agree`,
    );
  }
}
