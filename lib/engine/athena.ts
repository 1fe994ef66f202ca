/**
 * The Athena engine: models run as CTAS / INSERT INTO statements into a staging table in a fresh
 * S3 prefix (`<layer>/<table>/<buildId>/`); the published table (or each rebuilt partition) is
 * then pointed at the new data through the Glue Data Catalog. Nothing the readers see changes
 * until every statement has succeeded, so a failed or interrupted build leaves the published
 * table as it was.
 *
 * The staging table is only a name in Glue; dropping it (Glue `DeleteTable`) keeps its data,
 * which the published table now references. Data of earlier builds is left in S3 for a lifecycle
 * rule (or a vacuum job) to remove.
 *
 * Glue calls use the caller's account catalog (no `CatalogId`); `catalog` only names the Athena
 * catalog the queries run in.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo as AthenaColumnInfo,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  CreateTableCommand,
  DeleteTableCommand,
  GetTableCommand,
  UpdateTableCommand,
  type Column,
  type ErrorDetail,
  type GlueClient,
  type PartitionInput,
  type Table,
  type TableInput,
} from '@aws-sdk/client-glue';
import { isHeaderRow, toColumns, toRowObjects } from './athena-results.ts';
import type { Model } from './model.ts';
import {
  SqlError,
  type MaterializeRequest,
  type MaterializeResult,
  type PartitionResult,
  type QueryResult,
  type SqlEngine,
} from './sql-engine.ts';
import { buildKey, checkBuildId, renderBuild, stagingTableName } from './statements.ts';
import { sqlIdent } from './wrap.ts';
import { errorName } from '../aws-error.ts';

export interface AthenaEngineOptions {
  readonly athena: AthenaClient;
  readonly glue: GlueClient;
  /** Glue database holding the lake's tables (inputs, published models and staging tables). */
  readonly database: string;
  readonly workGroup: string;
  /** Bucket the models write to (`s3://<lakeBucket>/<layer>/<table>/<buildId>/`). */
  readonly lakeBucket: string;
  /** Athena data catalog; default `AwsDataCatalog`. */
  readonly catalog?: string;
  /** First wait before polling a query's state; default 250 ms, then ×1.5 per poll. */
  readonly pollInitialMs?: number;
  /** Longest wait between two polls; default 5000 ms. */
  readonly pollMaxMs?: number;
  /** Waits `ms` (injectable for tests); may return early when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Glue limits per call. */
export const GLUE_BATCH_GET_PARTITIONS = 1000;
export const GLUE_BATCH_CREATE_PARTITIONS = 100;
export const GLUE_BATCH_UPDATE_PARTITIONS = 100;
export const GLUE_BATCH_DELETE_PARTITIONS = 25;
/** Attempts at `BatchGetPartition` keys Glue reports as unprocessed before giving up. */
const UNPROCESSED_ATTEMPTS = 5;
/** Rows per `GetQueryResults` page (the API's maximum). */
const RESULTS_PAGE = 1000;

const ERROR_CATEGORY: Record<number, string> = { 1: 'system', 2: 'user', 3: 'other' };

/** One finished statement. */
interface Execution {
  readonly queryId: string;
  /** Rows written by a CTAS / INSERT INTO, as Athena reports it. */
  readonly updateCount: number | undefined;
  readonly result: QueryResult;
}

/**
 * A partition value as Hive (and Athena) spells it in a path: the characters Hive's
 * `FileUtils.escapePathName` escapes become `%XX`.
 */
export function hivePathValue(value: string): string {
  return value.replace(
    // eslint-disable-next-line no-control-regex
    /[\x01-\x1f"#%'*/:=?\\\x7f{[\]^]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const isNotFound = (e: unknown): boolean => errorName(e) === 'EntityNotFoundException';

function failureMessage(queryId: string, qe: QueryExecution | undefined): string {
  const status = qe?.Status;
  const reason = status?.StateChangeReason;
  let message = `Athena query ${queryId} ${status?.State ?? 'FAILED'}: ${reason ?? '(no reason given)'}`;
  const err = status?.AthenaError;
  if (err) {
    const bits: string[] = [];
    if (err.ErrorMessage && err.ErrorMessage !== reason) bits.push(err.ErrorMessage);
    if (err.ErrorType !== undefined) bits.push(`error type ${err.ErrorType}`);
    if (err.ErrorCategory !== undefined) {
      const name = ERROR_CATEGORY[err.ErrorCategory];
      bits.push(`category ${err.ErrorCategory}${name ? ` (${name})` : ''}`);
    }
    if (err.Retryable) bits.push('retryable');
    if (bits.length > 0) message += ` [${bits.join(', ')}]`;
  }
  return message;
}

function columnsText(columns: readonly Column[] | undefined): string {
  return (columns ?? []).map((c) => `${c.Name} ${c.Type}`).join(', ');
}

function sameColumns(a: readonly Column[] | undefined, b: readonly Column[] | undefined): boolean {
  const norm = (cols: readonly Column[] | undefined) =>
    (cols ?? []).map((c) => `${c.Name}:${c.Type}`.toLowerCase().replace(/\s+/g, '')).join('|');
  return norm(a) === norm(b);
}

function checkBatchErrors(
  operation: string,
  table: string,
  errors: readonly { values: readonly string[] | undefined; detail: ErrorDetail | undefined }[],
): void {
  if (errors.length === 0) return;
  const shown = errors
    .slice(0, 5)
    .map((e) =>
      `[${(e.values ?? []).join(', ')}] ${e.detail?.ErrorCode ?? 'Error'}: ${e.detail?.ErrorMessage ?? ''}`.trim(),
    );
  const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more)` : '';
  throw new Error(
    `Glue ${operation} on ${table} failed for ${errors.length} partition(s): ${shown.join('; ')}${more}`,
  );
}

export class AthenaEngine implements SqlEngine {
  readonly kind = 'athena' as const;
  private readonly athena: AthenaClient;
  private readonly glue: GlueClient;
  private readonly database: string;
  private readonly workGroup: string;
  private readonly lakeBucket: string;
  private readonly catalog: string;
  private readonly pollInitialMs: number;
  private readonly pollMaxMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(opts: AthenaEngineOptions) {
    this.athena = opts.athena;
    this.glue = opts.glue;
    this.database = opts.database;
    this.workGroup = opts.workGroup;
    this.lakeBucket = opts.lakeBucket;
    this.catalog = opts.catalog ?? 'AwsDataCatalog';
    this.pollInitialMs = opts.pollInitialMs ?? 250;
    this.pollMaxMs = opts.pollMaxMs ?? 5000;
    this.sleep =
      opts.sleep ??
      ((ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined) as Promise<void>);
  }

  async query(sql: string, opts: { signal?: AbortSignal } = {}): Promise<QueryResult> {
    return (await this.execute(sql, opts.signal)).result;
  }

  async materialize(req: MaterializeRequest): Promise<MaterializeResult> {
    const started = performance.now();
    const { model, buildId, signal } = req;
    checkBuildId(model, buildId);
    signal?.throwIfAborted();
    const build = renderBuild(model, req.partitions, buildId, {
      database: this.database,
      lakeUri: `s3://${this.lakeBucket}/`,
    });
    return this.withStaging(build.stagingTable, async () => {
      let reported: number | undefined = 0;
      for (const [i, st] of build.statements.entries()) {
        const ex = await this.step(model, st.label, st.sql, signal);
        reported =
          reported === undefined || ex.updateCount === undefined
            ? undefined
            : reported + ex.updateCount;
        if (i === 0 && model.materialization === 'partition_overwrite') {
          // The schema is known once the CTAS has run: refuse a change before writing more.
          const staging = await this.requireTable(build.stagingTable);
          const current = await this.getTable(model.name);
          if (current && !req.replace) this.checkSameSchema(model, current, staging);
        }
      }
      const result = await this.publishFromStaging(
        model,
        buildId,
        req.partitions,
        reported,
        signal,
      );
      return {
        ...result,
        statements: build.statements.length,
        seconds: (performance.now() - started) / 1000,
      };
    });
  }

  /**
   * Publishes what the build's statements wrote to its staging table (the state machine ran them),
   * then drops the staging table. `partitions`: the values the build was asked for (those that
   * came out empty are removed from the table); none for a `table` model.
   */
  async publishStaging(req: MaterializeRequest): Promise<MaterializeResult> {
    const started = performance.now();
    checkBuildId(req.model, req.buildId);
    return this.withStaging(stagingTableName(req.model, req.buildId), async () => {
      const result = await this.publishFromStaging(
        req.model,
        req.buildId,
        req.partitions,
        undefined,
        req.signal,
        req.replace,
      );
      return { ...result, statements: 0, seconds: (performance.now() - started) / 1000 };
    });
  }

  /** Drops the build's staging table (its data stays in S3 for the lifecycle rule). */
  async discardStaging(req: Pick<MaterializeRequest, 'model' | 'buildId'>): Promise<void> {
    await this.dropTable(stagingTableName(req.model, req.buildId));
  }

  async close(): Promise<void> {
    // The clients belong to the caller.
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  private qualify = (table: string): string => `${sqlIdent(this.database)}.${sqlIdent(table)}`;

  /** Runs one statement to completion and reads all its result pages. */
  private async execute(sql: string, signal: AbortSignal | undefined): Promise<Execution> {
    signal?.throwIfAborted();
    let queryId: string | undefined;
    try {
      const started = await this.athena.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.workGroup,
          QueryExecutionContext: { Database: this.database, Catalog: this.catalog },
        }),
      );
      queryId = started.QueryExecutionId;
    } catch (e) {
      if (errorName(e) === 'InvalidRequestException') {
        throw new SqlError(`Athena rejected the query: ${(e as Error).message}`);
      }
      throw e;
    }
    if (!queryId) throw new SqlError('Athena StartQueryExecution returned no query execution id');
    const execution = await this.waitFor(queryId, signal);
    return this.readResults(queryId, execution, signal);
  }

  /** Polls with exponential backoff until the query ends; stops it if `signal` aborts. */
  private async waitFor(queryId: string, signal: AbortSignal | undefined): Promise<QueryExecution> {
    let wait = this.pollInitialMs;
    for (;;) {
      await this.pause(wait, signal);
      if (signal?.aborted) {
        await this.athena
          .send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }))
          .catch(() => undefined);
        throw signal.reason;
      }
      const { QueryExecution: qe } = await this.athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: queryId }),
      );
      const state = qe?.Status?.State;
      if (state === 'SUCCEEDED') return qe!;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new SqlError(failureMessage(queryId, qe), queryId);
      }
      wait = Math.min(Math.round(wait * 1.5), this.pollMaxMs);
    }
  }

  /** Sleeps `ms`, returning early if `signal` aborts. */
  private async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (!signal) return this.sleep(ms);
    if (signal.aborted) return;
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.sleep(ms, signal), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async readResults(
    queryId: string,
    execution: QueryExecution,
    signal: AbortSignal | undefined,
  ): Promise<Execution> {
    // A SELECT (statement type DML) gets its column names as the first row of the first page.
    const mayHaveHeader =
      execution.StatementType === undefined || execution.StatementType === 'DML';
    let infos: AthenaColumnInfo[] | undefined;
    let updateCount: number | undefined;
    const raw: Row[] = [];
    let token: string | undefined;
    let first = true;
    do {
      signal?.throwIfAborted();
      const page = await this.athena.send(
        new GetQueryResultsCommand({
          QueryExecutionId: queryId,
          NextToken: token,
          MaxResults: RESULTS_PAGE,
        }),
      );
      let rows = page.ResultSet?.Rows ?? [];
      if (first) {
        infos = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        updateCount = page.UpdateCount;
        if (mayHaveHeader && isHeaderRow(rows[0], infos)) rows = rows.slice(1);
      }
      raw.push(...rows);
      token = page.NextToken;
      first = false;
    } while (token);
    const columns = toColumns(infos ?? []);
    return { queryId, updateCount, result: { columns, rows: toRowObjects(raw, columns) } };
  }

  /** `execute`, with the model and step named in a failure's message. */
  private async step(
    model: Model,
    what: string,
    sql: string,
    signal: AbortSignal | undefined,
  ): Promise<Execution> {
    try {
      return await this.execute(sql, signal);
    } catch (e) {
      if (e instanceof SqlError)
        throw new SqlError(`${model.name} (${what}): ${e.message}`, e.queryId);
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Builds

  /**
   * Runs `build` (which creates the staging table), then drops the staging table from Glue:
   * strictly after success, best effort after a failure (whose error is rethrown).
   */
  private async withStaging<T>(table: string, build: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await build();
    } catch (e) {
      await this.dropTable(table).catch(() => undefined);
      throw e;
    }
    await this.dropTable(table);
    return result;
  }

  private async dropTable(name: string): Promise<void> {
    try {
      await this.glue.send(new DeleteTableCommand({ DatabaseName: this.database, Name: name }));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private async getTable(name: string): Promise<Table | undefined> {
    try {
      const out = await this.glue.send(
        new GetTableCommand({ DatabaseName: this.database, Name: name }),
      );
      return out.Table;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async requireTable(name: string): Promise<Table> {
    const table = await this.getTable(name);
    if (!table?.StorageDescriptor) {
      throw new Error(`Glue table ${this.database}.${name} is missing after its CTAS succeeded`);
    }
    return table;
  }

  /** The published table's definition: the staging table's, at `location`. */
  private tableInput(
    model: Model,
    staging: Table,
    location: string,
    current: Table | undefined,
  ): TableInput {
    const description = model.description || current?.Description;
    return {
      Name: model.name,
      ...(description ? { Description: description } : {}),
      ...(current?.Owner ? { Owner: current.Owner } : {}),
      TableType: 'EXTERNAL_TABLE',
      Parameters: { ...current?.Parameters, ...staging.Parameters },
      StorageDescriptor: { ...staging.StorageDescriptor, Location: location },
      PartitionKeys: staging.PartitionKeys ?? [],
    };
  }

  /** Counts what the staging table holds, checks it, and points the table at it. */
  private async publishFromStaging(
    model: Model,
    buildId: string,
    partitions: readonly string[] | undefined,
    reported: number | undefined,
    signal: AbortSignal | undefined,
    replace = false,
  ): Promise<Omit<MaterializeResult, 'statements' | 'seconds'>> {
    const stagingName = stagingTableName(model, buildId);
    const qualified = this.qualify(stagingName);
    const key = buildKey(model, buildId);
    const location = `s3://${this.lakeBucket}/${key}`;
    const staging = await this.requireTable(stagingName);
    let current = await this.getTable(model.name);
    if (replace && current && model.materialization === 'partition_overwrite') {
      // The build is the whole table now: the old definition and its partitions go (the data
      // stays in S3). Readers see no table between this and the CreateTable below.
      signal?.throwIfAborted();
      await this.dropTable(model.name);
      current = undefined;
    }

    if (model.materialization === 'table') {
      if (partitions !== undefined) {
        throw new Error(
          `${model.name} is a 'table' model: it is rebuilt whole, without partitions`,
        );
      }
      let rows = reported;
      if (rows === undefined) {
        const counted = await this.step(
          model,
          'row count',
          `SELECT count(*) AS "row_count" FROM ${qualified}`,
          signal,
        );
        rows = Number(counted.result.rows[0]?.row_count ?? 0);
      }
      if (current?.PartitionKeys?.length) {
        throw new Error(
          `${model.name}: the published table ${this.database}.${model.name} is partitioned by ` +
            `${columnsText(current.PartitionKeys)} but the model is now a 'table' model; drop the ` +
            `table, then build it again`,
        );
      }
      signal?.throwIfAborted();
      // Publish: from here on the build is no longer interruptible.
      const input = this.tableInput(model, staging, location, current);
      if (current) {
        await this.glue.send(
          new UpdateTableCommand({ DatabaseName: this.database, TableInput: input }),
        );
      } else {
        await this.glue.send(
          new CreateTableCommand({ DatabaseName: this.database, TableInput: input }),
        );
      }
      return { model: model.name, rows, partitions: [], removed: [], location: key };
    }

    const column = model.partitionedBy[0];
    if (!column) throw new Error(`${model.name}: partition_overwrite needs a partition column`);
    if (!partitions || partitions.length === 0) {
      throw new Error(`${model.name}: partition_overwrite needs the partition values to rebuild`);
    }
    if (current) this.checkSameSchema(model, current, staging);
    const requested = [...new Set(partitions)].sort();
    const counted = await this.step(
      model,
      'rows per partition',
      `SELECT ${sqlIdent(column)} AS "partition_value", count(*) AS "row_count" ` +
        `FROM ${qualified} GROUP BY 1`,
      signal,
    );
    const wanted = new Set(requested);
    const written: PartitionResult[] = counted.result.rows
      .map((r) => ({ value: String(r.partition_value), rows: Number(r.row_count) }))
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    const stray = written.filter((p) => !wanted.has(p.value)).map((p) => p.value);
    if (stray.length > 0) {
      throw new Error(
        `${model.name}: the build wrote partitions that were not asked for: ${stray.slice(0, 10).join(', ')}`,
      );
    }
    const rows = written.reduce((n, p) => n + p.rows, 0);
    if (reported !== undefined && reported !== rows) {
      throw new Error(
        `${model.name}: Athena reported ${reported} rows written but the staging table holds ${rows}`,
      );
    }
    signal?.throwIfAborted();

    // Publish: from here on the build is no longer interruptible.
    const removed = await this.publishPartitions(
      model,
      column,
      staging,
      current,
      location,
      requested,
      written,
    );
    return { model: model.name, rows, partitions: written, removed, location: key };
  }

  private checkSameSchema(model: Model, current: Table, staging: Table): void {
    const diffs: string[] = [];
    if (!sameColumns(current.StorageDescriptor?.Columns, staging.StorageDescriptor?.Columns)) {
      diffs.push(
        `columns: published (${columnsText(current.StorageDescriptor?.Columns)}), ` +
          `built (${columnsText(staging.StorageDescriptor?.Columns)})`,
      );
    }
    if (!sameColumns(current.PartitionKeys, staging.PartitionKeys)) {
      diffs.push(
        `partition keys: published (${columnsText(current.PartitionKeys)}), ` +
          `built (${columnsText(staging.PartitionKeys)})`,
      );
    }
    if (diffs.length > 0) {
      throw new Error(
        `${model.name}: the model's schema differs from the published table ` +
          `${this.database}.${model.name} (${diffs.join('; ')}). A partition_overwrite build ` +
          `cannot change a table's schema: it needs a full rebuild (drop the table, then build ` +
          `every partition).`,
      );
    }
  }

  /** Points each written partition at the new data and drops requested ones that came out empty. */
  private async publishPartitions(
    model: Model,
    column: string,
    staging: Table,
    current: Table | undefined,
    stagingLocation: string,
    requested: readonly string[],
    written: readonly PartitionResult[],
  ): Promise<string[]> {
    const table = model.name;
    const db = this.database;
    let existing = new Set<string>();
    if (current) {
      existing = await this.existingPartitions(table, requested);
    } else {
      const location = `s3://${this.lakeBucket}/${model.layer}/${model.name}/`;
      await this.glue.send(
        new CreateTableCommand({
          DatabaseName: db,
          TableInput: this.tableInput(model, staging, location, undefined),
        }),
      );
    }

    const partitionInput = (value: string): PartitionInput => ({
      Values: [value],
      StorageDescriptor: {
        ...staging.StorageDescriptor,
        Location: `${stagingLocation}${hivePathValue(column)}=${hivePathValue(value)}/`,
      },
    });
    const toUpdate = written.filter((p) => existing.has(p.value)).map((p) => p.value);
    const toCreate = written.filter((p) => !existing.has(p.value)).map((p) => p.value);
    const writtenValues = new Set(written.map((p) => p.value));
    const toDelete = requested.filter((v) => !writtenValues.has(v) && existing.has(v));

    for (const batch of chunks(toUpdate, GLUE_BATCH_UPDATE_PARTITIONS)) {
      const out = await this.glue.send(
        new BatchUpdatePartitionCommand({
          DatabaseName: db,
          TableName: table,
          Entries: batch.map((v) => ({
            PartitionValueList: [v],
            PartitionInput: partitionInput(v),
          })),
        }),
      );
      checkBatchErrors(
        'BatchUpdatePartition',
        table,
        (out.Errors ?? []).map((e) => ({ values: e.PartitionValueList, detail: e.ErrorDetail })),
      );
    }
    for (const batch of chunks(toCreate, GLUE_BATCH_CREATE_PARTITIONS)) {
      const out = await this.glue.send(
        new BatchCreatePartitionCommand({
          DatabaseName: db,
          TableName: table,
          PartitionInputList: batch.map(partitionInput),
        }),
      );
      checkBatchErrors(
        'BatchCreatePartition',
        table,
        (out.Errors ?? []).map((e) => ({ values: e.PartitionValues, detail: e.ErrorDetail })),
      );
    }
    for (const batch of chunks(toDelete, GLUE_BATCH_DELETE_PARTITIONS)) {
      const out = await this.glue.send(
        new BatchDeletePartitionCommand({
          DatabaseName: db,
          TableName: table,
          PartitionsToDelete: batch.map((v) => ({ Values: [v] })),
        }),
      );
      checkBatchErrors(
        'BatchDeletePartition',
        table,
        (out.Errors ?? []).map((e) => ({ values: e.PartitionValues, detail: e.ErrorDetail })),
      );
    }
    return toDelete;
  }

  /** Which of `values` are partitions of `table` now (retrying keys Glue leaves unprocessed). */
  private async existingPartitions(table: string, values: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const batch of chunks(values, GLUE_BATCH_GET_PARTITIONS)) {
      let keys = batch.map((v) => ({ Values: [v] }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt >= UNPROCESSED_ATTEMPTS) {
          throw new Error(
            `Glue BatchGetPartition on ${table} left ${keys.length} key(s) unprocessed after ` +
              `${UNPROCESSED_ATTEMPTS} attempts`,
          );
        }
        if (attempt > 0) await this.sleep(this.pollInitialMs * 2 ** attempt);
        const out = await this.glue.send(
          new BatchGetPartitionCommand({
            DatabaseName: this.database,
            TableName: table,
            PartitionsToGet: keys,
          }),
        );
        for (const p of out.Partitions ?? []) {
          const v = p.Values?.[0];
          if (v !== undefined) found.add(v);
        }
        keys = (out.UnprocessedKeys ?? []).map((k) => ({ Values: k.Values ?? [] }));
      }
    }
    return found;
  }
}
