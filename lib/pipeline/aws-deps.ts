/**
 * The pipeline handlers' dependencies in the account, from the Lambda environment the stack sets
 * (`lib/stack/lakehouse-pipeline.ts`): the lake bucket through S3, publishing through Glue and
 * Athena, the models from the SQL files bundled beside the function.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import type { Check, CheckOverride } from '../dq/check-spec.ts';
import { resolveChecks } from '../dq/checks.ts';
import { AthenaEngine } from '../engine/athena.ts';
import { loadModels, MODELS_DIR, type Model } from '../engine/model.ts';
import { S3Lake } from '../lake/s3-lake.ts';
import { createPipelineHandlers, type PipelineDeps, type PipelineHandlers } from './handlers.ts';

/** Names of the pipeline functions; the local runner maps tasks to handlers by this. */
export const PIPELINE_FUNCTIONS = [
  'planner',
  'renderer',
  'auditor',
  'publisher',
  'recorder',
] as const;
export type PipelineFunction = (typeof PIPELINE_FUNCTIONS)[number];
/** Environment variable naming which handler a function runs. */
export const FUNCTION_ENV = 'LAKEHOUSE_FUNCTION';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name] === undefined ? fallback : Number(env[name]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0`);
  return v;
}

export function pipelineDepsFromEnv(env: NodeJS.ProcessEnv): PipelineDeps {
  const bucket = required(env, 'LAKE_BUCKET');
  const database = required(env, 'GLUE_DATABASE');
  const engine = new AthenaEngine({
    athena: new AthenaClient({}),
    glue: new GlueClient({}),
    database,
    workGroup: required(env, 'ATHENA_WORKGROUP'),
    lakeBucket: bucket,
  });
  let models: Model[] | undefined;
  let checks: Check[] | undefined;
  return {
    lake: new S3Lake(new S3Client({}), bucket),
    engine,
    models: () => (models ??= loadModels(env.LAKEHOUSE_MODELS_DIR ?? MODELS_DIR)),
    checks: () => (checks ??= resolveChecks(checkOverrides(env))),
    auditConcurrency: 4,
    ...(env[DQ_METRICS_NAMESPACE_ENV]
      ? { metrics: auditMetrics(env[DQ_METRICS_NAMESPACE_ENV]) }
      : {}),
    database,
    lakeUri: `s3://${bucket}/`,
    overlapSeconds: positive(env, 'PIPELINE_OVERLAP_SECONDS', 900),
    lateArrivalHours: positive(env, 'PIPELINE_LATE_ARRIVAL_HOURS', 72),
    lockTimeoutMinutes: positive(env, 'PIPELINE_TIMEOUT_MINUTES', 120),
  };
}

/** Environment variables of the auditor: the config's check overrides (JSON), the namespace. */
export const DQ_CHECKS_ENV = 'DQ_CHECKS';
export const DQ_METRICS_NAMESPACE_ENV = 'DQ_METRICS_NAMESPACE';
/** The metric the critical-failure alarm watches (dimension `service` only). */
export const CRITICAL_METRIC = 'CriticalChecksFailed';
export const AUDITOR_SERVICE = 'pipeline-auditor';

function checkOverrides(env: NodeJS.ProcessEnv): Record<string, CheckOverride> {
  const text = env[DQ_CHECKS_ENV];
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, CheckOverride>;
  } catch (err) {
    throw new Error(`${DQ_CHECKS_ENV} is not JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * An audit's figures as CloudWatch metrics (embedded metric format, through Powertools): per
 * layer, the results that passed, warned, failed and were skipped; and, for the alarm, the
 * critical failures with no layer dimension.
 */
function auditMetrics(namespace: string): NonNullable<PipelineDeps['metrics']> {
  return (summary) => {
    const metrics = new Metrics({ namespace, serviceName: AUDITOR_SERVICE });
    metrics.addDimension('layer', summary.layer);
    metrics.addMetric('ChecksPassed', MetricUnit.Count, summary.pass);
    metrics.addMetric('ChecksWarned', MetricUnit.Count, summary.warn);
    metrics.addMetric('ChecksFailed', MetricUnit.Count, summary.fail);
    metrics.addMetric('ChecksSkipped', MetricUnit.Count, summary.skip);
    metrics.publishStoredMetrics();
    const total = new Metrics({ namespace, serviceName: AUDITOR_SERVICE });
    total.addMetric(CRITICAL_METRIC, MetricUnit.Count, summary.fail);
    total.publishStoredMetrics();
  };
}

/** A Lambda entry point for one pipeline handler, with Powertools logging around it. */
export function pipelineLambda<K extends PipelineFunction>(name: K): PipelineHandlers[K] {
  const logger = new Logger({ serviceName: `pipeline-${name}` });
  const handlers = createPipelineHandlers(pipelineDepsFromEnv(process.env));
  const fn = handlers[name] as (event: unknown) => Promise<unknown>;
  return (async (event: unknown) => {
    logger.info('start', { event: summarize(event) });
    try {
      const out = await fn(event);
      logger.info('done', { result: summarize(out) });
      return out;
    } catch (err) {
      logger.error('failed', err as Error);
      throw err;
    }
  }) as PipelineHandlers[K];
}

/** Events carry SQL and partition lists: log their shape, not all of it. */
function summarize(value: unknown): unknown {
  const text = JSON.stringify(value) ?? '';
  return text.length <= 2000 ? value : `${text.slice(0, 2000)}… (${text.length} chars)`;
}
