/**
 * The producer Lambda (generates clickstream events, packs them into Kinesis records, lands the
 * reference snapshots in bronze) and the EventBridge schedule that drives steady traffic.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { LakehouseConfig } from '../config.ts';
import { BRONZE_REFERENCE_PREFIX } from '../lake-layout.ts';
import type { EventStream } from './event-stream.ts';
import type { LakeStorage } from './lake-storage.ts';
import { nodeFunctionDefaults } from './lambda-bundling.ts';
import { bucketObjectsFinding } from './nag-helpers.ts';

export interface ProducerProps {
  readonly config: LakehouseConfig;
  readonly eventStream: EventStream;
  readonly storage: LakeStorage;
  /** Encrypts the function's log group. */
  readonly encryptionKey: kms.IKey;
}

export class Producer extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: ProducerProps) {
    super(scope, id);
    const { config, eventStream, storage, encryptionKey } = props;
    const p = config.producer;
    const functionName = `${config.project}-producer`;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey,
      // Operational logs, not lake data: removed with the stack so a redeploy can reuse the name.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${functionName}: put events on the stream, reference snapshots in bronze`,
    });
    this.logGroup.grantWrite(this.role);
    eventStream.grantPut(this.role);
    storage.grantPutReference(this.role);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Reference snapshot keys carry the snapshot date (bronze/reference/<kind>/snapshot_date=YYYY-MM-DD/...), so PutObject is granted on that prefix only; no read, list or delete anywhere.',
          appliesTo: [bucketObjectsFinding(storage.bucket, BRONZE_REFERENCE_PREFIX)],
        },
      ],
      true,
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      functionName,
      description: 'Generates clickstream events and puts them on the event stream, packed',
      ...nodeFunctionDefaults('producer'),
      memorySize: p.memoryMiB,
      timeout: Duration.seconds(p.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      // A failed run is not replayed: part of its events may already be on the stream, and the
      // next scheduled run produces fresh traffic anyway.
      retryAttempts: 0,
      environment: {
        STREAM_NAME: eventStream.stream.streamName,
        LAKE_BUCKET: storage.bucket.bucketName,
        RECORD_MAX_BYTES: String(p.recordMaxBytes),
        MAX_RETRIES: String(p.maxRetries),
        RETRY_BASE_MS: String(p.retryBaseMs),
        EVENTS_PER_INVOCATION: String(p.eventsPerInvocation),
        GENERATOR_DAYS: '1',
        POWERTOOLS_SERVICE_NAME: 'producer',
        POWERTOOLS_METRICS_NAMESPACE: 'EcommerceLakehouse',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x on purpose: the bundle targets node22 and the handler is tested on Node 22 semantics; moving to a newer runtime is a deliberate, tested upgrade, not an automatic one.',
      },
    ]);

    this.schedule = new events.Rule(this, 'Schedule', {
      ruleName: `${config.project}-producer-schedule`,
      description: `Runs ${functionName} every ${p.scheduleMinutes} min (${p.eventsPerInvocation} events per run)`,
      schedule: events.Schedule.rate(Duration.minutes(p.scheduleMinutes)),
      enabled: p.scheduleEnabled,
      targets: [
        new targets.LambdaFunction(this.function, {
          retryAttempts: 2,
          // A run that could not start within one period is superseded by the next one.
          maxEventAge: Duration.minutes(p.scheduleMinutes),
        }),
      ],
    });
  }
}
