/**
 * Typed configuration shared by the CDK app, the Lambda handlers and the `lakehouse` CLI.
 *
 * Sources, later wins: built-in defaults → `lakehouse.config.json` in the working directory (or
 * the file named by `LAKEHOUSE_CONFIG`) → overrides passed in code (CDK context, CLI flags).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { CHECK_IDS } from './dq/checks.ts';

export const MessRatesSchema = z
  .object({
    /** Same line delivered twice (producer retry, client resend). */
    duplicate: z.number().min(0).max(1).default(0.01),
    /** Line that is not valid JSON (truncated). */
    malformed_json: z.number().min(0).max(1).default(0.002),
    /** A required field removed. */
    missing_field: z.number().min(0).max(1).default(0.003),
    /** A field of the wrong JSON type (price as a string with currency, quantity as text). */
    wrong_type: z.number().min(0).max(1).default(0.003),
    /** Enum values in odd casing and values padded with whitespace (Silver standardizes). */
    bad_casing: z.number().min(0).max(1).default(0.02),
    /** Zero or negative product price. */
    bad_price: z.number().min(0).max(1).default(0.002),
    /** Product id absent from every product snapshot (a Gold concern, not a Silver failure). */
    unknown_product: z.number().min(0).max(1).default(0.002),
    /** Event timestamp more than a day in the future (clock skew). */
    future_timestamp: z.number().min(0).max(1).default(0.001),
    /** Event delivered up to `lateMaxHours` after it happened. */
    late_arrival: z.number().min(0).max(1).default(0.02),
    /** Customer rows with an invalid email in the reference snapshots. */
    invalid_email: z.number().min(0).max(1).default(0.01),
  })
  .strict();
export type MessRates = z.infer<typeof MessRatesSchema>;

export const GeneratorConfigSchema = z
  .object({
    seed: z.number().int().default(42),
    /** Clean events to generate (duplicates and mess come on top of this). */
    events: z.number().int().positive().default(1_000_000),
    /** Length of the simulated period, in days, ending at `end`. */
    days: z.number().int().positive().max(366).default(3),
    /** End of the simulated period (ISO date-time). Default: the start of the current UTC hour. */
    end: z.iso.datetime({ offset: true }).optional(),
    lateMaxHours: z
      .number()
      .positive()
      .max(24 * 30)
      .default(48),
    mess: MessRatesSchema.default(MessRatesSchema.parse({})),
  })
  .strict();
export type GeneratorConfig = z.infer<typeof GeneratorConfigSchema>;

export const LakehouseConfigSchema = z
  .object({
    /** Prefix for physical resource names; also the Glue database name (dashes → underscores). */
    project: z
      .string()
      .regex(/^[a-z][a-z0-9-]{2,30}$/, 'lowercase letters, digits and dashes, 3-31 chars')
      .default('ecommerce-lakehouse'),
    /** Keep the lake bucket and its key when the stack is destroyed (data is never lost by default). */
    retainData: z.boolean().default(true),
    /** Deploy for LocalStack: no Firehose dynamic partitioning there (see README). */
    localstack: z.boolean().default(false),
    lake: z
      .object({
        /** Move objects to S3 Standard-IA after this many days (0 = never). */
        infrequentAccessAfterDays: z.number().int().min(0).default(90),
        /** Delete raw Firehose error objects after this many days (0 = never). */
        errorRetentionDays: z.number().int().min(0).default(365),
        /** Delete S3 server access logs after this many days. */
        accessLogRetentionDays: z.number().int().positive().default(90),
      })
      .strict()
      .default({
        infrequentAccessAfterDays: 90,
        errorRetentionDays: 365,
        accessLogRetentionDays: 90,
      }),
    kinesis: z
      .object({
        shardCount: z.number().int().min(1).max(500).default(2),
        retentionHours: z.number().int().min(24).max(8760).default(24),
      })
      .strict()
      .default({ shardCount: 2, retentionHours: 24 }),
    firehose: z
      .object({
        /** Dynamic partitioning requires at least 60 s. */
        bufferSeconds: z.number().int().min(60).max(900).default(60),
        /** Dynamic partitioning requires at least 64 MiB. */
        bufferMiB: z.number().int().min(64).max(128).default(64),
      })
      .strict()
      .default({ bufferSeconds: 60, bufferMiB: 64 }),
    producer: z
      .object({
        /** Target size of one Kinesis record: events are packed as NDJSON up to this. */
        recordMaxBytes: z
          .number()
          .int()
          .min(1024)
          .max(1024 * 1024)
          .default(25_000),
        /** Retries of records PutRecords reports as failed, before the handler fails. */
        maxRetries: z.number().int().min(0).max(20).default(8),
        /** Base delay of the exponential backoff (full jitter), milliseconds. */
        retryBaseMs: z.number().int().min(1).default(100),
        /** EventBridge schedule that drives steady traffic (disabled by default). */
        scheduleEnabled: z.boolean().default(false),
        scheduleMinutes: z.number().int().min(1).default(5),
        /** Events generated per scheduled invocation. */
        eventsPerInvocation: z.number().int().positive().default(20_000),
        memoryMiB: z.number().int().min(128).max(10_240).default(1024),
        timeoutSeconds: z.number().int().min(10).max(900).default(300),
      })
      .strict()
      .default({
        recordMaxBytes: 25_000,
        maxRetries: 8,
        retryBaseMs: 100,
        scheduleEnabled: false,
        scheduleMinutes: 5,
        eventsPerInvocation: 20_000,
        memoryMiB: 1024,
        timeoutSeconds: 300,
      }),
    athena: z
      .object({
        /** Per-query scan limit of the workgroup, MiB (Athena's minimum is 10 MB). */
        bytesScannedCutoffMiB: z
          .number()
          .int()
          .min(10)
          .max(1024 * 1024 * 1024)
          .default(10_240),
        /** Delete query results after this many days. */
        resultRetentionDays: z.number().int().positive().default(30),
      })
      .strict()
      .default({ bytesScannedCutoffMiB: 10_240, resultRetentionDays: 30 }),
    pipeline: z
      .object({
        /** EventBridge schedule that starts the state machine. */
        scheduleEnabled: z.boolean().default(true),
        scheduleMinutes: z.number().int().min(1).max(1440).default(15),
        /** Models built at once within a wave (Athena queries in flight). */
        maxConcurrency: z.number().int().min(1).max(40).default(4),
        /** Execution timeout; a run lock older than this is taken over by the next run. */
        timeoutMinutes: z
          .number()
          .int()
          .min(5)
          .max(24 * 60)
          .default(120),
        /**
         * An object that becomes visible up to this long after objects newer than it were seen
         * is still picked up by the next run (S3 LastModified is the upload's start time).
         */
        overlapSeconds: z
          .number()
          .int()
          .min(0)
          .max(24 * 3600)
          .default(900),
        /**
         * The planner's listing horizon: a scheduled run lists Bronze objects only in partitions
         * dated on or after (watermark − this − overlapSeconds), so its cost grows with new data,
         * not with history. The generator's late arrivals reach 48 h; 72 leaves slack. An object
         * that arrives later than this after its date is not seen by scheduled runs (it stays in
         * Bronze: `lakehouse run --dates D` or `--full-refresh` builds it).
         */
        lateArrivalHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 90)
          .default(72),
        lambdaMemoryMiB: z.number().int().min(128).max(10_240).default(512),
      })
      .strict()
      .default({
        scheduleEnabled: true,
        scheduleMinutes: 15,
        maxConcurrency: 4,
        timeoutMinutes: 120,
        overlapSeconds: 900,
        lateArrivalHours: 72,
        lambdaMemoryMiB: 512,
      }),
    dq: z
      .object({
        /**
         * Per-check overrides, keyed `<table>.<check>` (see `lakehouse dq --list`): `severity`
         * (warn or critical), `threshold` (passes when observed ≤ threshold), `minRows` (rows a
         * ratio needs before it is judged), `enabled`.
         */
        checks: z
          .record(
            z.string(),
            z
              .object({
                severity: z.enum(['warn', 'critical']).optional(),
                threshold: z.number().min(0).optional(),
                minRows: z.number().int().min(0).optional(),
                enabled: z.boolean().optional(),
              })
              .strict(),
          )
          .default({})
          .superRefine((checks, ctx) => {
            const unknown = Object.keys(checks).filter((k) => !CHECK_IDS.includes(k));
            if (unknown.length > 0) {
              ctx.addIssue({
                code: 'custom',
                message: `no check named ${unknown.join(', ')} (names are <table>.<check>; \`lakehouse dq --list\` lists them)`,
              });
            }
          }),
        /** CloudWatch namespace of the check metrics. */
        metricsNamespace: z
          .string()
          .regex(/^[A-Za-z0-9./#:_-]{1,255}$/)
          .default('Lakehouse/DataQuality'),
      })
      .strict()
      .default({ checks: {}, metricsNamespace: 'Lakehouse/DataQuality' }),
    dashboards: z
      .object({
        /**
         * Deploy an Amazon Managed Grafana workspace whose role may run read-only queries in the
         * workgroup (`-c grafana=true` does the same). Off by default: a workspace bills per
         * active user.
         */
        grafana: z.boolean().default(false),
      })
      .strict()
      .default({ grafana: false }),
    generator: GeneratorConfigSchema.default(GeneratorConfigSchema.parse({})),
  })
  .strict()
  .refine((c) => !(c.localstack && c.dashboards.grafana), {
    message: 'needs Athena, which the LocalStack deployment leaves out (turn one of them off)',
    path: ['dashboards', 'grafana'],
  });
export type LakehouseConfig = z.infer<typeof LakehouseConfigSchema>;

/** A partial config, as a file or overrides give it (nested objects may be partial too). */
export type LakehouseConfigInput = DeepPartial<z.input<typeof LakehouseConfigSchema>>;
type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Validates a config object; throws a `ConfigError` listing every bad key in one message. */
export function parseConfig(input: unknown, source = 'configuration'): LakehouseConfig {
  const result = LakehouseConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw new ConfigError(`invalid ${source}: ${problems}`);
}

/** Loads defaults, the config file if present, then `overrides`. */
export function loadConfig(
  overrides: LakehouseConfigInput = {},
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): LakehouseConfig {
  const env = opts.env ?? process.env;
  const explicit = env.LAKEHOUSE_CONFIG;
  const file = resolve(opts.cwd ?? process.cwd(), explicit ?? 'lakehouse.config.json');
  let fromFile: unknown = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
    }
  } else if (explicit) {
    throw new ConfigError(`LAKEHOUSE_CONFIG names ${file}, which does not exist`);
  }
  return parseConfig(deepMerge(fromFile, overrides), explicit ? file : 'configuration');
}

/** Glue database name derived from the project name. */
export function databaseName(config: Pick<LakehouseConfig, 'project'>): string {
  return config.project.replace(/-/g, '_');
}
