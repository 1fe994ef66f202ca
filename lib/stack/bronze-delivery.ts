/**
 * Firehose from the event stream to bronze: packed NDJSON records are split back into events,
 * partitioned by event time with a JQ query, GZIP-compressed and written under
 * `bronze/events/dt=…/hour=…/`; records it cannot partition go to `bronze/_errors/`.
 *
 * Written with the L1 `CfnDeliveryStream` so that every delivery setting is visible here and in
 * the template (the local delivery stand-in reads these settings back from the synthesized
 * template with `firehoseSettingsFromTemplate`).
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { LakehouseConfig } from '../config.ts';
import {
  FIREHOSE_ERROR_PREFIX,
  FIREHOSE_EVENTS_PREFIX,
  FIREHOSE_EVENTS_PREFIX_ARRIVAL,
  FIREHOSE_PARTITION_QUERY,
} from '../lake-layout.ts';
import type { EventStream } from './event-stream.ts';
import { bucketObjectsFinding } from './nag-helpers.ts';

export interface BronzeDeliveryProps {
  readonly config: LakehouseConfig;
  readonly eventStream: EventStream;
  readonly bucket: s3.IBucket;
  /** Encrypts what Firehose writes to S3 and its log group. */
  readonly encryptionKey: kms.IKey;
}

/** Everything Firehose writes (events and errors) is under this key prefix. */
export const BRONZE_PREFIX = 'bronze/';
/** Record separator inside a packed Kinesis record (the producer packs events as NDJSON). */
export const PACKED_RECORD_DELIMITER = '\n';
/** Firehose log stream for delivery errors (the name the console uses too). */
export const DELIVERY_LOG_STREAM = 'DestinationDelivery';
/** Suffix of every object Firehose writes (explicit, so local and cloud keys match). */
export const BRONZE_FILE_EXTENSION = '.gz';

type Processor = firehose.CfnDeliveryStream.ProcessorProperty;

export class BronzeDelivery extends Construct {
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly deliveryStreamName: string;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BronzeDeliveryProps) {
    super(scope, id);
    const { config, eventStream, bucket, encryptionKey } = props;
    const stack = Stack.of(this);
    this.deliveryStreamName = `${config.project}-bronze-events`;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/kinesisfirehose/${this.deliveryStreamName}`,
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey,
      // Operational logs, not lake data: removed with the stack so a redeploy can reuse the name.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logStream = new logs.LogStream(this, 'DeliveryLogStream', {
      logGroup: this.logGroup,
      logStreamName: DELIVERY_LOG_STREAM,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // One role for both sides (source and destination), least privilege.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': stack.account } },
      }),
      description: `Firehose ${this.deliveryStreamName}: read the event stream, write bronze`,
    });
    eventStream.grantReadForDelivery(this.role);
    // Both Firehose prefixes (events and _errors) live under bronze/.
    const bronzeObjects = bucket.arnForObjects(`${BRONZE_PREFIX}*`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteBronze',
        actions: [
          's3:AbortMultipartUpload',
          's3:GetBucketLocation',
          's3:GetObject',
          's3:ListBucket',
          's3:ListBucketMultipartUploads',
          's3:PutObject',
        ],
        resources: [bucket.bucketArn, bronzeObjects],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptBronze',
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LogDeliveryErrors',
        actions: ['logs:PutLogEvents'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${this.logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Firehose names its objects at delivery time (partition values, timestamp, UUID), so it needs PutObject on the bronze/ prefix as a whole; nothing outside bronze/ is writable.',
          appliesTo: [bucketObjectsFinding(bucket, BRONZE_PREFIX)],
        },
      ],
      true,
    );

    // LocalStack's Firehose implements neither dynamic partitioning nor the de-aggregation and
    // JQ processors: there, each packed record is written as it came (still NDJSON, because the
    // producer packs whole lines), and objects are keyed by arrival time instead of event time.
    // Silver reads either layout, since it takes event time from the event, not from the key.
    const partitioned = !config.localstack;
    const processors: Processor[] = [];
    if (partitioned) {
      processors.push(
        {
          type: 'RecordDeAggregation',
          parameters: [
            { parameterName: 'SubRecordType', parameterValue: 'DELIMITED' },
            {
              parameterName: 'Delimiter',
              // Base64 of the separator, as the API requires ("\n" → "Cg==").
              parameterValue: Buffer.from(PACKED_RECORD_DELIMITER, 'utf8').toString('base64'),
            },
          ],
        },
        {
          type: 'MetadataExtraction',
          parameters: [
            { parameterName: 'MetadataExtractionQuery', parameterValue: FIREHOSE_PARTITION_QUERY },
            { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
          ],
        },
      );
    }
    // De-aggregation strips the separators: put one "\n" back after every event (the parameter
    // value is the escaped form, backslash + n, as in the Firehose API and console).
    processors.push({
      type: 'AppendDelimiterToRecord',
      parameters: [{ parameterName: 'Delimiter', parameterValue: '\\n' }],
    });

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamName: this.deliveryStreamName,
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: {
        kinesisStreamArn: eventStream.stream.streamArn,
        roleArn: this.role.roleArn,
      },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: this.role.roleArn,
        prefix: partitioned ? FIREHOSE_EVENTS_PREFIX : FIREHOSE_EVENTS_PREFIX_ARRIVAL,
        errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
        compressionFormat: 'GZIP',
        fileExtension: BRONZE_FILE_EXTENSION,
        bufferingHints: {
          intervalInSeconds: config.firehose.bufferSeconds,
          sizeInMBs: config.firehose.bufferMiB,
        },
        ...(partitioned
          ? {
              dynamicPartitioningConfiguration: {
                enabled: true,
                retryOptions: { durationInSeconds: 300 },
              },
            }
          : {}),
        processingConfiguration: { enabled: true, processors },
        encryptionConfiguration: {
          kmsEncryptionConfig: { awskmsKeyArn: encryptionKey.keyArn },
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
        s3BackupMode: 'Disabled',
      },
    });
    // Firehose checks its role when the stream is created: the policies must exist by then.
    this.deliveryStream.node.addDependency(this.role);
    NagSuppressions.addResourceSuppressions(this.deliveryStream, [
      {
        id: 'AwsSolutions-KDF1',
        reason:
          'Firehose server-side encryption exists only for Direct PUT sources; this stream reads a Kinesis stream that is itself KMS-encrypted, and its S3 output is SSE-KMS (EncryptionConfiguration).',
      },
    ]);
  }
}
