/**
 * The SQL side of the lake: a Glue database with one table per Bronze table of
 * lib/catalog/bronze-tables.ts and one per run-record table of lib/catalog/record-tables.ts
 * (partition projection: no crawler, no MSCK REPAIR), and the Athena workgroup that runs every
 * query, with its own encrypted results bucket.
 *
 * Not created for LocalStack, where Glue and Athena are paid features (see lakehouse-stack.ts).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  BRONZE_TABLES,
  type BronzeTable,
  type BronzeTableName,
  type PartitionProjection,
  partitionKeyTemplate,
} from '../catalog/bronze-tables.ts';
import { RECORD_TABLES, type RecordTable } from '../catalog/record-tables.ts';
import { databaseName, type LakehouseConfig } from '../config.ts';
import type { LakeStorage } from './lake-storage.ts';
import { bucketObjectsFinding } from './nag-helpers.ts';

export interface LakeCatalogProps {
  readonly config: LakehouseConfig;
  /** The lake the tables describe; its key also encrypts query results. */
  readonly storage: LakeStorage;
}

/** Lake prefixes that SQL builds (CTAS / INSERT INTO): the only ones a query runner may write. */
export const SQL_LAYER_PREFIXES = ['silver/', 'gold/', 'rfm/', 'dq/'] as const;

export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

/** Text objects, one row per line (gzip recognised by the `.gz` name). */
const TEXT_INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
export const REGEX_SERDE = 'org.apache.hadoop.hive.serde2.RegexSerDe';
export const OPEN_CSV_SERDE = 'org.apache.hadoop.hive.serde2.OpenCSVSerde';
export const JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';
/**
 * Projected `run_date` range of the run-record tables: no run predates the pipeline, and none
 * starts in the future (run dates are UTC, as Athena's NOW is).
 */
export const RECORD_PROJECTION_RANGE = ['2024-01-01', 'NOW'] as const;
/**
 * The whole line as the one group. RegexSerDe needs the regex to match the entire line (else every
 * column is NULL), and Java's `.` stops at U+0085, U+2028 and U+2029, which can occur inside a
 * line: DOTALL (`(?s)`) makes `.` match them too, so every line comes through intact.
 */
export const WHOLE_LINE_REGEX = '(?s)^(.*)$';

/** Athena partition projection parameters of a table (`projection.*` table properties). */
export function projectionParameters(table: BronzeTable): Record<string, string> {
  const params: Record<string, string> = { 'projection.enabled': 'true' };
  for (const { name, projection } of table.partitions) {
    for (const [k, v] of Object.entries(projectionOf(projection))) {
      params[`projection.${name}.${k}`] = v;
    }
  }
  return params;
}

function projectionOf(p: PartitionProjection): Record<string, string> {
  switch (p.type) {
    case 'date':
      return {
        type: 'date',
        format: 'yyyy-MM-dd',
        range: p.range.join(','),
        interval: '1',
        'interval.unit': 'DAYS',
      };
    case 'integer':
      return { type: 'integer', range: p.range.join(','), digits: String(p.digits) };
    case 'enum':
      return { type: 'enum', values: p.values.join(',') };
  }
}

/** SerDe, formats and format-specific table properties for a Bronze table. */
function formatOf(table: BronzeTable): {
  serde: glue.CfnTable.SerdeInfoProperty;
  parameters: Record<string, string>;
} {
  switch (table.format) {
    case 'lines':
      if (table.columns.length !== 1) {
        throw new Error(`${table.name}: a 'lines' table has exactly one column (the raw line)`);
      }
      return {
        serde: {
          serializationLibrary: REGEX_SERDE,
          parameters: { 'input.regex': WHOLE_LINE_REGEX },
        },
        // No `classification`: Glue knows none for raw text, and `json` would make Glue ETL try
        // to parse the lines this table deliberately keeps unparsed.
        parameters: {},
      };
    case 'csv':
      return {
        serde: {
          serializationLibrary: OPEN_CSV_SERDE,
          parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
        },
        parameters: { classification: 'csv', 'skip.header.line.count': '1' },
      };
  }
}

/**
 * The Glue table of a run-record table: JSON lines read with the OpenX JSON SerDe, columns typed
 * from the registry, `run_date` projected as a date (the pipeline writes
 * `<prefix>run_date=YYYY-MM-DD/<run id>.json`).
 */
export function recordTableInput(
  table: RecordTable,
  bucketName: string,
): glue.CfnTable.TableInputProperty {
  const { name } = table.partition;
  return {
    name: table.name,
    description: table.description,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      classification: 'json',
      'projection.enabled': 'true',
      [`projection.${name}.type`]: 'date',
      [`projection.${name}.format`]: 'yyyy-MM-dd',
      [`projection.${name}.range`]: RECORD_PROJECTION_RANGE.join(','),
      [`projection.${name}.interval`]: '1',
      [`projection.${name}.interval.unit`]: 'DAYS',
      // `${run_date}` stays literal: the bucket token makes this an Fn::Join, not an Fn::Sub.
      'storage.location.template': `s3://${bucketName}/${table.prefix}${name}=\${${name}}/`,
    },
    partitionKeys: [{ name, type: 'string', comment: table.partition.comment }],
    storageDescriptor: {
      location: `s3://${bucketName}/${table.prefix}`,
      inputFormat: TEXT_INPUT_FORMAT,
      outputFormat: TEXT_OUTPUT_FORMAT,
      serdeInfo: { serializationLibrary: JSON_SERDE },
      columns: table.columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
    },
  };
}

export class LakeCatalog extends Construct {
  readonly databaseName: string;
  readonly database: glue.CfnDatabase;
  /** The Bronze tables by name. */
  readonly tables: Readonly<Record<BronzeTableName, glue.CfnTable>>;
  /** The run-record tables (`pipeline_runs`, `pipeline_run_models`) by name. */
  readonly recordTables: Readonly<Record<string, glue.CfnTable>>;
  readonly workGroupName: string;
  readonly workGroup: athena.CfnWorkGroup;
  /** Query results only (SSE-KMS with the lake key, expired after `athena.resultRetentionDays`). */
  readonly resultsBucket: s3.Bucket;

  private readonly storage: LakeStorage;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    const { config, storage } = props;
    this.storage = storage;
    const stack = Stack.of(this);
    const bucket = storage.bucket;

    // As in LakeStorage: log delivery through a bucket policy, not the LogDeliveryWrite ACL.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    // Like the lake, the catalog is kept on `cdk destroy` unless the config says otherwise:
    // deleting the database would also delete the tables the pipeline registers at run time,
    // whose locations say which build of each table is the published one.
    const removal = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.databaseName = databaseName(config);
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: this.databaseName,
        description: `${config.project}: bronze, silver, gold, rfm and dq tables over the lake bucket`,
      },
    });
    this.database.applyRemovalPolicy(removal);

    const tables: Partial<Record<BronzeTableName, glue.CfnTable>> = {};
    for (const table of BRONZE_TABLES) {
      const format = formatOf(table);
      const cfn = new glue.CfnTable(this, `Table-${table.name}`, {
        catalogId: stack.account,
        // Ref of the database is its name: also orders the table after the database.
        databaseName: this.database.ref,
        tableInput: {
          name: table.name,
          description: table.description,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            ...format.parameters,
            ...projectionParameters(table),
            // `${name}` placeholders stay literal: the bucket token makes this an Fn::Join, which
            // (unlike Fn::Sub) leaves them alone.
            'storage.location.template': `s3://${bucket.bucketName}/${partitionKeyTemplate(table)}`,
          },
          partitionKeys: table.partitions.map((p) => ({
            name: p.name,
            type: 'string',
            comment: p.comment,
          })),
          storageDescriptor: {
            location: `s3://${bucket.bucketName}/${table.prefix}`,
            inputFormat: TEXT_INPUT_FORMAT,
            outputFormat: TEXT_OUTPUT_FORMAT,
            serdeInfo: format.serde,
            columns: table.columns.map((c) => ({
              name: c.name,
              type: 'string',
              comment: c.comment,
            })),
          },
        },
      });
      cfn.applyRemovalPolicy(removal);
      tables[table.name] = cfn;
    }
    this.tables = tables as Record<BronzeTableName, glue.CfnTable>;

    const recordTables: Record<string, glue.CfnTable> = {};
    for (const table of RECORD_TABLES) {
      const cfn = new glue.CfnTable(this, `Table-${table.name}`, {
        catalogId: stack.account,
        databaseName: this.database.ref,
        tableInput: recordTableInput(table, bucket.bucketName),
      });
      cfn.applyRemovalPolicy(removal);
      recordTables[table.name] = cfn;
    }
    this.recordTables = recordTables;

    // Results get their own bucket rather than a prefix of the lake bucket: they are copies of
    // whatever was queried, so access to them is granted on its own; they need neither the lake's
    // versioning nor its storage-class transitions; and they simply expire.
    this.resultsBucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: storage.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: storage.accessLogBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        {
          id: 'expire-query-results',
          expiration: Duration.days(config.athena.resultRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: removal,
      autoDeleteObjects: !config.retainData,
    });

    this.workGroupName = config.project;
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: `${config.project}: pipeline, dashboard and ad-hoc queries over ${this.databaseName}`,
      state: 'ENABLED',
      // Deleting a workgroup that has query history needs the recursive option.
      recursiveDeleteOption: !config.retainData,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        bytesScannedCutoffPerQuery: config.athena.bytesScannedCutoffMiB * 1024 * 1024,
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/`,
          expectedBucketOwner: stack.account,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: storage.key.keyArn },
        },
      },
    });
    this.workGroup.applyRemovalPolicy(removal);
  }

  /** ARN of the workgroup. */
  get workGroupArn(): string {
    return Stack.of(this).formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: this.workGroupName,
    });
  }

  /**
   * Lets `grantee` run queries in the workgroup the way the pipeline does: start, follow, read
   * and stop queries; read the catalog and create, replace or drop tables and partitions in this
   * database; read the whole lake, write only the layers SQL builds (silver/, gold/, rfm/, dq/)
   * and the query results; use the lake key through S3. When `grantee` is a construct (a Role),
   * the cdk-nag findings this causes are suppressed on it, each with its reason. `readOnly`:
   * queries that only read (the data-quality checks): no catalog changes, no lake writes.
   */
  grantQuery(grantee: iam.IGrantable, opts: { readOnly?: boolean } = {}): void {
    const write = !opts.readOnly;
    const stack = Stack.of(this);
    const principal = grantee.grantPrincipal;
    const lake = this.storage.bucket;
    const results = this.resultsBucket;
    const add = (statement: iam.PolicyStatementProps) =>
      principal.addToPrincipalPolicy(new iam.PolicyStatement(statement));

    add({
      sid: 'RunQueriesInWorkGroup',
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
      ],
      resources: [this.workGroupArn],
    });

    const glueResources = [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
      stack.formatArn({
        service: 'glue',
        resource: 'table',
        resourceName: `${this.databaseName}/*`,
      }),
    ];
    add({
      sid: 'ReadCatalog',
      actions: [
        'glue:GetDatabase',
        'glue:GetDatabases',
        'glue:GetTable',
        'glue:GetTables',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchGetPartition',
      ],
      resources: glueResources,
    });
    if (write)
      add({
        sid: 'WriteCatalog',
        actions: [
          'glue:CreateTable',
          'glue:UpdateTable',
          'glue:DeleteTable',
          'glue:BatchCreatePartition',
          'glue:BatchUpdatePartition',
          'glue:BatchDeletePartition',
        ],
        resources: glueResources,
      });

    add({
      sid: 'ListLakeAndResults',
      actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
      resources: [lake.bucketArn, results.bucketArn],
    });
    add({
      sid: 'ReadLakeAndResults',
      actions: ['s3:GetObject'],
      resources: [lake.arnForObjects('*'), results.arnForObjects('*')],
    });
    add({
      sid: 'WriteSqlLayersAndResults',
      actions: [
        's3:PutObject',
        's3:DeleteObject',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
      ],
      resources: [
        ...(write ? SQL_LAYER_PREFIXES.map((prefix) => this.storage.objectsArn(prefix)) : []),
        results.arnForObjects('*'),
      ],
    });
    add({
      sid: 'UseLakeKeyThroughS3',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [this.storage.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    });

    if (Construct.isConstruct(principal)) {
      NagSuppressions.addResourceSuppressions(
        principal,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'A query runner reads any table of the lake (every layer is an input of some model) and the results of its own queries, whose keys Athena names per query id.',
            appliesTo: [bucketObjectsFinding(lake, ''), bucketObjectsFinding(results, '')],
          },
          ...(write
            ? [
                {
                  id: 'AwsSolutions-IAM5',
                  reason:
                    'CTAS and INSERT INTO write objects Athena names at run time under the table location; writes are limited to the silver/, gold/, rfm/ and dq/ prefixes that SQL builds, never bronze/.',
                  appliesTo: SQL_LAYER_PREFIXES.map((prefix) => bucketObjectsFinding(lake, prefix)),
                },
              ]
            : []),
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'The pipeline creates and replaces its own tables (silver, gold, rfm, dq) at run time, so table permissions cover the tables of this one database, not of the catalog.',
            appliesTo: [
              `Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${this.databaseName}/*`,
            ],
          },
        ],
        true,
      );
    }
  }
}
