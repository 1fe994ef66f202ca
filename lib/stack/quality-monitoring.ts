/**
 * Data-quality alarm: the pipeline's auditor publishes a metric per check status (embedded
 * metric format, `lib/pipeline/aws-deps.ts`); a critical check that fails alarms to the alerts
 * topic, besides failing the run (whose own notification names the checks).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { LakehouseConfig } from '../config.ts';
import { AUDITOR_SERVICE, CRITICAL_METRIC } from '../pipeline/aws-deps.ts';

export interface QualityMonitoringProps {
  readonly config: LakehouseConfig;
  /** The encrypted alerts topic. */
  readonly topic: sns.ITopic;
}

export class QualityMonitoring extends Construct {
  /** Sum of the auditor's critical failures over 5 minutes. */
  readonly criticalChecks: cloudwatch.Metric;
  readonly criticalChecksAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QualityMonitoringProps) {
    super(scope, id);
    const { config, topic } = props;
    this.criticalChecks = new cloudwatch.Metric({
      namespace: config.dq.metricsNamespace,
      metricName: CRITICAL_METRIC,
      dimensionsMap: { service: AUDITOR_SERVICE },
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    this.criticalChecksAlarm = new cloudwatch.Alarm(this, 'CriticalChecksFailed', {
      alarmName: `${config.project}-critical-checks-failed`,
      alarmDescription:
        'A critical data-quality check failed: the pipeline run stopped at its gate and published nothing. `lakehouse dq --run <run id>` (or dq_results in Athena) names the checks.',
      metric: this.criticalChecks,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.criticalChecksAlarm.addAlarmAction(new actions.SnsAction(topic));
  }
}
