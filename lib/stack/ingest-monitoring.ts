/**
 * Alarms on the ingest path, to an encrypted SNS topic: the stream throttles writes, bronze
 * falls behind, or the producer fails.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { LakehouseConfig } from '../config.ts';

export interface IngestMonitoringProps {
  readonly config: LakehouseConfig;
  readonly stream: kinesis.IStream;
  readonly deliveryStreamName: string;
  readonly producerFunction: lambda.IFunction;
  /** Encrypts the alerts topic. */
  readonly encryptionKey: kms.IKey;
}

const PERIOD = Duration.minutes(5);

/** Freshness alarm threshold: two buffer intervals plus five minutes of slack, in seconds. */
export function freshnessThresholdSeconds(config: Pick<LakehouseConfig, 'firehose'>): number {
  return 2 * config.firehose.bufferSeconds + 300;
}

export class IngestMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly writeThrottledAlarm: cloudwatch.Alarm;
  readonly dataFreshnessAlarm: cloudwatch.Alarm;
  readonly producerErrorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: IngestMonitoringProps) {
    super(scope, id);
    const { config, stream, deliveryStreamName, producerFunction, encryptionKey } = props;
    const project = config.project;

    this.topic = new sns.Topic(this, 'Alerts', {
      topicName: `${project}-alerts`,
      displayName: `${project} ingest alerts`,
      masterKey: encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch alarms publish to the encrypted topic: let them use the key, for this account.
    encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const notify = new actions.SnsAction(this.topic);

    this.writeThrottledAlarm = new cloudwatch.Alarm(this, 'StreamWriteThrottled', {
      alarmName: `${project}-stream-write-throttled`,
      alarmDescription:
        'Kinesis rejected writes for lack of shard capacity: raise kinesis.shardCount or pack events into fewer, larger records.',
      metric: stream.metricWriteProvisionedThroughputExceeded({ statistic: 'Sum', period: PERIOD }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const freshness = freshnessThresholdSeconds(config);
    this.dataFreshnessAlarm = new cloudwatch.Alarm(this, 'BronzeDataFreshness', {
      alarmName: `${project}-bronze-data-freshness`,
      alarmDescription: `The oldest record in Firehose ${deliveryStreamName} is older than ${freshness} s (two buffer intervals + 5 min): delivery to bronze is failing or falling behind; see its log group and bronze/_errors/.`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName: 'DeliveryToS3.DataFreshness',
        dimensionsMap: { DeliveryStreamName: deliveryStreamName },
        statistic: 'Maximum',
        period: PERIOD,
      }),
      threshold: freshness,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.producerErrorsAlarm = new cloudwatch.Alarm(this, 'ProducerErrors', {
      alarmName: `${project}-producer-errors`,
      alarmDescription:
        'The producer Lambda failed (records still rejected after its retries, or a crash): see its log group.',
      metric: producerFunction.metricErrors({ statistic: 'Sum', period: PERIOD }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    for (const alarm of [
      this.writeThrottledAlarm,
      this.dataFreshnessAlarm,
      this.producerErrorsAlarm,
    ]) {
      alarm.addAlarmAction(notify);
    }
  }
}
