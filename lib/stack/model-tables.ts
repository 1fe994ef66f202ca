/**
 * A typed Glue table for every model (Silver, Gold, RFM, DQ), from `athena/ddl/model-tables.json`
 * (generated from the models by `npm run ddl`; lib/catalog/model-tables.ts), so the Athena
 * console lists every table with its columns from the first `cdk deploy`, before the pipeline
 * has run.
 *
 * Each table is what an Athena CTAS with `format = 'PARQUET'` registers (Parquet SerDe, input
 * and output formats), with the file's columns and its string partition key, but located at an
 * empty prefix, `<layer>/<table>/_unbuilt/`, that no build writes into: a build writes under
 * `<layer>/<table>/<buildId>/` (a build id never starts with `_`), and a table reading
 * `<layer>/<table>/` itself would read every build's rows at once. Until the first build the
 * table is empty.
 *
 * The pipeline then takes the table over (lib/engine/athena.ts, publishFromStaging): a model's
 * first build is a replace, so a `partition_overwrite` table is dropped and created again from
 * the staging table's CTAS definition, and a `table` model's table is updated (UpdateTable) to
 * its build folder. CloudFormation does not see these changes and leaves the table alone until a
 * later deploy changes its definition here (a model's columns, partition key or description):
 * that update puts back this definition, pointing the table at the empty prefix again (a
 * partitioned table keeps its partitions, which Glue stores apart from the table) until the next
 * run rebuilds it; a model whose SQL changed is rebuilt whole by the next run. Only the
 * description is outside the planner's model fingerprint: an edit to it alone leaves a `table`
 * model empty until its inputs next change (or a `--full-refresh`).
 *
 * The tables live in the catalog's database, so `LakeCatalog.grantQuery` (tables
 * `<database>/*`) already lets the pipeline read, update, drop and re-create them. A stack that
 * ran the pipeline before this construct existed already has these tables (created by the
 * pipeline), and CloudFormation cannot create them over it: drop them (or `cdk import` them)
 * before that deploy.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { BRONZE_TABLES } from '../catalog/bronze-tables.ts';
import { readModelTables, type ModelTable } from '../catalog/model-tables.ts';
import { RECORD_TABLES } from '../catalog/record-tables.ts';
import type { LakehouseConfig } from '../config.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeStorage } from './lake-storage.ts';

export interface ModelTablesProps {
  readonly config: LakehouseConfig;
  /** The lake bucket the tables' data lives in. */
  readonly storage: LakeStorage;
  /** The database the tables go into (the one the pipeline builds in). */
  readonly catalog: LakeCatalog;
  /** Default: the tables of `athena/ddl/model-tables.json`. */
  readonly tables?: readonly ModelTable[];
}

/** Folder under `<layer>/<table>/` that a model table points at until its first build. */
export const UNBUILT_FOLDER = '_unbuilt';

/** Lake key prefix of a model table before its first build: `<layer>/<table>/_unbuilt/`. */
export function unbuiltKey(table: Pick<ModelTable, 'layer' | 'name'>): string {
  return `${table.layer}/${table.name}/${UNBUILT_FOLDER}/`;
}

/** What Athena CTAS registers for `format = 'PARQUET'` (lib/engine/statements.ts, ctasStatement). */
export const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
export const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
export const PARQUET_OUTPUT_FORMAT =
  'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';

/** The Glue table input of a model table (before its first build). */
export function modelTableInput(
  table: ModelTable,
  bucketName: string,
): glue.CfnTable.TableInputProperty {
  return {
    name: table.name,
    ...(table.description ? { description: table.description } : {}),
    tableType: 'EXTERNAL_TABLE',
    parameters: { classification: 'parquet', 'parquet.compression': 'ZSTD' },
    partitionKeys: table.partitionKeys.map((p) => ({ name: p.name, type: p.type })),
    storageDescriptor: {
      location: `s3://${bucketName}/${unbuiltKey(table)}`,
      inputFormat: PARQUET_INPUT_FORMAT,
      outputFormat: PARQUET_OUTPUT_FORMAT,
      serdeInfo: {
        serializationLibrary: PARQUET_SERDE,
        parameters: { 'serialization.format': '1' },
      },
      columns: table.columns.map((c) => ({ name: c.name, type: c.type })),
    },
  };
}

export class ModelTables extends Construct {
  /** The Glue table of each model, by model name. */
  readonly tables: Readonly<Record<string, glue.CfnTable>>;

  constructor(scope: Construct, id: string, props: ModelTablesProps) {
    super(scope, id);
    const { config, storage, catalog } = props;
    const stack = Stack.of(this);
    const defs = props.tables ?? readModelTables();
    // Kept on `cdk destroy` like the rest of the catalog, unless the config says otherwise.
    const removal = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const taken = new Set<string>([
      ...BRONZE_TABLES.map((t) => t.name),
      ...RECORD_TABLES.map((t) => t.name),
    ]);
    const tables: Record<string, glue.CfnTable> = {};
    for (const def of defs) {
      if (taken.has(def.name)) {
        throw new Error(
          `model table ${def.name}: the catalog already has a table of that name (rename the model)`,
        );
      }
      taken.add(def.name);
      const cfn = new glue.CfnTable(this, `Table-${def.name}`, {
        catalogId: stack.account,
        // Ref of the database is its name: also orders the table after the database.
        databaseName: catalog.database.ref,
        tableInput: modelTableInput(def, storage.bucket.bucketName),
      });
      cfn.applyRemovalPolicy(removal);
      tables[def.name] = cfn;
    }
    this.tables = tables;
  }
}
