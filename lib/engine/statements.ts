/**
 * The statements a build runs, as Athena runs them: a CTAS into a staging table at a fresh
 * location, then one INSERT INTO per further batch of at most 100 partitions. The state machine
 * sends these strings to Athena (`startQueryExecution.sync`); on the laptop the same strings go to
 * DuckDB, whose adapter (`DuckDbEngine.runStatement`) reads the few wrapper lines back with
 * `parseWriteStatement` and runs the model's SELECT unchanged.
 */
import type { Model } from './model.ts';
import {
  MAX_PARTITIONS_PER_STATEMENT,
  partitionBatches,
  scopedQuery,
  sqlIdent,
  sqlString,
} from './wrap.ts';

/** Staging table name suffix: the build id folded to `[a-z0-9_]`. */
export function sanitizeBuildId(buildId: string): string {
  return buildId.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function checkBuildId(model: Pick<Model, 'name'>, buildId: string): void {
  if (!BUILD_ID.test(buildId)) {
    throw new Error(`${model.name}: build id '${buildId}' must match [A-Za-z0-9][A-Za-z0-9_.-]*`);
  }
}

/** The staging table a build of `model` writes: `<model>__stg_<build>`. */
export function stagingTableName(model: Pick<Model, 'name'>, buildId: string): string {
  return `${model.name}__stg_${sanitizeBuildId(buildId)}`;
}

/** Marks staging tables (`<model>__stg_<build>`): never a model name, since models have no `__`. */
export const STAGING_MARK = '__stg_';

/** Lake key prefix of a build's data: `<layer>/<table>/<buildId>/`. */
export function buildKey(model: Pick<Model, 'name' | 'layer'>, buildId: string): string {
  return `${model.layer}/${model.name}/${buildId}/`;
}

/** The CTAS that writes a build's first (or only) statement into its staging location. */
export function ctasStatement(
  qualified: string,
  location: string,
  body: string,
  partitionColumn?: string,
): string {
  const props = [
    `format = 'PARQUET'`,
    `write_compression = 'ZSTD'`,
    `external_location = ${sqlString(location)}`,
  ];
  if (partitionColumn) props.push(`partitioned_by = ARRAY[${sqlString(partitionColumn)}]`);
  return `CREATE TABLE ${qualified}\nWITH (${props.join(', ')})\nAS\n${body}`;
}

/** Each further batch of up to 100 partitions, into the same staging table. */
export function insertStatement(qualified: string, body: string): string {
  return `INSERT INTO ${qualified}\n${body}`;
}

/** A write statement read back from its text (the inverse of the two functions above). */
export type WriteStatement =
  | {
      readonly kind: 'ctas';
      readonly database: string;
      readonly table: string;
      readonly location: string;
      readonly partitionColumn?: string;
      readonly body: string;
    }
  | {
      readonly kind: 'insert';
      readonly database: string;
      readonly table: string;
      readonly body: string;
    };

const IDENT = String.raw`"((?:[^"]|"")+)"`;
const STRING = String.raw`'((?:[^']|'')*)'`;
const CTAS = new RegExp(
  String.raw`^CREATE TABLE ${IDENT}\.${IDENT}\nWITH \(format = 'PARQUET', write_compression = 'ZSTD', ` +
    String.raw`external_location = ${STRING}(?:, partitioned_by = ARRAY\[${STRING}\])?\)\nAS\n`,
);
const INSERT = new RegExp(String.raw`^INSERT INTO ${IDENT}\.${IDENT}\n`);
const unIdent = (s: string) => s.replace(/""/g, '"');
const unString = (s: string) => s.replace(/''/g, "'");

/** Reads back a CTAS or INSERT INTO written by this module; `undefined` for any other text. */
export function parseWriteStatement(sql: string): WriteStatement | undefined {
  let m = CTAS.exec(sql);
  if (m) {
    return {
      kind: 'ctas',
      database: unIdent(m[1]!),
      table: unIdent(m[2]!),
      location: unString(m[3]!),
      ...(m[4] !== undefined ? { partitionColumn: unString(m[4]) } : {}),
      body: sql.slice(m[0].length),
    };
  }
  m = INSERT.exec(sql);
  if (m) {
    return {
      kind: 'insert',
      database: unIdent(m[1]!),
      table: unIdent(m[2]!),
      body: sql.slice(m[0].length),
    };
  }
  return undefined;
}

/** An input of the model that this run has already written to a staging table. */
export interface StagedInput {
  /** The staging table (in the same database). */
  readonly stagingTable: string;
  /** Its partition column, for a partitioned input. */
  readonly partitionColumn?: string;
  /**
   * The partitions the staging table holds. `undefined`: the whole table (a `table` model, or a
   * partitioned one rebuilt in full), so the published table is not read at all.
   */
  readonly partitions?: readonly string[];
}

/**
 * A table as it will be once its staging table is published, as a FROM source: the staging
 * table, overlaid on the published partitions it does not replace.
 */
export function stagedSource(
  table: string,
  s: StagedInput,
  qualify: (table: string) => string,
): string {
  const staging = qualify(s.stagingTable);
  if (s.partitions === undefined) return staging;
  if (!s.partitionColumn) throw new Error(`staged input ${table} needs its partition column`);
  const col = sqlIdent(s.partitionColumn);
  const list = s.partitions.map(sqlString).join(', ');
  return (
    `(SELECT * FROM ${staging} UNION ALL ` +
    `SELECT * FROM ${qualify(table)} WHERE ${col} NOT IN (${list}))`
  );
}

export interface RenderOptions {
  readonly database: string;
  /** Where keys live for the engine: `s3://<bucket>/` in the account, `lake://local/` locally. */
  readonly lakeUri: string;
  /** Inputs rebuilt earlier in the same run: read from staging (overlaid on the published table). */
  readonly staged?: Readonly<Record<string, StagedInput>>;
  /** Partitions per statement (default and maximum: Athena's 100). */
  readonly batchSize?: number;
}

export interface RenderedStatement {
  /** `CREATE TABLE AS, statement 1 of 3`: for progress and error messages. */
  readonly label: string;
  readonly sql: string;
  /** Partitions this statement writes (empty for a whole table). */
  readonly partitions: readonly string[];
}

export interface RenderedBuild {
  readonly stagingTable: string;
  /** Lake key prefix the statements write under. */
  readonly key: string;
  readonly statements: readonly RenderedStatement[];
}

/**
 * The statements that build `model` (the given partitions, or the whole table) into its staging
 * table. An input listed in `staged` is read from this run's staging table; when only some of
 * its partitions were rebuilt, the published table supplies the others.
 */
export function renderBuild(
  model: Model,
  partitions: readonly string[] | undefined,
  buildId: string,
  opts: RenderOptions,
): RenderedBuild {
  checkBuildId(model, buildId);
  const qualify = (t: string) => `${sqlIdent(opts.database)}.${sqlIdent(t)}`;
  const resolve = (table: string): string | undefined =>
    opts.staged?.[table] ? stagedSource(table, opts.staged[table], qualify) : undefined;
  const stagingTable = stagingTableName(model, buildId);
  const target = qualify(stagingTable);
  const key = buildKey(model, buildId);
  const location = `${opts.lakeUri}${key}`;
  if (model.materialization === 'table') {
    if (partitions !== undefined) {
      throw new Error(`${model.name} is a 'table' model: it is rebuilt whole, without partitions`);
    }
    const body = scopedQuery(model, undefined, qualify, resolve);
    return {
      stagingTable,
      key,
      statements: [
        { label: 'CREATE TABLE AS', sql: ctasStatement(target, location, body), partitions: [] },
      ],
    };
  }
  const column = model.partitionedBy[0];
  if (!column) throw new Error(`${model.name}: partition_overwrite needs a partition column`);
  if (!partitions || partitions.length === 0) {
    throw new Error(`${model.name}: partition_overwrite needs the partition values to rebuild`);
  }
  if (partitions.some((v) => v === '')) {
    throw new Error(`${model.name}: an empty string is not a valid partition value`);
  }
  const size = opts.batchSize ?? MAX_PARTITIONS_PER_STATEMENT;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PARTITIONS_PER_STATEMENT) {
    throw new Error(`batchSize must be a whole number from 1 to ${MAX_PARTITIONS_PER_STATEMENT}`);
  }
  const batches = partitionBatches(partitions, size);
  return {
    stagingTable,
    key,
    statements: batches.map((batch, i) => {
      const body = scopedQuery(model, batch, qualify, resolve);
      return i === 0
        ? {
            label: `CREATE TABLE AS, statement 1 of ${batches.length}`,
            sql: ctasStatement(target, location, body, column),
            partitions: batch,
          }
        : {
            label: `INSERT INTO, statement ${i + 1} of ${batches.length}`,
            sql: insertStatement(target, body),
            partitions: batch,
          };
    }),
  };
}
