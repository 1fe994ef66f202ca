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
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { PlanContext } from '../build/plan.ts';
import { BRONZE_TABLES, SOURCE_FILE_COLUMN, type BronzeTable } from '../catalog/bronze-tables.ts';
import { FsLake } from '../local/fs-lake.ts';
import { prepareConnection } from './duckdb-compat.ts';
import { LocalCatalog, type TableEntry } from './local-catalog.ts';
import type { Model } from './model.ts';
import {
  SqlError,
  type ColumnInfo,
  type MaterializeRequest,
  type MaterializeResult,
  type QueryResult,
  type SqlEngine,
} from './sql-engine.ts';
import { scopedQuery, sqlIdent, sqlString } from './wrap.ts';

export interface DuckDbEngineOptions {
  /** Folder holding the lake keys (`bronze/…`, `silver/…`). */
  readonly lakeRoot: string;
  /** Schema the tables live in: the Glue database name, so qualified names work too. */
  readonly database: string;
  /** Worker threads (default: DuckDB's, one per core). */
  readonly threads?: number;
  /** DuckDB memory limit, e.g. `4GB` (default: DuckDB's, 80% of RAM). */
  readonly memoryLimit?: string;
}

/** How `"$path"` reads locally: `lake://local/<key>` (Athena: `s3://<bucket>/<key>`). */
export const LOCAL_PATH_PREFIX = 'lake://local/';

export class DuckDbEngine implements SqlEngine {
  readonly kind = 'duckdb' as const;
  readonly catalog: LocalCatalog;
  private closed = false;
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

  /** (Re)creates every view from what is on disk now: Bronze objects and catalog entries. */
  async refresh(): Promise<void> {
    for (const t of BRONZE_TABLES) await this.createBronzeView(t);
    for (const e of this.catalog.list()) await this.createTableView(e);
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
    const release = this.catalog.lock(model.name);
    try {
      // Leftovers of interrupted builds of this table go first.
      this.catalog.collectGarbage(model.layer, model.name);
      const location = `${model.layer}/${model.name}/${buildId}/`;
      const dir = join(this.options.lakeRoot, location);
      mkdirSync(dir, { recursive: true });
      const partitions = partitioned ? [...new Set(req.partitions)].sort() : undefined;
      const select = scopedQuery(model, partitions, (t) => this.qualify(t));
      const columns = await this.describe(select, req.signal);
      checkPartitionColumn(model, columns);
      const previous = this.catalog.get(model.name);
      const dataColumns = columns.filter((c) => !model.partitionedBy.includes(c.name));
      checkSchema(model, previous, dataColumns);

      // The result goes to a temporary table first, then each partition is written by its own
      // COPY in one total order (ORDER BY ALL): DuckDB's PARTITION_BY writer orders rows and
      // row groups differently from run to run, a single-file COPY of sorted rows does not.
      // So a rebuild of the same partitions gives byte-identical Parquet.
      const staged = sqlIdent(`__build_${model.name}`);
      // Progress: running the model is most of a build; writing the files is the rest.
      this.phase = [0, 0.85];
      await this.run(`CREATE OR REPLACE TEMP TABLE ${staged} AS ${select}`, req.signal);
      const written = new Map<string, number>();
      let statements = 1;
      try {
        if (partitioned) {
          const col = sqlIdent(model.partitionedBy[0]!);
          const counts = await this.run(
            `SELECT ${col} AS v, count(*) AS n FROM ${staged} GROUP BY 1 ORDER BY 1`,
            req.signal,
          );
          for (const r of counts.getRowObjectsJson() as { v: string | null; n: string }[]) {
            written.set(r.v ?? '', Number(r.n));
          }
          const unexpected = [...written.keys()].filter((v) => !partitions!.includes(v));
          if (unexpected.length > 0) {
            throw new Error(
              `${model.name} wrote partitions it was not asked for: ${unexpected.join(', ')}`,
            );
          }
          const values = [...written.keys()];
          for (const [i, v] of values.entries()) {
            this.phase = [
              0.85 + (0.15 * i) / values.length,
              0.85 + (0.15 * (i + 1)) / values.length,
            ];
            const file = join(dir, `${model.partitionedBy[0]}=${v}`, 'data_0.parquet');
            mkdirSync(dirname(file), { recursive: true });
            await this.run(
              `COPY (SELECT * EXCLUDE (${col}) FROM ${staged} WHERE ${col} = ${sqlString(v)} ORDER BY ALL) ` +
                `TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`,
              req.signal,
            );
            statements++;
          }
        } else {
          this.phase = [0.85, 1];
          const r = await this.run(
            `COPY (SELECT * FROM ${staged} ORDER BY ALL) TO ${sqlString(join(dir, 'data_0.parquet'))} ` +
              `(FORMAT parquet, COMPRESSION zstd, RETURN_STATS)`,
            req.signal,
          );
          const files = r.getRowObjectsJson() as { count: string }[];
          written.set(
            '',
            files.reduce((n, f) => n + Number(f.count), 0),
          );
          statements++;
        }
      } finally {
        await this.conn.run(`DROP TABLE IF EXISTS ${staged}`);
      }

      const now = new Date().toISOString();
      let entry: TableEntry;
      const removed: string[] = [];
      if (partitioned) {
        const next = { ...(previous?.partitions ?? {}) };
        for (const v of partitions!) {
          const rows = written.get(v);
          if (rows === undefined) {
            if (v in next) removed.push(v);
            delete next[v];
          } else {
            next[v] = { location: `${location}${model.partitionedBy[0]}=${v}/`, rows };
          }
        }
        entry = {
          table: model.name,
          layer: model.layer,
          materialization: model.materialization,
          partitionedBy: [...model.partitionedBy],
          columns: dataColumns,
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
          columns: dataColumns,
          location,
          partitions: {},
          rows: written.get('') ?? 0,
          buildId,
          updatedAt: now,
        };
      }
      if (req.signal?.aborted) throw req.signal.reason;
      // Publish: one rename.
      this.catalog.put(entry);
      this.catalog.collectGarbage(model.layer, model.name);
      await this.createTableView(entry);
      const parts = partitioned
        ? [...written.entries()]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([value, rows]) => ({ value, rows }))
        : [];
      return {
        model: model.name,
        rows: partitioned ? parts.reduce((n, p) => n + p.rows, 0) : (entry.rows ?? 0),
        partitions: parts,
        removed,
        location,
        statements,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      this.phase = [0, 1];
      release();
    }
  }

  /**
   * What the build planner reads for this lake: its objects and the published partitions of
   * each built table (value → lake key prefix).
   */
  planInputs(): Pick<PlanContext, 'lister' | 'published'> {
    return {
      lister: new FsLake(this.options.lakeRoot),
      published: (table) => {
        const e = this.catalog.get(table);
        return (
          e && Object.fromEntries(Object.entries(e.partitions).map(([v, p]) => [v, p.location]))
        );
      },
    };
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

  /** Forgets a built table (its catalog entry and data); the next build starts it afresh. */
  async dropTable(model: Pick<Model, 'name' | 'layer'>): Promise<void> {
    const release = this.catalog.lock(model.name);
    try {
      this.catalog.remove(model.name);
      this.catalog.collectGarbage(model.layer, model.name);
      await this.conn.run(`DROP VIEW IF EXISTS ${this.qualify(model.name)}`);
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.conn.closeSync();
    this.instance.closeSync();
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

function checkPartitionColumn(model: Model, columns: readonly ColumnInfo[]): void {
  const p = model.partitionedBy[0];
  if (!p) return;
  if (columns[columns.length - 1]?.name !== p) {
    throw new Error(
      `${model.file}: the partition column ${p} must be the last column of the SELECT (Athena CTAS requires it)`,
    );
  }
}

function checkSchema(
  model: Model,
  previous: TableEntry | undefined,
  columns: readonly ColumnInfo[],
) {
  if (!previous || model.materialization === 'table') return;
  const same =
    previous.columns.length === columns.length &&
    previous.columns.every((c, i) => c.name === columns[i]!.name && c.type === columns[i]!.type);
  if (!same) {
    throw new Error(
      `${model.name}: its columns changed since the published build; rebuild it whole ` +
        `(lakehouse build --full-refresh) so old and new partitions agree`,
    );
  }
}
