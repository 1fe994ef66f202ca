/**
 * The clickstream's Kinesis Data Stream: provisioned shards (predictable cost, 1 MiB/s or 1,000
 * records/s in per shard), encrypted with the lake key.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { LakehouseConfig } from '../config.ts';

export interface EventStreamProps {
  readonly config: LakehouseConfig;
  /** The lake key (see the choice of key below). */
  readonly encryptionKey: kms.IKey;
}

export class EventStream extends Construct {
  readonly stream: kinesis.Stream;
  readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: EventStreamProps) {
    super(scope, id);
    const { config } = props;
    this.encryptionKey = props.encryptionKey;

    // Key choice: the lake's customer-managed key rather than `alias/aws/kinesis`. The stream holds
    // the same records as bronze, so one key (one key policy, one CloudTrail trail of use, one
    // switch to revoke) guards both. The cost is small: producers and consumers cache data keys
    // for minutes, so KMS sees a few requests per shard per hour, not one per record.
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: `${config.project}-events`,
      streamMode: kinesis.StreamMode.PROVISIONED,
      shardCount: config.kinesis.shardCount,
      retentionPeriod: Duration.hours(config.kinesis.retentionHours),
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: props.encryptionKey,
      // A transient buffer: Firehose has landed every record in bronze (the durable copy) long
      // before the retention period ends, so the stream never holds data worth retaining.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    NagSuppressions.addResourceSuppressions(this.stream, [
      {
        id: 'AwsSolutions-KDS3',
        reason:
          'Deliberate: the stream carries the same records as the lake, so it uses the lake customer-managed key (one key policy and audit trail); data-key caching keeps the KMS cost to a few requests per shard-hour.',
      },
    ]);
  }

  /** Producer rights: put records and discover shards on this stream only, plus the key use. */
  grantPut(grantee: iam.IGrantable): void {
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PutEvents',
        actions: [
          'kinesis:PutRecords',
          'kinesis:PutRecord',
          'kinesis:DescribeStreamSummary',
          'kinesis:ListShards',
        ],
        resources: [this.stream.streamArn],
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptEvents',
        actions: ['kms:GenerateDataKey', 'kms:Encrypt'],
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': this.viaService() } },
      }),
    );
  }

  /** Consumer rights (Firehose source): read this stream only, plus the key use. */
  grantReadForDelivery(grantee: iam.IGrantable): void {
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadEvents',
        actions: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetShardIterator',
          'kinesis:GetRecords',
          'kinesis:ListShards',
        ],
        resources: [this.stream.streamArn],
      }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptEvents',
        actions: ['kms:Decrypt'],
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': this.viaService() } },
      }),
    );
  }

  private viaService(): string {
    return `kinesis.${Stack.of(this).region}.amazonaws.com`;
  }
}
