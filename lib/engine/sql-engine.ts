/**
 * One interface over the two engines that run the models: Athena in the account
 * (`athena.ts`) and an embedded DuckDB on the laptop (`duckdb.ts`). Callers (the CLI, the
 * Lambda handlers, the local state-machine runner) only see this.
 */
import type { Model } from './model.ts';

export interface ColumnInfo {
  readonly name: string;
  /** The engine's type name, lowercased (e.g. `varchar`, `bigint`, `decimal(12,2)`). */
  readonly type: string;
}

export interface QueryResult {
  readonly columns: readonly ColumnInfo[];
  /** Row objects keyed by column name; values are JSON-friendly (numbers, strings, null, …). */
  readonly rows: readonly Record<string, unknown>[];
}

export interface MaterializeRequest {
  readonly model: Model;
  /**
   * `partition_overwrite`: the partition values to rebuild (required, non-empty). A value with no
   * rows in the result is removed from the table. `table`: must be undefined.
   */
  readonly partitions?: readonly string[];
  /** Unique id of this build; names the staging location (`<layer>/<table>/<buildId>/`). */
  readonly buildId: string;
  /**
   * Publish the build as the whole table: partitions it did not write are dropped and the schema
   * may change (a full refresh, or a model whose SQL changed). Default: merge into the table.
   */
  readonly replace?: boolean;
  readonly signal?: AbortSignal;
}

export interface PartitionResult {
  readonly value: string;
  readonly rows: number;
}

export interface MaterializeResult {
  readonly model: string;
  /** Rows written (all partitions of this build). */
  readonly rows: number;
  /** Per partition written (partition_overwrite only), sorted by value. */
  readonly partitions: readonly PartitionResult[];
  /** Partition values requested that came out empty and were removed from the table. */
  readonly removed: readonly string[];
  /** Lake key prefix of the data written by this build (ends in `/`). */
  readonly location: string;
  /** Statements run (Athena: one CTAS plus one INSERT INTO per extra 100 partitions). */
  readonly statements: number;
  readonly seconds: number;
}

export interface SqlEngine {
  readonly kind: 'athena' | 'duckdb';
  /** Runs one statement and returns all rows. Errors carry the engine's own message. */
  query(sql: string, opts?: { signal?: AbortSignal }): Promise<QueryResult>;
  /**
   * Builds a model into a fresh staging location, then publishes it: the table (or each listed
   * partition) points at the new data only once everything is written. A failed or interrupted
   * build leaves the published table as it was.
   */
  materialize(req: MaterializeRequest): Promise<MaterializeResult>;
  /**
   * The publish half of `materialize`, for builds whose statements ran elsewhere (the state
   * machine's Athena tasks): points the table at the build's staging table and drops it.
   */
  publishStaging(req: MaterializeRequest): Promise<MaterializeResult>;
  /** Drops a build's staging table without publishing it (a failed or abandoned run). */
  discardStaging(req: Pick<MaterializeRequest, 'model' | 'buildId'>): Promise<void>;
  close(): Promise<void>;
}

/** A query failed; `message` is the engine's own text. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  constructor(
    message: string,
    /** Athena query execution id, when there is one. */
    readonly queryId?: string,
  ) {
    super(message);
  }
}

/** Build ids sort by time: `20261122T153000Z-1a2b3c`. */
export function newBuildId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.random().toString(16).slice(2, 8)}`;
}
