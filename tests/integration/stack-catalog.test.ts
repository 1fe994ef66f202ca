/**
 * The Glue catalog and the Athena workgroup in the synthesized stack: one table per entry of
 * lib/catalog/bronze-tables.ts with partition projection over the keys the ingest path writes,
 * the SerDes that keep every raw line, one JSON table per run-record table of
 * lib/catalog/record-tables.ts, one typed Parquet table per model (athena/ddl/model-tables.json)
 * at an empty prefix until its first build, the workgroup settings, grantQuery's least-privilege
 * policy, cdk-nag, and the LocalStack variant (no Glue, no Athena).
 *
 * Three stacks in one app, synthesized without bundling the producer (not under test here).
 */
import { App, Aspects, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSavedQueries, SAVED_QUERIES_DIR } from '../../lib/catalog/saved-queries.ts';
import {
  BRONZE_TABLES,
  PROJECTION_END,
  PROJECTION_START_DATE,
} from '../../lib/catalog/bronze-tables.ts';
import { readModelTables } from '../../lib/catalog/model-tables.ts';
import { RECORD_TABLES } from '../../lib/catalog/record-tables.ts';
import { ConfigError, databaseName, parseConfig } from '../../lib/config.ts';
import { CUSTOMER_COLUMNS } from '../../lib/events/schema.ts';
import { loadModels } from '../../lib/engine/model.ts';
import { buildKey, checkBuildId } from '../../lib/engine/statements.ts';
import { runRecordKey } from '../../lib/pipeline/run-records.ts';
import {
  FIREHOSE_ERROR_PREFIX,
  FIREHOSE_EVENTS_PREFIX,
  FIREHOSE_EVENTS_PREFIX_ARRIVAL,
  referenceKey,
} from '../../lib/lake-layout.ts';
import { PROCESSING_FAILED } from '../../lib/local/delivery.ts';
import { WHOLE_LINE_REGEX } from '../../lib/stack/lake-catalog.ts';
import { LakehouseStack, STACK_OUTPUTS } from '../../lib/stack/lakehouse-stack.ts';
import { UNBUILT_FOLDER } from '../../lib/stack/model-tables.ts';
import { list, statementsOfRole } from '../helpers/iam.ts';

// ---------------------------------------------------------------------------------------------
// Synths

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const defaultConfig = parseConfig({});
const stack = new LakehouseStack(app, 'CatalogDefault', { config: defaultConfig });
// A query runner of its own, to check grantQuery's policy and suppressions in isolation.
const runner = new iam.Role(stack, 'QueryRunner', {
  assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
});
stack.catalog!.grantQuery(runner);

const variantConfig = parseConfig({
  retainData: false,
  athena: { bytesScannedCutoffMiB: 100, resultRetentionDays: 7 },
});
const variantStack = new LakehouseStack(app, 'CatalogVariant', { config: variantConfig });
const localStack = new LakehouseStack(app, 'CatalogLocalStack', {
  config: parseConfig({ localstack: true }),
});

Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
const template = Template.fromStack(stack);
const variant = Template.fromStack(variantStack);
const local = Template.fromStack(localStack);

const catalog = stack.catalog!;
const MODEL_TABLES = readModelTables();
const id = (s: LakehouseStack, el: { node: { defaultChild?: unknown } }) =>
  s.getLogicalId(el.node.defaultChild as CfnElement);
const ids = {
  lake: id(stack, stack.storage.bucket),
  key: id(stack, stack.storage.key),
  results: id(stack, catalog.resultsBucket),
  runner: id(stack, runner),
  database: stack.getLogicalId(catalog.database),
  workGroup: stack.getLogicalId(catalog.workGroup),
};
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

// ---------------------------------------------------------------------------------------------
// Helpers

interface GlueTable {
  Properties: {
    DatabaseName: unknown;
    TableInput: {
      Name: string;
      Description?: string;
      TableType: string;
      Parameters: Record<string, unknown>;
      PartitionKeys: { Name: string; Type: string; Comment?: string }[];
      StorageDescriptor: {
        Location: unknown;
        InputFormat: string;
        OutputFormat: string;
        Columns: { Name: string; Type: string; Comment?: string }[];
        SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
      };
    };
  };
  DeletionPolicy?: string;
}

function tablesOf(t: Template): Map<string, GlueTable> {
  const all = Object.values(t.findResources('AWS::Glue::Table')) as GlueTable[];
  return new Map(all.map((r) => [r.Properties.TableInput.Name, r]));
}
const tables = tablesOf(template);
const tableInput = (name: string) => {
  const t = tables.get(name);
  if (!t) throw new Error(`no Glue table ${name}`);
  return t.Properties.TableInput;
};

/** Resolves `Fn::Join` of literals and `{ Ref: <lake bucket> }` to a string with `<lake>` for the bucket. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (v.Ref === ids.lake) return '<lake>';
  if (v['Fn::Join']) return v['Fn::Join'][1].map(render).join(v['Fn::Join'][0]);
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** A Firehose S3 prefix with each `!{...}` expression replaced by the partition it fills. */
function firehosePrefixAsTemplate(prefix: string): string {
  return prefix
    .replace(/!\{partitionKeyFromQuery:(\w+)\}/g, '${$1}')
    .replace('!{timestamp:yyyy-MM-dd}', '${dt}')
    .replace('!{timestamp:HH}', '${hour}')
    .replace('!{firehose:error-output-type}', '${error_type}');
}

const glueArn = (resource: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':glue:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:${resource}`,
    ],
  ],
});
const objectsOf = (bucketId: string, suffix: string) => ({
  'Fn::Join': ['', [arnOf(bucketId), suffix]],
});

// ---------------------------------------------------------------------------------------------

describe('Glue database', () => {
  it('is named after the project and described', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
    template.hasResourceProperties('AWS::Glue::Database', {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseInput: {
        Name: databaseName(defaultConfig),
        Description: Match.stringLikeRegexp('.+'),
      },
    });
    expect(catalog.databaseName).toBe('ecommerce_lakehouse');
  });
});

describe('Bronze tables', () => {
  it('has one external table per entry of BRONZE_TABLES, in the database', () => {
    template.resourceCountIs(
      'AWS::Glue::Table',
      BRONZE_TABLES.length + RECORD_TABLES.length + MODEL_TABLES.length,
    );
    const bronze = [...tables.keys()].filter((n) => n.startsWith('bronze_')).sort();
    expect(bronze).toEqual(BRONZE_TABLES.map((t) => t.name).sort());
    expect(Object.keys(catalog.tables).sort()).toEqual(bronze);
    for (const t of tables.values()) {
      expect(t.Properties.DatabaseName).toEqual({ Ref: ids.database });
      expect(t.Properties.TableInput.TableType).toBe('EXTERNAL_TABLE');
    }
  });

  it('types every column and partition key as string, with a comment', () => {
    for (const def of BRONZE_TABLES) {
      const input = tableInput(def.name);
      expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(
        def.columns.map((c) => c.name),
      );
      expect(input.PartitionKeys.map((p) => p.Name)).toEqual(def.partitions.map((p) => p.name));
      for (const c of [...input.StorageDescriptor.Columns, ...input.PartitionKeys]) {
        expect(c.Type).toBe('string');
        expect(c.Comment).toMatch(/\S/);
      }
    }
    expect(tableInput('bronze_customers').StorageDescriptor.Columns.map((c) => c.Name)).toEqual([
      ...CUSTOMER_COLUMNS,
    ]);
  });

  const dateProjection = (col: string) => ({
    [`projection.${col}.type`]: 'date',
    [`projection.${col}.format`]: 'yyyy-MM-dd',
    [`projection.${col}.range`]: `${PROJECTION_START_DATE},${PROJECTION_END}`,
    [`projection.${col}.interval`]: '1',
    [`projection.${col}.interval.unit`]: 'DAYS',
  });
  const projectionOf = (name: string) => {
    const params = { ...tableInput(name).Parameters };
    delete params['storage.location.template'];
    delete params.classification;
    delete params['skip.header.line.count'];
    return params;
  };

  it('projects partitions exactly (no crawler, no MSCK REPAIR)', () => {
    expect(PROJECTION_START_DATE).toBe('2020-01-01');
    expect(projectionOf('bronze_events')).toEqual({
      'projection.enabled': 'true',
      ...dateProjection('dt'),
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
    });
    expect(projectionOf('bronze_delivery_errors')).toEqual({
      'projection.enabled': 'true',
      'projection.error_type.type': 'enum',
      'projection.error_type.values': 'processing-failed,format-conversion-failed',
      ...dateProjection('dt'),
    });
    for (const name of ['bronze_customers', 'bronze_products']) {
      expect(projectionOf(name)).toEqual({
        'projection.enabled': 'true',
        ...dateProjection('snapshot_date'),
      });
    }
    // The error type the local delivery stand-in writes is one of the projected values.
    expect(tableInput('bronze_delivery_errors').Parameters['projection.error_type.values']).toMatch(
      new RegExp(`(^|,)${PROCESSING_FAILED}(,|$)`),
    );
  });

  it('locates each partition at the keys the ingest path writes (lake-layout)', () => {
    const templateOf = (name: string) =>
      render(tableInput(name).Parameters['storage.location.template']);
    const locationOf = (name: string) => render(tableInput(name).StorageDescriptor.Location);

    expect(templateOf('bronze_events')).toBe('s3://<lake>/bronze/events/dt=${dt}/hour=${hour}/');
    expect(templateOf('bronze_events')).toBe(
      `s3://<lake>/${firehosePrefixAsTemplate(FIREHOSE_EVENTS_PREFIX)}`,
    );
    // LocalStack keys by arrival time, in the same shape.
    expect(templateOf('bronze_events')).toBe(
      `s3://<lake>/${firehosePrefixAsTemplate(FIREHOSE_EVENTS_PREFIX_ARRIVAL)}`,
    );
    // Firehose writes the error output type as a bare key segment, not `error_type=...`.
    expect(templateOf('bronze_delivery_errors')).toBe(
      's3://<lake>/bronze/_errors/${error_type}/dt=${dt}/',
    );
    expect(templateOf('bronze_delivery_errors')).toBe(
      `s3://<lake>/${firehosePrefixAsTemplate(FIREHOSE_ERROR_PREFIX)}`,
    );
    for (const kind of ['customers', 'products'] as const) {
      const key = referenceKey(kind, '${snapshot_date}');
      expect(templateOf(`bronze_${kind}`)).toBe(
        `s3://<lake>/${key.slice(0, key.lastIndexOf('/') + 1)}`,
      );
      expect(locationOf(`bronze_${kind}`)).toBe(`s3://<lake>/bronze/reference/${kind}/`);
    }
    expect(locationOf('bronze_events')).toBe('s3://<lake>/bronze/events/');
    expect(locationOf('bronze_delivery_errors')).toBe('s3://<lake>/bronze/_errors/');
  });

  it('reads lines tables as text, the whole line into `raw` with RegexSerDe', () => {
    for (const name of ['bronze_events', 'bronze_delivery_errors', 'bronze_products']) {
      const input = tableInput(name);
      expect(input.StorageDescriptor).toMatchObject({
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.serde2.RegexSerDe',
          Parameters: { 'input.regex': '(?s)^(.*)$' },
        },
      });
      expect(input.StorageDescriptor.Columns).toEqual([
        expect.objectContaining({ Name: 'raw', Type: 'string' }),
      ]);
      expect(input.Parameters.classification).toBeUndefined();
      expect(input.Parameters['skip.header.line.count']).toBeUndefined();
    }
  });

  it('the line regex matches any line whole, in one group (Java (?s) ≙ JS flag s)', () => {
    expect(WHOLE_LINE_REGEX.startsWith('(?s)')).toBe(true);
    const re = new RegExp(WHOLE_LINE_REGEX.slice('(?s)'.length), 's');
    const lines = [
      '',
      '{"event_id":"a"}',
      '{"trunc',
      'NEL \u0085 LS \u2028 PS \u2029 CR \r tab \t NUL \u0000',
      '  padded  ',
    ];
    for (const line of lines) {
      const m = re.exec(line);
      expect(m?.length).toBe(2);
      expect(m?.[1]).toBe(line);
    }
  });

  it('reads customers with OpenCSVSerde, skipping the header row', () => {
    const input = tableInput('bronze_customers');
    expect(input.StorageDescriptor).toMatchObject({
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
        Parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
      },
    });
    expect(input.Parameters).toMatchObject({
      classification: 'csv',
      'skip.header.line.count': '1',
    });
  });
});

describe('run-record tables (pipeline_runs, pipeline_run_models, dq_results)', () => {
  const typesOf = (cols: readonly { Name: string; Type: string }[]) =>
    cols.map((c) => `${c.Name} ${c.Type}`);

  it('has one external table per entry of RECORD_TABLES, in the database', () => {
    expect(RECORD_TABLES.map((t) => t.name).sort()).toEqual([
      'dq_results',
      'pipeline_run_models',
      'pipeline_runs',
    ]);
    expect(Object.keys(catalog.recordTables).sort()).toEqual(
      RECORD_TABLES.map((t) => t.name).sort(),
    );
    for (const def of RECORD_TABLES) {
      const t = tables.get(def.name);
      expect(t, def.name).toBeDefined();
      expect(t!.Properties.DatabaseName).toEqual({ Ref: ids.database });
      expect(t!.Properties.TableInput).toMatchObject({
        Name: def.name,
        Description: def.description,
        TableType: 'EXTERNAL_TABLE',
      });
      expect(t!.DeletionPolicy).toBe('Retain');
    }
  });

  it('reads JSON lines with the OpenX JSON SerDe, columns typed from the registry', () => {
    for (const def of RECORD_TABLES) {
      const input = tableInput(def.name);
      expect(input.StorageDescriptor).toMatchObject({
        InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
      });
      expect(typesOf(input.StorageDescriptor.Columns)).toEqual(
        def.columns.map((c) => `${c.name} ${c.type}`),
      );
      for (const c of input.StorageDescriptor.Columns) {
        expect(['string', 'bigint', 'double']).toContain(c.Type);
        expect(c.Comment).toMatch(/\S/);
      }
      expect(input.PartitionKeys).toEqual([
        { Name: 'run_date', Type: 'string', Comment: def.partition.comment },
      ]);
      expect(input.Parameters.classification).toBe('json');
    }
    // Spot checks, so a registry edit that breaks a type is seen here too.
    const runs = typesOf(tableInput('pipeline_runs').StorageDescriptor.Columns);
    expect(runs).toEqual(
      expect.arrayContaining(['run_id string', 'rows_written bigint', 'duration_seconds double']),
    );
  });

  it('projects run_date as a date at the keys the recorder writes', () => {
    for (const def of RECORD_TABLES) {
      const input = tableInput(def.name);
      const { 'storage.location.template': locationTemplate, ...params } = input.Parameters;
      expect(params).toEqual({
        classification: 'json',
        'projection.enabled': 'true',
        'projection.run_date.type': 'date',
        'projection.run_date.format': 'yyyy-MM-dd',
        'projection.run_date.range': '2024-01-01,NOW',
        'projection.run_date.interval': '1',
        'projection.run_date.interval.unit': 'DAYS',
      });
      expect(render(input.StorageDescriptor.Location)).toBe(`s3://<lake>/${def.prefix}`);
      expect(render(locationTemplate)).toBe(`s3://<lake>/${def.prefix}run_date=\${run_date}/`);
      // The recorder's object key is a file in that partition folder.
      const key = runRecordKey(def.prefix, '2026-01-02', 'r1');
      expect(`s3://<lake>/${key}`).toBe(
        render(locationTemplate).replace('${run_date}', '2026-01-02') + 'r1.json',
      );
    }
    expect(render(tableInput('pipeline_runs').StorageDescriptor.Location)).toBe(
      's3://<lake>/dq/pipeline_runs/',
    );
    expect(render(tableInput('pipeline_run_models').StorageDescriptor.Location)).toBe(
      's3://<lake>/dq/pipeline_run_models/',
    );
  });

  it('is not created for LocalStack', () => {
    expect(local.findResources('AWS::Glue::Table')).toEqual({});
  });
});

describe('model tables (athena/ddl/model-tables.json)', () => {
  const typesOf = (
    cols: readonly { Name?: string; name?: string; Type?: string; type?: string }[],
  ) => cols.map((c) => `${c.Name ?? c.name} ${c.Type ?? c.type}`);

  it('has one table per model, in the database, described, kept like the rest of the catalog', () => {
    expect(MODEL_TABLES.map((t) => t.name).sort()).toEqual(
      loadModels()
        .map((m) => m.name)
        .sort(),
    );
    expect(Object.keys(stack.modelTables!.tables).sort()).toEqual(
      MODEL_TABLES.map((t) => t.name).sort(),
    );
    for (const def of MODEL_TABLES) {
      const t = tables.get(def.name);
      expect(t, def.name).toBeDefined();
      expect(t!.Properties.DatabaseName).toEqual({ Ref: ids.database });
      expect(t!.Properties.TableInput.TableType).toBe('EXTERNAL_TABLE');
      expect(t!.Properties.TableInput.Description).toBe(def.description || undefined);
      expect(t!.DeletionPolicy).toBe('Retain');
    }
    // Silver, Gold and RFM are all there.
    expect(new Set(MODEL_TABLES.map((t) => t.layer))).toEqual(
      new Set(loadModels().map((m) => m.layer)),
    );
    expect(MODEL_TABLES.map((t) => t.name)).toEqual(
      expect.arrayContaining(['silver_events', 'silver_quarantine']),
    );
  });

  it('has exactly the columns and partition keys of the file, partition keys as strings', () => {
    for (const def of MODEL_TABLES) {
      const input = tableInput(def.name);
      expect(typesOf(input.StorageDescriptor.Columns), def.name).toEqual(typesOf(def.columns));
      expect(input.PartitionKeys ?? [], def.name).toEqual(
        def.partitionKeys.map((p) => ({ Name: p.name, Type: 'string' })),
      );
    }
    // The Glue types are Hive's, not DuckDB's.
    const events = typesOf(tableInput('silver_events').StorageDescriptor.Columns);
    expect(events).toEqual(
      expect.arrayContaining(['event_id string', 'event_ts timestamp', 'quantity int']),
    );
    expect(tableInput('silver_events').PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
  });

  it('reads Parquet as Athena CTAS writes it (Parquet SerDe and formats)', () => {
    for (const def of MODEL_TABLES) {
      const input = tableInput(def.name);
      expect(input.StorageDescriptor, def.name).toMatchObject({
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          Parameters: { 'serialization.format': '1' },
        },
      });
      expect(input.Parameters).toEqual({
        classification: 'parquet',
        'parquet.compression': 'ZSTD',
      });
    }
  });

  it('points each table at an empty prefix no build writes into, not at the builds themselves', () => {
    // A build id cannot start with `_`, so `_unbuilt/` is never a build folder.
    expect(() => checkBuildId({ name: 'm' }, UNBUILT_FOLDER)).toThrow();
    for (const def of MODEL_TABLES) {
      const location = render(tableInput(def.name).StorageDescriptor.Location);
      expect(location).toBe(`s3://<lake>/${def.layer}/${def.name}/_unbuilt/`);
      // Not `<layer>/<table>/`, which holds every build folder (`<layer>/<table>/<buildId>/`).
      expect(location).not.toBe(`s3://<lake>/${def.layer}/${def.name}/`);
      expect(buildKey(def, 'b1').startsWith(`${def.layer}/${def.name}/`)).toBe(true);
      expect(location.startsWith(`s3://<lake>/${buildKey(def, 'b1')}`)).toBe(false);
    }
  });

  it('are tables the pipeline may update, drop and re-create (grantQuery covers the database)', () => {
    const roles = [
      stack.pipeline!.functions.publisher.role!,
      stack.pipeline!.stateMachine.role,
    ].map((r) => id(stack, r));
    for (const role of roles) {
      const glue = statementsOfRole(template, role).filter((s) =>
        list(s.Action).some((a) => a.startsWith('glue:')),
      );
      const covering = (action: string) =>
        glue.some(
          (s) =>
            list(s.Action).includes(action) &&
            list(s.Resource).some(
              (r) =>
                JSON.stringify(r) === JSON.stringify(glueArn(`table/${catalog.databaseName}/*`)),
            ),
        );
      for (const action of [
        'glue:GetTable',
        'glue:CreateTable',
        'glue:UpdateTable',
        'glue:DeleteTable',
      ]) {
        expect(covering(action), `${role} ${action}`).toBe(true);
      }
    }
  });

  it('is not created for LocalStack', () => {
    expect(localStack.modelTables).toBeUndefined();
  });
});

describe('Athena workgroup', () => {
  it('enforces its settings: engine v3, metrics, scan cutoff from config, SSE-KMS results', () => {
    template.resourceCountIs('AWS::Athena::WorkGroup', 1);
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: defaultConfig.project,
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        RequesterPaysEnabled: false,
        BytesScannedCutoffPerQuery: 10_240 * 1024 * 1024,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: ids.results }, '/']] },
          ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: arnOf(ids.key) },
        },
      },
    });
    expect(defaultConfig.athena).toEqual({
      bytesScannedCutoffMiB: 10_240,
      resultRetentionDays: 30,
    });
  });

  it('takes a non-default scan cutoff and result retention from config', () => {
    variant.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 100 * 1024 * 1024 }),
    });
    variant.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 7 })]),
      },
    });
  });

  it('keeps results in their own bucket: lake key, TLS only, no public access, logged, expiring', () => {
    const results = template.findResources('AWS::S3::Bucket')[ids.results]!;
    expect(results.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: arnOf(ids.key),
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: id(stack, stack.storage.accessLogBucket) },
        LogFilePrefix: 'athena-results/',
      },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({
            ExpirationInDays: defaultConfig.athena.resultRetentionDays,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ],
      },
    });
    expect(results.Properties.VersioningConfiguration).toBeUndefined();
    // Log delivery into the access log bucket by bucket policy (no ACL), scoped to this source.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id(stack, stack.storage.accessLogBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': arnOf(ids.results) } }),
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids.results },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('retains catalog, workgroup and results by default; removes them when retainData is false', () => {
    for (const type of ['AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup']) {
      for (const r of Object.values(template.findResources(type)))
        expect(r.DeletionPolicy).toBe('Retain');
      for (const r of Object.values(variant.findResources(type)))
        expect(r.DeletionPolicy).toBe('Delete');
    }
    expect(template.findResources('AWS::S3::Bucket')[ids.results]!.DeletionPolicy).toBe('Retain');
    template.hasResourceProperties('AWS::Athena::WorkGroup', { RecursiveDeleteOption: false });
    variant.hasResourceProperties('AWS::Athena::WorkGroup', { RecursiveDeleteOption: true });
    // Lake, access logs and results buckets all empty themselves on destroy.
    variant.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
  });
});

describe('grantQuery', () => {
  const statements = statementsOfRole(template, ids.runner);
  const withPrefix = (prefix: string) =>
    statements.filter((s) => list(s.Action).some((a) => a.startsWith(prefix)));
  const workGroupArn = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':athena:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:workgroup/${defaultConfig.project}`,
      ],
    ],
  };

  it('runs queries in this workgroup only', () => {
    const athena = withPrefix('athena:');
    expect(new Set(athena.flatMap((s) => list(s.Action)))).toEqual(
      new Set([
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
      ]),
    );
    for (const s of athena) expect(list(s.Resource)).toEqual([workGroupArn]);
  });

  it('reads and writes tables of this database only (no wildcard actions, no Resource "*")', () => {
    const glue = withPrefix('glue:');
    expect(glue.length).toBeGreaterThan(0);
    const allowed = [
      glueArn('catalog'),
      glueArn(`database/${catalog.databaseName}`),
      glueArn(`table/${catalog.databaseName}/*`),
    ].map((r) => JSON.stringify(r));
    const actions = glue.flatMap((s) => list(s.Action));
    for (const a of actions) expect(a).not.toMatch(/\*/);
    expect(actions).toEqual(
      expect.arrayContaining([
        'glue:GetTable',
        'glue:GetPartitions',
        'glue:CreateTable',
        'glue:UpdateTable',
        'glue:DeleteTable',
        'glue:BatchCreatePartition',
        'glue:BatchUpdatePartition',
        'glue:BatchDeletePartition',
      ]),
    );
    for (const s of glue) {
      for (const r of list(s.Resource)) expect(allowed).toContain(JSON.stringify(r));
    }
  });

  it('reads the lake, writes only silver/, gold/, rfm/, dq/ and the results bucket', () => {
    for (const s of statements) {
      expect(list(s.Resource)).not.toContain('*');
      for (const a of list(s.Action)) expect(a).not.toMatch(/^[a-z0-9]+:\*$/);
    }
    const writes = statements.filter((s) =>
      list(s.Action).some((a) => /^s3:(Put|Delete|AbortMultipartUpload)/.test(a)),
    );
    const written = writes.flatMap((s) => list(s.Resource)).map((r) => JSON.stringify(r));
    expect(written.sort()).toEqual(
      [
        objectsOf(ids.lake, '/silver/*'),
        objectsOf(ids.lake, '/gold/*'),
        objectsOf(ids.lake, '/rfm/*'),
        objectsOf(ids.lake, '/dq/*'),
        objectsOf(ids.results, '/*'),
      ]
        .map((r) => JSON.stringify(r))
        .sort(),
    );
    const reads = statements.filter((s) => list(s.Action).includes('s3:GetObject'));
    expect(reads.flatMap((s) => list(s.Resource))).toEqual(
      expect.arrayContaining([objectsOf(ids.lake, '/*'), objectsOf(ids.results, '/*')]),
    );
  });

  it('uses the lake key through S3 only', () => {
    const kms = withPrefix('kms:');
    expect(kms).toHaveLength(1);
    expect(list(kms[0]!.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(list(kms[0]!.Resource)).toEqual([arnOf(ids.key)]);
    expect(kms[0]!.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
  });
});

describe('cdk-nag AwsSolutions with the catalog', () => {
  const AWS_SOLUTIONS = Match.stringLikeRegexp('AwsSolutions-.*');
  const findings = (s: LakehouseStack) => {
    const a = Annotations.fromStack(s);
    return [...a.findError('*', AWS_SOLUTIONS), ...a.findWarning('*', AWS_SOLUTIONS)].map(
      (f) => `${f.id}: ${String(f.entry.data)}`,
    );
  };

  it('reports nothing unsuppressed, with a query runner granted (default config)', () => {
    expect(findings(stack)).toEqual([]);
  });

  it('reports nothing unsuppressed when retainData is false', () => {
    expect(findings(variantStack)).toEqual([]);
  });

  it('suppresses on the runner exactly the wildcards grantQuery needs, each with a reason', () => {
    const role = template.findResources('AWS::IAM::Role')[ids.runner] as {
      Metadata: {
        cdk_nag: { rules_to_suppress: { id: string; reason: string; applies_to: string[] }[] };
      };
    };
    const rules = role.Metadata.cdk_nag.rules_to_suppress;
    for (const r of rules) {
      expect(r.id).toBe('AwsSolutions-IAM5');
      expect(r.reason.length).toBeGreaterThanOrEqual(40);
    }
    expect(rules.flatMap((r) => r.applies_to).sort()).toEqual(
      [
        `Resource::<${ids.lake}.Arn>/*`,
        `Resource::<${ids.results}.Arn>/*`,
        `Resource::<${ids.lake}.Arn>/silver/*`,
        `Resource::<${ids.lake}.Arn>/gold/*`,
        `Resource::<${ids.lake}.Arn>/rfm/*`,
        `Resource::<${ids.lake}.Arn>/dq/*`,
        `Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${catalog.databaseName}/*`,
      ].sort(),
    );
  });
});

describe('stack outputs', () => {
  it('publishes the database, workgroup and results bucket names', () => {
    template.hasOutput(STACK_OUTPUTS.glueDatabaseName, { Value: 'ecommerce_lakehouse' });
    template.hasOutput(STACK_OUTPUTS.athenaWorkGroupName, { Value: { Ref: ids.workGroup } });
    template.hasOutput(STACK_OUTPUTS.athenaResultsBucketName, { Value: { Ref: ids.results } });
  });
});

describe('LocalStack variant', () => {
  it('creates no Glue or Athena resources and no catalog outputs', () => {
    expect(localStack.catalog).toBeUndefined();
    const types = Object.values(local.toJSON().Resources as Record<string, { Type: string }>).map(
      (r) => r.Type,
    );
    expect(types.filter((t) => /^AWS::(Glue|Athena)::/.test(t))).toEqual([]);
    expect(types).toContain('AWS::KinesisFirehose::DeliveryStream');
    const outputs = Object.keys(local.findOutputs('*'));
    expect(outputs).toContain(STACK_OUTPUTS.lakeBucketName);
    for (const o of [
      STACK_OUTPUTS.glueDatabaseName,
      STACK_OUTPUTS.athenaWorkGroupName,
      STACK_OUTPUTS.athenaResultsBucketName,
    ]) {
      expect(outputs).not.toContain(o);
    }
  });
});

describe('athena config', () => {
  it('rejects a cutoff below the Athena minimum, a zero retention and unknown keys', () => {
    expect(() => parseConfig({ athena: { bytesScannedCutoffMiB: 9 } })).toThrow(ConfigError);
    expect(() => parseConfig({ athena: { resultRetentionDays: 0 } })).toThrow(
      /athena\.resultRetentionDays/,
    );
    expect(() => parseConfig({ athena: { workgroup: 'x' } })).toThrow(ConfigError);
    expect(parseConfig({ athena: { resultRetentionDays: 3 } }).athena).toEqual({
      bytesScannedCutoffMiB: 10_240,
      resultRetentionDays: 3,
    });
  });
});

describe('saved queries', () => {
  it('deploys every athena/queries/*.sql file as a named query in the workgroup and database', () => {
    const saved = listSavedQueries();
    expect(saved.map((q) => q.name)).toEqual(
      expect.arrayContaining(['bronze_scan', 'silver_quarantine_reasons', 'silver_reconciliation']),
    );
    const named = template.findResources('AWS::Athena::NamedQuery');
    expect(Object.keys(named)).toHaveLength(saved.length);
    for (const q of saved) {
      template.hasResourceProperties('AWS::Athena::NamedQuery', {
        Name: q.name,
        Database: databaseName(defaultConfig),
        WorkGroup: { Ref: ids.workGroup },
        QueryString: readFileSync(join(SAVED_QUERIES_DIR, `${q.name}.sql`), 'utf8')
          .trim()
          .replace(/;\s*$/, ''),
        Description: Match.stringLikeRegexp('\\S'),
      });
    }
  });

  it('is not deployed for LocalStack (no Athena there)', () => {
    expect(Object.keys(local.findResources('AWS::Athena::NamedQuery'))).toHaveLength(0);
  });
});
