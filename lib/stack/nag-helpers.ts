/**
 * Helpers that keep cdk-nag suppressions narrow: an IAM5 suppression names the exact wildcard
 * resource it accepts, in the form cdk-nag reports it (`Resource::<LogicalId.Arn>/prefix/*`).
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** The IAM5 finding for "objects of `bucket` under `prefix`" (`prefix` ends with `/`). */
export function bucketObjectsFinding(bucket: s3.IBucket, prefix: string): string {
  const cfn = bucket.node.defaultChild as CfnElement | undefined;
  if (!cfn) throw new Error(`bucket ${bucket.node.path} has no CloudFormation resource`);
  return `Resource::<${Stack.of(bucket).getLogicalId(cfn)}.Arn>/${prefix}*`;
}
