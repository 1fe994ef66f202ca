/**
 * The lake: one customer-managed KMS key and one versioned, SSE-KMS bucket that holds every layer
 * (bronze, silver, gold, rfm, dq) under the keys of lib/lake-layout.ts, plus a separate bucket
 * for the lake bucket's S3 server access logs.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { ConfigError, type LakehouseConfig } from '../config.ts';
import { BRONZE_ERRORS_PREFIX, BRONZE_REFERENCE_PREFIX } from '../lake-layout.ts';

export interface LakeStorageProps {
  readonly config: LakehouseConfig;
}

/** S3 refuses a transition to STANDARD_IA earlier than 30 days after creation. */
const MIN_IA_TRANSITION_DAYS = 30;

export class LakeStorage extends Construct {
  /** Encrypts the lake bucket, the event stream, the log groups and the alerts topic. */
  readonly key: kms.Key;
  /** The lake bucket (all layers). */
  readonly bucket: s3.Bucket;
  /** Receives the lake bucket's S3 server access logs (S3-managed encryption: see below). */
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LakeStorageProps) {
    super(scope, id);
    const { config } = props;
    const lake = config.lake;
    if (
      lake.infrequentAccessAfterDays > 0 &&
      lake.infrequentAccessAfterDays < MIN_IA_TRANSITION_DAYS
    ) {
      throw new ConfigError(
        `invalid configuration: lake.infrequentAccessAfterDays must be 0 (never) or at least ${MIN_IA_TRANSITION_DAYS} (S3 Standard-IA minimum), got ${lake.infrequentAccessAfterDays}`,
      );
    }

    // Grant log delivery with a bucket policy, not the legacy LogDeliveryWrite ACL, whatever the
    // app's feature flags say (context must be set before any child construct exists).
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    // Data is kept on `cdk destroy` unless the config says otherwise (DESIGN.md: nothing is lost).
    const dataRemoval = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const autoDeleteObjects = !config.retainData;

    this.key = new kms.Key(this, 'Key', {
      description: `${config.project}: lake bucket, event stream, logs and alerts`,
      enableKeyRotation: true,
      removalPolicy: dataRemoval,
      pendingWindow: Duration.days(7),
    });
    // An alias is only a name: always removed with the stack so a redeploy can recreate it.
    this.key.addAlias(`alias/${config.project}-lake`).applyRemovalPolicy(RemovalPolicy.DESTROY);

    // CloudWatch Logs encrypts this stack's log groups with the key (scoped to this account's
    // log groups in this region through the encryption context).
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisAccountLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: [
          'kms:Encrypt*',
          'kms:Decrypt*',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:Describe*',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    // S3 server access logs cannot be delivered to an SSE-KMS bucket, hence S3-managed keys.
    // It has no access logging of its own (that would loop); cdk-nag recognises a log target
    // bucket and does not report AwsSolutions-S1 for it, so no suppression is needed.
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: dataRemoval,
      autoDeleteObjects,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(lake.accessLogRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });

    const lifecycleRules: s3.LifecycleRule[] = [
      {
        id: 'housekeeping',
        abortIncompleteMultipartUploadAfter: Duration.days(7),
        noncurrentVersionExpiration: Duration.days(30),
      },
      { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
    ];
    if (lake.infrequentAccessAfterDays > 0) {
      lifecycleRules.push({
        id: 'transition-to-standard-ia',
        transitions: [
          {
            storageClass: s3.StorageClass.INFREQUENT_ACCESS,
            transitionAfter: Duration.days(lake.infrequentAccessAfterDays),
          },
        ],
      });
    }
    if (lake.errorRetentionDays > 0) {
      lifecycleRules.push({
        id: 'expire-bronze-errors',
        prefix: BRONZE_ERRORS_PREFIX,
        expiration: Duration.days(lake.errorRetentionDays),
      });
    }

    this.bucket = new s3.Bucket(this, 'LakeBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      // One data key per bucket instead of one KMS call per object: cheaper, same protection.
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules,
      removalPolicy: dataRemoval,
      autoDeleteObjects,
    });
  }

  /** ARN pattern of the objects under a key prefix of the lake bucket (`bronze/` → `…/bronze/*`). */
  objectsArn(prefix: string): string {
    return this.bucket.arnForObjects(`${prefix}*`);
  }

  /**
   * Lets `grantee` put (only) reference snapshots under `bronze/reference/`, with the key use
   * that SSE-KMS needs; no read, no list, no delete.
   */
  grantPutReference(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PutReferenceSnapshots',
        actions: ['s3:PutObject'],
        resources: [this.objectsArn(BRONZE_REFERENCE_PREFIX)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptReferenceSnapshots',
        // Decrypt is needed by multipart uploads of large snapshots (S3 reads the parts back).
        actions: ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    );
  }
}
