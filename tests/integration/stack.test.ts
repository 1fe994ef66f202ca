/**
 * The synthesized ingest stack: Firehose delivery settings, encryption, public access, the
 * producer function and its schedule, least-privilege IAM, the LocalStack variant, and the
 * settings reader the local delivery stand-in uses.
 *
 * Two synths: the default config (bundles the producer with esbuild, as `cdk synth` does) and
 * one variant that changes every switch at once, built through the same path as bin/app.ts
 * (context → overrides → loadConfig) and synthesized without bundling.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config.ts';
import {
  FIREHOSE_ERROR_PREFIX,
  FIREHOSE_EVENTS_PREFIX,
  FIREHOSE_EVENTS_PREFIX_ARRIVAL,
  FIREHOSE_PARTITION_QUERY,
} from '../../lib/lake-layout.ts';
import { configOverridesFromContext, stackNameFromContext } from '../../lib/stack/app-context.ts';
import { firehoseSettingsFromTemplate } from '../../lib/stack/firehose-settings.ts';
import { freshnessThresholdSeconds } from '../../lib/stack/ingest-monitoring.ts';
import { LakehouseStack, STACK_OUTPUTS } from '../../lib/stack/lakehouse-stack.ts';
import { synthesizeLakehouseTemplate } from '../../lib/stack/synth.ts';
import { list, statementsOfRole, type Statement } from '../helpers/iam.ts';

const actionsOf = (s: Statement) => list(s.Action);
const resourcesOf = (s: Statement) => list<unknown>(s.Resource);

// ---------------------------------------------------------------------------------------------
// Synths (module level: each costs seconds)

const defaultConfig = parseConfig({});
const app = new App();
const stack = new LakehouseStack(app, 'Default', { config: defaultConfig });
const template = Template.fromStack(stack);
const id = (el: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(el.node.defaultChild as CfnElement);
const ids = {
  bucket: id(stack.storage.bucket),
  key: id(stack.storage.key),
  stream: id(stack.events.stream),
  producerRole: id(stack.producer.role),
  firehoseRole: id(stack.bronze.role),
  producerLogs: id(stack.producer.logGroup),
};

// Every switch at once, through the bin/app.ts path (CDK context → overrides → loadConfig).
const noConfigFile = mkdtempSync(join(tmpdir(), 'lakehouse-no-config-'));
const variantContext: Record<string, unknown> = {
  localstack: 'true',
  config: JSON.stringify({
    retainData: false,
    kinesis: { shardCount: 4 },
    producer: { scheduleEnabled: true, scheduleMinutes: 1 },
  }),
};
const variantConfig = loadConfig(
  configOverridesFromContext((k) => variantContext[k]),
  {
    cwd: noConfigFile,
    env: {},
  },
);
const variantJson = synthesizeLakehouseTemplate(variantConfig);
const variant = Template.fromJSON(variantJson);

// ---------------------------------------------------------------------------------------------
// IAM helper: every statement that applies to a role (inline + attached policies)

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const objectsOf = (bucketId: string, suffix: string) => ({
  'Fn::Join': ['', [arnOf(bucketId), suffix]],
});

// ---------------------------------------------------------------------------------------------

describe('Firehose delivery to bronze (default config)', () => {
  const delivery = () =>
    Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0] as {
      Properties: { ExtendedS3DestinationConfiguration: Record<string, unknown> };
    };

  it('reads the event stream with its own role and writes to the lake bucket', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'ecommerce-lakehouse-bronze-events',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: {
        KinesisStreamARN: arnOf(ids.stream),
        RoleARN: arnOf(ids.firehoseRole),
      },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: arnOf(ids.bucket),
        RoleARN: arnOf(ids.firehoseRole),
      }),
    });
  });

  it('partitions by event time with the JQ query of lake-layout, after de-aggregating NDJSON', () => {
    const dest = delivery().Properties.ExtendedS3DestinationConfiguration;
    expect(dest.DynamicPartitioningConfiguration).toEqual({
      Enabled: true,
      RetryOptions: { DurationInSeconds: 300 },
    });
    expect(dest.Prefix).toBe(FIREHOSE_EVENTS_PREFIX);
    expect(dest.ErrorOutputPrefix).toBe(FIREHOSE_ERROR_PREFIX);
    expect(dest.ProcessingConfiguration).toEqual({
      Enabled: true,
      Processors: [
        {
          Type: 'RecordDeAggregation',
          Parameters: [
            { ParameterName: 'SubRecordType', ParameterValue: 'DELIMITED' },
            { ParameterName: 'Delimiter', ParameterValue: 'Cg==' },
          ],
        },
        {
          Type: 'MetadataExtraction',
          Parameters: [
            { ParameterName: 'MetadataExtractionQuery', ParameterValue: FIREHOSE_PARTITION_QUERY },
            { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
          ],
        },
        {
          Type: 'AppendDelimiterToRecord',
          Parameters: [{ ParameterName: 'Delimiter', ParameterValue: '\\n' }],
        },
      ],
    });
  });

  it('compresses with GZIP, buffers as configured, encrypts with the lake key and logs errors', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        CompressionFormat: 'GZIP',
        FileExtension: '.gz',
        BufferingHints: {
          IntervalInSeconds: defaultConfig.firehose.bufferSeconds,
          SizeInMBs: defaultConfig.firehose.bufferMiB,
        },
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: arnOf(ids.key) } },
        CloudWatchLoggingOptions: {
          Enabled: true,
          LogGroupName: { Ref: Match.anyValue() },
          LogStreamName: { Ref: Match.anyValue() },
        },
      }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/kinesisfirehose/ecommerce-lakehouse-bronze-events',
      RetentionInDays: Match.anyValue(),
      KmsKeyId: arnOf(ids.key),
    });
  });

  it('is created after its role policy exists', () => {
    const deps = list(
      (
        Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'))[0] as {
          DependsOn?: string[];
        }
      ).DependsOn,
    );
    const policyId = Object.keys(template.findResources('AWS::IAM::Policy')).find((k) =>
      k.startsWith('BronzeRoleDefaultPolicy'),
    );
    expect(policyId).toBeDefined();
    expect(deps).toContain(policyId);
  });
});

describe('event stream', () => {
  it('is provisioned, KMS-encrypted with the lake key, sized from config', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: 'ecommerce-lakehouse-events',
      ShardCount: defaultConfig.kinesis.shardCount,
      RetentionPeriodHours: defaultConfig.kinesis.retentionHours,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: arnOf(ids.key) },
    });
  });

  it('takes a non-default shard count from a config override', () => {
    expect(variantConfig.kinesis.shardCount).toBe(4);
    variant.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 4,
      StreamEncryption: Match.objectLike({ EncryptionType: 'KMS' }),
    });
  });
});

describe('lake storage', () => {
  it('uses a rotating KMS key', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts the lake bucket with the key (bucket key on), versions it, blocks public access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
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
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.anyValue() },
        LogFilePrefix: 'lake/',
      },
    });
    // Every bucket of the stack (lake + access logs, and any added later).
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(buckets.length).toBeGreaterThanOrEqual(2);
    for (const b of buckets) {
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  it('denies every request without TLS, on both buckets', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies.length).toBe(Object.keys(template.findResources('AWS::S3::Bucket')).length);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
    template.hasResourceProperties('AWS::S3::BucketPolicy', { Bucket: { Ref: ids.bucket } });
  });

  it('has the lifecycle of the config: IA transition, error expiry, multipart and versions cleanup', () => {
    const lake = template.findResources('AWS::S3::Bucket')[ids.bucket] as {
      Properties: { LifecycleConfiguration: { Rules: Record<string, unknown>[] } };
    };
    const rules = lake.Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        }),
        expect.objectContaining({
          Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }],
        }),
        expect.objectContaining({ Prefix: 'bronze/_errors/', ExpirationInDays: 365 }),
      ]),
    );
  });

  it('retains data by default; destroys it (auto-deleting objects) when retainData is false', () => {
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    for (const b of Object.values(variant.findResources('AWS::S3::Bucket'))) {
      expect(b.DeletionPolicy).toBe('Delete');
    }
    variant.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  it('rejects an IA transition earlier than S3 allows, with a config error', () => {
    const bad = parseConfig({ lake: { infrequentAccessAfterDays: 10 } });
    expect(() => new LakehouseStack(new App(), 'Bad', { config: bad })).toThrow(ConfigError);
  });
});

describe('producer function', () => {
  const fn = () =>
    template.findResources('AWS::Lambda::Function')[id(stack.producer.function)] as {
      Properties: Record<string, unknown> & { Environment: { Variables: Record<string, unknown> } };
    };

  it('runs on arm64 / nodejs22.x with memory and timeout from config', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'ecommerce-lakehouse-producer',
      Architectures: ['arm64'],
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      MemorySize: defaultConfig.producer.memoryMiB,
      Timeout: defaultConfig.producer.timeoutSeconds,
      LoggingConfig: { LogGroup: { Ref: ids.producerLogs } },
    });
  });

  it('gets exactly the documented environment', () => {
    const env = fn().Properties.Environment.Variables;
    const p = defaultConfig.producer;
    expect(env).toEqual({
      STREAM_NAME: { Ref: ids.stream },
      LAKE_BUCKET: { Ref: ids.bucket },
      RECORD_MAX_BYTES: String(p.recordMaxBytes),
      MAX_RETRIES: String(p.maxRetries),
      RETRY_BASE_MS: String(p.retryBaseMs),
      EVENTS_PER_INVOCATION: String(p.eventsPerInvocation),
      GENERATOR_DAYS: '1',
      POWERTOOLS_SERVICE_NAME: 'producer',
      POWERTOOLS_METRICS_NAMESPACE: 'EcommerceLakehouse',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it('writes to an encrypted log group with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/ecommerce-lakehouse-producer',
      RetentionInDays: Match.anyValue(),
      KmsKeyId: arnOf(ids.key),
    });
  });

  it('has a schedule that is disabled by default and enabled by producer.scheduleEnabled', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: `rate(${defaultConfig.producer.scheduleMinutes} minutes)`,
      State: 'DISABLED',
      Targets: [Match.objectLike({ Arn: arnOf(id(stack.producer.function)) })],
    });
    variant.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
    });
  });
});

describe('least-privilege IAM', () => {
  it('producer: no s3:* or wildcard actions, no Resource "*" on kinesis/s3/kms statements', () => {
    const statements = statementsOfRole(template, ids.producerRole);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      for (const a of actionsOf(s)) {
        expect(a).not.toBe('*');
        expect(a).not.toMatch(/^(s3|kinesis|kms):\*$/);
      }
      if (actionsOf(s).some((a) => /^(s3|kinesis|kms):/.test(a))) {
        expect(resourcesOf(s)).not.toContain('*');
      }
    }
  });

  it('producer: puts on the stream only, and objects under bronze/reference/ only', () => {
    const statements = statementsOfRole(template, ids.producerRole);
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3).toHaveLength(1);
    expect(actionsOf(s3[0]!)).toEqual(['s3:PutObject']);
    expect(resourcesOf(s3[0]!)).toEqual([objectsOf(ids.bucket, '/bronze/reference/*')]);
    const kinesis = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kinesis:')));
    expect(new Set(kinesis.flatMap(actionsOf))).toEqual(
      new Set([
        'kinesis:PutRecords',
        'kinesis:PutRecord',
        'kinesis:DescribeStreamSummary',
        'kinesis:ListShards',
      ]),
    );
    for (const s of kinesis) expect(resourcesOf(s)).toEqual([arnOf(ids.stream)]);
    const kms = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    for (const s of kms) expect(resourcesOf(s)).toEqual([arnOf(ids.key)]);
    expect(kms.flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['kms:GenerateDataKey', 'kms:Encrypt']),
    );
  });

  it('firehose: S3 on the lake bucket and bronze/* only, kinesis on the stream, kms on the key', () => {
    const statements = statementsOfRole(template, ids.firehoseRole);
    const allowedS3 = [
      JSON.stringify(arnOf(ids.bucket)),
      JSON.stringify(objectsOf(ids.bucket, '/bronze/*')),
    ];
    let s3Count = 0;
    for (const s of statements) {
      const actions = actionsOf(s);
      expect(actions).not.toContain('*');
      expect(resourcesOf(s)).not.toContain('*');
      if (actions.some((a) => a.startsWith('s3:'))) {
        s3Count++;
        expect(actions).not.toContain('s3:*');
        for (const r of resourcesOf(s)) expect(allowedS3).toContain(JSON.stringify(r));
      }
      if (actions.some((a) => a.startsWith('kinesis:'))) {
        expect(resourcesOf(s)).toEqual([arnOf(ids.stream)]);
        for (const a of actions) expect(a).toMatch(/^kinesis:(Describe|Get|List)/);
      }
      if (actions.some((a) => a.startsWith('kms:'))) {
        expect(resourcesOf(s)).toEqual([arnOf(ids.key)]);
      }
      if (actions.some((a) => a.startsWith('logs:'))) {
        expect(actions).toEqual(['logs:PutLogEvents']);
      }
    }
    expect(s3Count).toBe(1);
  });

  it('no IAM role in the stack uses AWS managed policies', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('ingest monitoring', () => {
  it('sends three alarms to a KMS-encrypted, TLS-only topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(ids.key) });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const a of alarms)
      expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.any(String) }]);
  });

  it('alarms on write throttling, data freshness (2 × buffer + 300 s) and producer errors', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Kinesis',
      MetricName: 'WriteProvisionedThroughputExceeded',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(freshnessThresholdSeconds(defaultConfig)).toBe(2 * 60 + 300);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: 'ecommerce-lakehouse-bronze-events' }],
      Threshold: 420,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});

describe('stack outputs', () => {
  it('publishes the names the CLI and README use', () => {
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(Object.values(STACK_OUTPUTS)),
    );
    template.hasOutput(STACK_OUTPUTS.lakeBucketName, { Value: { Ref: ids.bucket } });
    template.hasOutput(STACK_OUTPUTS.streamName, { Value: { Ref: ids.stream } });
  });
});

describe('LocalStack variant (-c localstack=true)', () => {
  it('drops dynamic partitioning and its processors, keys by arrival time, keeps the error prefix', () => {
    variant.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        DynamicPartitioningConfiguration: Match.absent(),
        Prefix: FIREHOSE_EVENTS_PREFIX_ARRIVAL,
        ErrorOutputPrefix: FIREHOSE_ERROR_PREFIX,
        CompressionFormat: 'GZIP',
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'AppendDelimiterToRecord',
              Parameters: [{ ParameterName: 'Delimiter', ParameterValue: '\\n' }],
            },
          ],
        },
      }),
    });
  });
});

describe('firehoseSettingsFromTemplate', () => {
  it('reads the default delivery settings', () => {
    expect(firehoseSettingsFromTemplate(template.toJSON())).toEqual({
      deliveryStreamName: 'ecommerce-lakehouse-bronze-events',
      prefix: FIREHOSE_EVENTS_PREFIX,
      errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
      compression: 'GZIP',
      bufferSeconds: defaultConfig.firehose.bufferSeconds,
      bufferMiB: defaultConfig.firehose.bufferMiB,
      dynamicPartitioning: true,
      deaggregation: { type: 'DELIMITED', delimiter: '\n' },
      metadataQuery: FIREHOSE_PARTITION_QUERY,
      appendDelimiter: '\n',
      fileExtension: '.gz',
    });
  });

  it('reads the LocalStack delivery settings', () => {
    expect(firehoseSettingsFromTemplate(variantJson)).toEqual({
      deliveryStreamName: 'ecommerce-lakehouse-bronze-events',
      prefix: FIREHOSE_EVENTS_PREFIX_ARRIVAL,
      errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
      compression: 'GZIP',
      bufferSeconds: variantConfig.firehose.bufferSeconds,
      bufferMiB: variantConfig.firehose.bufferMiB,
      dynamicPartitioning: false,
      deaggregation: null,
      metadataQuery: null,
      appendDelimiter: '\n',
      fileExtension: '.gz',
    });
  });

  it('throws a clear error unless there is exactly one delivery stream', () => {
    expect(() => firehoseSettingsFromTemplate({ Resources: {} })).toThrow(
      /exactly one AWS::KinesisFirehose::DeliveryStream.*found 0/,
    );
    const json = template.toJSON() as { Resources: Record<string, { Type: string }> };
    const [streamId, resource] = Object.entries(json.Resources).find(
      ([, r]) => r.Type === 'AWS::KinesisFirehose::DeliveryStream',
    )!;
    const twice = { Resources: { ...json.Resources, [`${streamId}Copy`]: resource } };
    expect(() => firehoseSettingsFromTemplate(twice)).toThrow(/found 2/);
    expect(() => firehoseSettingsFromTemplate({})).toThrow(/no Resources/);
  });

  it('applies Firehose defaults to a minimal delivery stream', () => {
    const minimal = {
      Resources: {
        D: {
          Type: 'AWS::KinesisFirehose::DeliveryStream',
          Properties: {
            DeliveryStreamName: 'd',
            ExtendedS3DestinationConfiguration: { BucketARN: { 'Fn::GetAtt': ['B', 'Arn'] } },
          },
        },
      },
    };
    expect(firehoseSettingsFromTemplate(minimal)).toMatchObject({
      prefix: '',
      compression: 'UNCOMPRESSED',
      bufferSeconds: 300,
      bufferMiB: 5,
      dynamicPartitioning: false,
      deaggregation: null,
      appendDelimiter: null,
      fileExtension: null,
    });
  });
});

describe('CDK context → config (bin/app.ts)', () => {
  it('maps localstack, config JSON and stackName', () => {
    const ctx: Record<string, unknown> = {
      localstack: 'true',
      config: '{"kinesis":{"shardCount":4}}',
      stackName: 'MyLake',
    };
    const get = (k: string) => ctx[k];
    expect(configOverridesFromContext(get)).toEqual({
      kinesis: { shardCount: 4 },
      localstack: true,
    });
    expect(stackNameFromContext(get)).toBe('MyLake');
    expect(stackNameFromContext(() => undefined)).toBe('EcommerceLakehouse');
    expect(configOverridesFromContext(() => undefined)).toEqual({});
    // cdk.json may hold real JSON values rather than strings
    expect(
      configOverridesFromContext((k) => ({ localstack: false, config: { retainData: false } })[k]),
    ).toEqual({
      retainData: false,
      localstack: false,
    });
  });

  it('turns bad context into ConfigErrors', () => {
    expect(() => configOverridesFromContext((k) => (k === 'config' ? '{nope' : undefined))).toThrow(
      ConfigError,
    );
    expect(() => configOverridesFromContext((k) => (k === 'config' ? '[1]' : undefined))).toThrow(
      /expected a JSON object/,
    );
    expect(() =>
      configOverridesFromContext((k) => (k === 'localstack' ? 'yes' : undefined)),
    ).toThrow(/localstack/);
    expect(() => stackNameFromContext(() => 'bad name!')).toThrow(ConfigError);
  });
});
