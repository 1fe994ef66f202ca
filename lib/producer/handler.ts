/**
 * The producer Lambda's logic, behind the thin entry point in `lambdas/producer`. Locally the
 * same function runs in-process with a kinesalite client and a folder lake.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { GeneratorConfigSchema } from '../config.ts';
import { S3Lake } from '../lake/s3-lake.ts';
import { fnv1a } from './pack.ts';
import {
  Producer,
  ProducerRequestSchema,
  type ProducerRequest,
  type ProducerResult,
} from './producer.ts';

/** The parts of Powertools Logger and Metrics the handler uses (so tests can pass fakes). */
export interface HandlerLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
export interface HandlerMetrics {
  addMetric(name: string, unit: 'Count' | 'Bytes' | 'Seconds', value: number): void;
  publishStoredMetrics(): void;
}

const ScheduledEventSchema = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.string(),
});

export class ProducerRequestError extends Error {
  override readonly name = 'ProducerRequestError';
}

/**
 * Maps an invocation payload to a request. An EventBridge schedule tick generates one batch of
 * `eventsPerInvocation` events over the day before the tick, with a seed derived from the tick
 * time so consecutive ticks never repeat event ids.
 */
export function toRequest(event: unknown, eventsPerInvocation: number): ProducerRequest {
  const tick = ScheduledEventSchema.safeParse(event);
  if (tick.success) {
    const end = new Date(tick.data.time);
    if (Number.isNaN(end.getTime()))
      throw new ProducerRequestError(`bad schedule time ${tick.data.time}`);
    return {
      generate: {
        events: eventsPerInvocation,
        days: 1,
        end: end.toISOString(),
        seed: fnv1a(tick.data.time),
      },
    };
  }
  const req = ProducerRequestSchema.safeParse(event ?? {});
  if (!req.success) {
    const why = req.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new ProducerRequestError(`invalid producer request: ${why}`);
  }
  if (!req.data.generate && !req.data.lines) {
    return { ...req.data, generate: { events: eventsPerInvocation } };
  }
  return req.data;
}

export function createProducerHandler(opts: {
  producer: Producer;
  eventsPerInvocation: number;
  logger: HandlerLogger;
  metrics: HandlerMetrics;
}): (event: unknown) => Promise<ProducerResult> {
  return async (event) => {
    const started = Date.now();
    const request = toRequest(event, opts.eventsPerInvocation);
    try {
      const result = await opts.producer.handle(request);
      opts.metrics.addMetric('EventsEmitted', 'Count', result.emitted);
      opts.metrics.addMetric('RecordsPut', 'Count', result.records);
      opts.metrics.addMetric('BytesPut', 'Bytes', result.bytes);
      opts.metrics.addMetric('RecordsRetried', 'Count', result.retriedRecords);
      opts.metrics.addMetric('Duration', 'Seconds', (Date.now() - started) / 1000);
      opts.logger.info('batch sent', { ...result, generator: result.generator?.mess });
      return result;
    } catch (err) {
      opts.logger.error('batch failed', { error: (err as Error).message });
      throw err;
    } finally {
      opts.metrics.publishStoredMetrics();
    }
  };
}

const EnvSchema = z.object({
  STREAM_NAME: z.string().min(1),
  LAKE_BUCKET: z.string().min(1),
  RECORD_MAX_BYTES: z.coerce.number().int().positive(),
  MAX_RETRIES: z.coerce.number().int().min(0),
  RETRY_BASE_MS: z.coerce.number().int().positive(),
  EVENTS_PER_INVOCATION: z.coerce.number().int().positive(),
  GENERATOR_DAYS: z.coerce.number().int().positive().default(1),
});

/** Builds the producer from the Lambda environment the stack sets. */
export function producerFromEnv(env: NodeJS.ProcessEnv): {
  producer: Producer;
  eventsPerInvocation: number;
} {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `producer environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  const producer = new Producer({
    kinesis: new KinesisClient({}),
    lake: new S3Lake(new S3Client({}), e.LAKE_BUCKET),
    settings: {
      streamName: e.STREAM_NAME,
      recordMaxBytes: e.RECORD_MAX_BYTES,
      maxRetries: e.MAX_RETRIES,
      retryBaseMs: e.RETRY_BASE_MS,
    },
    generator: GeneratorConfigSchema.parse({
      days: e.GENERATOR_DAYS,
      events: e.EVENTS_PER_INVOCATION,
    }),
  });
  return { producer, eventsPerInvocation: e.EVENTS_PER_INVOCATION };
}
