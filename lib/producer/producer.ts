/**
 * The producer: turns a request (generate a batch, or forward given lines) into packed Kinesis
 * records, and writes reference snapshots straight to Bronze. The Lambda entry point and the
 * local `ingest`/`load` commands both run exactly this code; only the clients differ.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { z } from 'zod';
import { GeneratorConfigSchema, MessRatesSchema, type GeneratorConfig } from '../config.ts';
import { createGenerator, type GeneratorCounts } from '../events/generator.ts';
import { referenceSnapshots } from '../events/reference.ts';
import type { LakeStore } from '../lake/lake-store.ts';
import { referenceKey } from '../lake-layout.ts';
import { packRecords } from './pack.ts';
import { emptyPutStats, mergePutStats, putRecordsWithRetry, type PutStats } from './put-records.ts';

export interface ProducerSettings {
  streamName: string;
  recordMaxBytes: number;
  maxRetries: number;
  retryBaseMs: number;
  /** Lines generated and packed per step (bounds memory). */
  chunkLines?: number;
  /** Upper bound of one PutRecords call's payload (the API allows 5 MiB). */
  callMaxBytes?: number;
  /** PutRecords calls in flight at once. */
  concurrency?: number;
}

export interface ProducerDeps {
  kinesis: KinesisClient;
  lake: LakeStore;
  settings: ProducerSettings;
  /** Defaults for generated batches (the request can override each field). */
  generator: GeneratorConfig;
}

/** What one invocation is asked to do. */
export const ProducerRequestSchema = z
  .object({
    /** Generate a batch; fields override the configured generator defaults. */
    generate: z
      .object({
        seed: z.number().int(),
        events: z.number().int().positive(),
        days: z.number().int().positive().max(366),
        end: z.iso.datetime({ offset: true }),
        lateMaxHours: z.number().positive(),
        mess: MessRatesSchema.partial(),
      })
      .partial()
      .strict()
      .optional(),
    /** Forward these NDJSON lines as they are (backfill); not parsed, so bad lines travel too. */
    lines: z.array(z.string()).optional(),
    /** Write the reference snapshots of the generated period (default: yes when generating). */
    reference: z.boolean().optional(),
  })
  .strict();
export type ProducerRequest = z.infer<typeof ProducerRequestSchema>;

export interface ProducerResult {
  /** Lines put on the stream (duplicates and bad lines included). */
  emitted: number;
  records: number;
  bytes: number;
  calls: number;
  retriedRecords: number;
  referenceFiles: string[];
  generator?: GeneratorCounts;
  /** Simulated period end used for a generated batch. */
  end?: string;
}

const DEFAULT_CHUNK_LINES = 5_000;
/**
 * 1 MiB calls rather than the API's 5 MiB: a retry resends less, and a shard takes 1 MiB/s anyway.
 * (kinesalite also copies a request body once per received chunk, so big calls cost it O(n²).)
 */
const DEFAULT_CALL_MAX_BYTES = 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;

/** Start of the current UTC hour: the default end of a simulated period. */
export function currentHour(now = new Date()): string {
  const d = new Date(now);
  d.setUTCMinutes(0, 0, 0);
  return d.toISOString();
}

/** Resolves a generate request against the defaults into a full generator config. */
export function generatorOptions(
  defaults: GeneratorConfig,
  req: NonNullable<ProducerRequest['generate']>,
  now = new Date(),
): GeneratorConfig & { end: string } {
  const merged = GeneratorConfigSchema.parse({
    ...defaults,
    ...req,
    mess: { ...defaults.mess, ...req.mess },
  });
  return { ...merged, end: new Date(merged.end ?? currentHour(now)).toISOString() };
}

export class Producer {
  constructor(private readonly deps: ProducerDeps) {}

  /** Packs and sends chunks of lines; returns the stream-side totals. */
  async sendChunks(chunks: Iterable<string[]> | AsyncIterable<string[]>): Promise<PutStats> {
    const { settings } = this.deps;
    const total = emptyPutStats();
    for await (const lines of chunks) {
      if (lines.length === 0) continue;
      const records = packRecords(lines, { recordMaxBytes: settings.recordMaxBytes });
      const stats = await putRecordsWithRetry(this.deps.kinesis, settings.streamName, records, {
        maxRetries: settings.maxRetries,
        retryBaseMs: settings.retryBaseMs,
        callMaxBytes: settings.callMaxBytes ?? DEFAULT_CALL_MAX_BYTES,
        concurrency: settings.concurrency ?? DEFAULT_CONCURRENCY,
      });
      mergePutStats(total, stats);
    }
    return total;
  }

  async handle(request: ProducerRequest, now = new Date()): Promise<ProducerResult> {
    const referenceFiles: string[] = [];
    let stats = emptyPutStats();
    let counts: GeneratorCounts | undefined;
    let end: string | undefined;
    if (request.generate) {
      const opts = generatorOptions(this.deps.generator, request.generate, now);
      end = opts.end;
      if (request.reference ?? true) {
        referenceFiles.push(...(await writeReferenceSnapshots(this.deps.lake, opts)));
      }
      const gen = createGenerator(opts);
      const chunk = this.deps.settings.chunkLines ?? DEFAULT_CHUNK_LINES;
      stats = await this.sendChunks(
        (function* () {
          for (let lines = gen.next(chunk); lines.length > 0; lines = gen.next(chunk)) yield lines;
        })(),
      );
      counts = gen.counts;
    }
    if (request.lines && request.lines.length > 0) {
      mergePutStats(stats, await this.sendChunks([request.lines]));
    }
    return {
      emitted: stats.lines,
      records: stats.records,
      bytes: stats.bytes,
      calls: stats.calls,
      retriedRecords: stats.retriedRecords,
      referenceFiles,
      generator: counts,
      end,
    };
  }
}

/** Writes the reference snapshots (CRM and ERP exports) of a generated period; returns the keys. */
export async function writeReferenceSnapshots(
  lake: Pick<LakeStore, 'put'>,
  opts: Parameters<typeof referenceSnapshots>[0],
): Promise<string[]> {
  const keys: string[] = [];
  for (const snap of referenceSnapshots(opts)) {
    const key = referenceKey(snap.kind, snap.snapshotDate);
    const type = snap.kind === 'customers' ? 'text/csv' : 'application/x-ndjson';
    await lake.put(key, snap.body, type);
    keys.push(key);
  }
  return keys;
}
