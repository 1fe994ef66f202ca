/**
 * The Glue definitions of the model tables (every Silver, Gold, RFM and DQ model), kept in
 * `athena/ddl/model-tables.json` so that `cdk deploy` can create them typed before the pipeline
 * has built anything (lib/stack/model-tables.ts turns each entry into a Glue table).
 *
 * The file is generated (`npm run ddl`) and committed; a test regenerates it in memory and fails
 * when the committed copy is stale. The types come from DuckDB: every model is built, in
 * dependency order, on an empty lake whose Bronze tables are empty typed views, the way the
 * pipeline builds it (`DuckDbEngine.materialize`: the same wrapped statements, staging and
 * publish). The local catalog then holds each published table's columns as DuckDB described the
 * build's SELECT (before Parquet, so a HUGEINT is seen as one, not as the DOUBLE DuckDB would
 * write). `glueType` maps each to the Hive type name Glue and Athena use and refuses the types
 * Athena cannot write to a Parquet table, naming the model and the column.
 *
 * Partition columns are strings, as Athena (and the DuckDB views, `hive_types`) read them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ATHENA_DIR, LAYERS, loadModels, type Layer, type Model } from '../engine/model.ts';

/** The generated file. */
export const MODEL_TABLES_FILE = join(ATHENA_DIR, 'ddl', 'model-tables.json');
/** How the file is named in messages (relative to the repository root). */
export const MODEL_TABLES_PATH = 'athena/ddl/model-tables.json';
/** The command that regenerates it. */
export const MODEL_TABLES_COMMAND = 'npm run ddl';

export interface ModelTableColumn {
  readonly name: string;
  /** Glue (Hive) type name: `string`, `bigint`, `decimal(12,2)`, … */
  readonly type: string;
}

export interface ModelTable {
  readonly name: string;
  readonly layer: Layer;
  readonly description: string;
  /** Data columns, in the order of the model's SELECT (partition column excluded). */
  readonly columns: readonly ModelTableColumn[];
  /** Zero or one partition column, always a string. */
  readonly partitionKeys: readonly { readonly name: string; readonly type: 'string' }[];
}

export class ModelTableError extends Error {
  override readonly name = 'ModelTableError';
}

// -----------------------------------------------------------------------------------------------
// DuckDB type → Glue type

/** DuckDB types with one Glue (Hive) type that Athena reads and writes in Parquet the same way. */
const SCALAR_TYPES: Readonly<Record<string, string>> = {
  VARCHAR: 'string',
  BIGINT: 'bigint',
  INTEGER: 'int',
  SMALLINT: 'smallint',
  TINYINT: 'tinyint',
  DOUBLE: 'double',
  FLOAT: 'float',
  BOOLEAN: 'boolean',
  DATE: 'date',
  TIMESTAMP: 'timestamp',
  TIMESTAMP_S: 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  BLOB: 'binary',
};

/**
 * The DuckDB type of a Glue type of the file (the inverse of `glueType`): how the laptop shows
 * a model table that was never built.
 */
export function duckDbType(glue: string): string {
  const scalar = Object.entries(SCALAR_TYPES).find(([, g]) => g === glue)?.[0];
  if (scalar) return scalar;
  if (/^decimal\(\d+,\d+\)$/.test(glue)) return glue.toUpperCase();
  throw new ModelTableError(`no DuckDB type for the Glue type ${glue}`);
}

/** Why a DuckDB type has no place in a Glue table of this lake, and what to write instead. */
const REFUSED: readonly { readonly match: RegExp; readonly why: string }[] = [
  {
    match: /^TIMESTAMP WITH TIME ZONE$/,
    why:
      'Athena cannot write timestamp with time zone to a Parquet table; ' +
      "write CAST(x AT TIME ZONE 'UTC' AS TIMESTAMP)",
  },
  {
    match: /^TIME( WITH TIME ZONE)?$/,
    why: 'Athena cannot write a time of day to a Parquet table; write a timestamp or a string',
  },
  {
    match: /^U?HUGEINT$/,
    why:
      "DuckDB writes it to Parquet as DOUBLE and Trino's type differs (a sum of integers is " +
      'bigint there): CAST it to BIGINT (or DECIMAL(38,0))',
  },
  {
    match: /^U(TINYINT|SMALLINT|INTEGER|BIGINT)$/,
    why: 'Athena has no unsigned integers: CAST it to a signed type',
  },
  {
    match: /^(UUID|JSON|ENUM\b.*)$/,
    why: 'Athena cannot write it to a Parquet table: CAST it to VARCHAR',
  },
  {
    match: /^INTERVAL$/,
    why: 'Athena cannot write an interval to a Parquet table: write a number (of seconds, days …)',
  },
  {
    match: /(\[\d*\]$)|^(STRUCT|MAP|UNION|LIST)\b/,
    why: 'nested types (list, array, struct, map, union) are not part of the catalog: flatten them into columns',
  },
  {
    match: /^"?NULL"?$/,
    why: 'an untyped NULL: CAST(NULL AS <type>)',
  },
];

/**
 * The Glue (Hive) type of a DuckDB column type as DuckDB's DESCRIBE names it. Throws a
 * `ModelTableError` naming `where` (the model and column) for a type Athena cannot write to a
 * Parquet table, or one whose meaning differs between the engines.
 */
export function glueType(duckdbType: string, where: string): string {
  const t = duckdbType.trim().toUpperCase();
  const scalar = SCALAR_TYPES[t];
  if (scalar) return scalar;
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) {
    const [p, s] = [Number(decimal[1]), Number(decimal[2])];
    if (p >= 1 && p <= 38 && s <= p) return `decimal(${p},${s})`;
  }
  const refused = REFUSED.find((r) => r.match.test(t));
  const why = refused?.why ?? 'no Glue type is known for it';
  throw new ModelTableError(`${where}: DuckDB type ${duckdbType} cannot be a Glue column (${why})`);
}

// -----------------------------------------------------------------------------------------------
// The file

const IDENT = /^[a-z][a-z0-9_]*$/;
/** Every type `glueType` can return. */
const GLUE_TYPE =
  /^(string|bigint|int|smallint|tinyint|double|float|boolean|date|timestamp|binary|decimal\(\d+,\d+\))$/;

const FileSchema = z
  .object({
    $comment: z.string(),
    tables: z.array(
      z
        .object({
          name: z.string().regex(IDENT),
          layer: z.enum(LAYERS),
          description: z.string(),
          columns: z
            .array(
              z
                .object({ name: z.string().regex(IDENT), type: z.string().regex(GLUE_TYPE) })
                .strict(),
            )
            .min(1),
          partitionKeys: z
            .array(z.object({ name: z.string().regex(IDENT), type: z.literal('string') }).strict())
            .max(1),
        })
        .strict(),
    ),
  })
  .strict();

const COMMENT =
  `Generated by \`${MODEL_TABLES_COMMAND}\` (lib/catalog/model-tables.ts) from the models under ` +
  'athena/models, typed by building them on DuckDB. Do not edit: change a model, then regenerate.';

/** The file's text: plain JSON, two-space indent (the file is left out of Prettier). */
export function renderModelTables(tables: readonly ModelTable[]): string {
  const sorted = [...tables].sort(
    (a, b) => LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer) || (a.name < b.name ? -1 : 1),
  );
  return `${JSON.stringify({ $comment: COMMENT, tables: sorted }, null, 2)}\n`;
}

export function parseModelTables(text: string, file = MODEL_TABLES_PATH): ModelTable[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelTableError(
      `${file}: not JSON (${(e as Error).message}): run ${MODEL_TABLES_COMMAND}`,
    );
  }
  const parsed = FileSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || 'file'}: ${i.message}`);
    throw new ModelTableError(
      `${file}: ${why.join('; ')} (regenerate it: ${MODEL_TABLES_COMMAND})`,
    );
  }
  const names = parsed.data.tables.map((t) => t.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ModelTableError(`${file}: table ${twice} is listed twice`);
  return parsed.data.tables;
}

/** The committed file's tables. */
export function readModelTables(file: string = MODEL_TABLES_FILE): ModelTable[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ModelTableError(`${MODEL_TABLES_PATH} is missing: run ${MODEL_TABLES_COMMAND}`);
  }
  return parseModelTables(text);
}

/**
 * `undefined` when the committed text equals a fresh generation, else the message that says so,
 * with which tables differ.
 */
export function staleness(
  committed: string | undefined,
  fresh: readonly ModelTable[],
): string | undefined {
  const expected = renderModelTables(fresh);
  if (committed === expected) return undefined;
  let differs = '';
  try {
    const old = new Map(
      parseModelTables(committed ?? '').map((t) => [t.name, renderModelTables([t])]),
    );
    const now = new Map(
      [...fresh]
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((t) => [t.name, renderModelTables([t])]),
    );
    const added = [...now.keys()].filter((n) => !old.has(n));
    const removed = [...old.keys()].filter((n) => !now.has(n)).sort();
    const changed = [...now.keys()].filter((n) => old.has(n) && old.get(n) !== now.get(n));
    const bits = [
      added.length ? `new: ${added.join(', ')}` : '',
      removed.length ? `gone: ${removed.join(', ')}` : '',
      changed.length ? `changed: ${changed.join(', ')}` : '',
    ].filter(Boolean);
    if (bits.length) differs = ` (${bits.join('; ')})`;
  } catch {
    // An unreadable file: the message below says all there is to say.
  }
  return `${MODEL_TABLES_PATH} is out of date: run ${MODEL_TABLES_COMMAND}${differs}`;
}

// -----------------------------------------------------------------------------------------------
// Generation

/** Any partition value: the lake is empty, so a build writes no rows, only a typed table. */
const PLACEHOLDER_PARTITION = '1970-01-01';

/**
 * Builds every model on an empty lake with DuckDB and returns its Glue definition. Throws a
 * `ModelTableError` for a column type `glueType` refuses (all of them, not only the first).
 */
export async function describeModelTables(
  models: readonly Model[] = loadModels(),
): Promise<ModelTable[]> {
  // DuckDB is loaded only here, so the CDK app (which reads the file) never loads it.
  const { DuckDbEngine } = await import('../engine/duckdb.ts');
  const root = mkdtempSync(join(tmpdir(), 'model-tables-'));
  const engine = await DuckDbEngine.open({
    lakeRoot: root,
    database: 'model_tables',
    threads: 1,
    modelTables: [],
  });
  try {
    const tables: ModelTable[] = [];
    const errors: string[] = [];
    for (const model of models) {
      const partitioned = model.materialization === 'partition_overwrite';
      try {
        await engine.materialize({
          model,
          buildId: 'ddl',
          partitions: partitioned ? [PLACEHOLDER_PARTITION] : undefined,
          replace: true,
        });
      } catch (e) {
        throw new ModelTableError(
          `${model.file}: cannot build on an empty lake: ${(e as Error).message}`,
        );
      }
      const entry = engine.catalog.get(model.name);
      if (!entry) throw new ModelTableError(`${model.file}: the build published no table`);
      const columns: ModelTableColumn[] = [];
      for (const c of entry.columns) {
        if (!IDENT.test(c.name)) {
          // Glue folds names to lowercase: `Revenue` would not be the column Athena writes.
          errors.push(
            `${model.file}, column ${c.name}: a Glue column name is a lowercase identifier ([a-z][a-z0-9_]*)`,
          );
          continue;
        }
        try {
          columns.push({ name: c.name, type: glueType(c.type, `${model.file}, column ${c.name}`) });
        } catch (e) {
          if (!(e instanceof ModelTableError)) throw e;
          errors.push(e.message);
        }
      }
      tables.push({
        name: model.name,
        layer: model.layer,
        description: model.description,
        columns,
        partitionKeys: model.partitionedBy.map((name) => ({ name, type: 'string' as const })),
      });
    }
    if (errors.length > 0) throw new ModelTableError(errors.join('\n'));
    return tables;
  } finally {
    await engine.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** Regenerates the file; returns the tables written, in the file's order. */
export async function writeModelTables(file: string = MODEL_TABLES_FILE): Promise<ModelTable[]> {
  const tables = await describeModelTables();
  mkdirSync(dirname(file), { recursive: true });
  const text = renderModelTables(tables);
  writeFileSync(file, text);
  return parseModelTables(text);
}
