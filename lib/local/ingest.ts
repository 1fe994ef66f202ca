/**
 * Local ingest: the real producer handler → kinesalite → the Firehose stand-in → the folder
 * lake, with the stream and delivery settings of the synthesized stack.
 *
 * Two clocks say when a record arrived (object names, and Silver's `arrival_ts` parsed from them):
 * `stream`, the wall clock of this run, as Kinesis stamps records; and `events`, for generated
 * history: three days generated in a minute would otherwise all "arrive" now, hours or days after
 * their events. With `events` the lines are replayed as a live producer would have sent them:
 * in arrival order, one handler invocation per `producer.scheduleMinutes` of simulated time (or
 * per 5,000 lines), each put at the newest event time read so far (`EventClock`), which the
 * Firehose stand-in then uses as the records' arrival and for its buffer interval.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KinesisClient, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { LakehouseConfig } from '../config.ts';
import { createGenerator, type GeneratorCounts } from '../events/generator.ts';
import {
  createProducerHandler,
  type HandlerLogger,
  type HandlerMetrics,
} from '../producer/handler.ts';
import {
  generatorOptions,
  Producer,
  type ProducerRequest,
  type ProducerResult,
  writeReferenceSnapshots,
} from '../producer/producer.ts';
import {
  chunkByArrival,
  compareSequence,
  deliveryTmpDir,
  EventClock,
  type ArrivalClock,
} from './delivery.ts';
import { startDeliveryThread } from './delivery-thread.ts';
import { FsLake } from './fs-lake.ts';
import { createLocalStream, startLocalKinesis } from './kinesis.ts';
import { ingestSettings } from './template-settings.ts';

export interface IngestProgress {
  /** Lines delivered (Bronze + error prefix) so far. */
  delivered: number;
}

export interface IngestSummary {
  /** Lines put on the stream, duplicates and bad lines included. */
  emitted: number;
  /** Lines that landed under bronze/events/. */
  landed: number;
  /** Lines that landed under the error prefix. */
  errors: number;
  objects: number;
  records: number;
  bytesIn: number;
  bytesOut: number;
  referenceFiles: string[];
  generator?: GeneratorCounts;
  end?: string;
  seconds: number;
  /** Peak RSS of this process and of the kinesalite process, MiB. */
  peakRssMiB: { main: number; stream: number };
  /** False when the partition query is not the native one and ran through jq-wasm. */
  nativePartitioning: boolean;
}

const quietLogger: HandlerLogger = { info: () => {}, error: () => {} };
const quietMetrics: HandlerMetrics = { addMetric: () => {}, publishStoredMetrics: () => {} };

/** Lines per producer invocation of an `events` replay at most (the producer's own step). */
const REPLAY_MAX_LINES = 5_000;
/**
 * How far past a generated period's end an event time still moves the `events` clock. Lines
 * arrive up to a few minutes after `end` (duplicates); future-dated mess is 25 h or more after it.
 */
const PERIOD_END_SLACK_MS = 3_600_000;

/** Keeps, per shard, the newest sequence number the stream accepted through `client`. */
function trackAcceptedRecords(client: KinesisClient, last: Map<string, string>): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (context.commandName === 'PutRecordsCommand') {
        for (const r of (out.output as PutRecordsCommandOutput).Records ?? []) {
          if (!r.ShardId || !r.SequenceNumber) continue;
          const prev = last.get(r.ShardId);
          if (prev === undefined || compareSequence(r.SequenceNumber, prev) > 0) {
            last.set(r.ShardId, r.SequenceNumber);
          }
        }
      }
      return out;
    },
    { step: 'initialize', name: 'lakehouseAcceptedRecords' },
  );
}

function emptyResult(): ProducerResult {
  return { emitted: 0, records: 0, bytes: 0, calls: 0, retriedRecords: 0, referenceFiles: [] };
}

function addResult(into: ProducerResult, r: ProducerResult): void {
  into.emitted += r.emitted;
  into.records += r.records;
  into.bytes += r.bytes;
  into.calls += r.calls;
  into.retriedRecords += r.retriedRecords;
  into.referenceFiles.push(...r.referenceFiles);
}

/**
 * Runs one or more producer invocations against a fresh local stream and delivers everything
 * they put. `requests` is consumed lazily (so `load` can stream a large file).
 */
export async function runLocalIngest(opts: {
  config: LakehouseConfig;
  lakeRoot: string;
  /** Where synthesized settings are cached (default: beside the lake folder). */
  cacheDir?: string;
  requests: Iterable<ProducerRequest> | AsyncIterable<ProducerRequest>;
  onProgress?: (p: IngestProgress) => void;
  /**
   * Where arrival times come from: `stream` (default), the wall clock of this run; `events`, the
   * simulated time of the lines replayed in arrival order (generated history; see above).
   */
  arrivalClock?: ArrivalClock;
}): Promise<IngestSummary> {
  const started = performance.now();
  const arrivalClock = opts.arrivalClock ?? 'stream';
  const settings = await ingestSettings(
    opts.config,
    opts.cacheDir ?? join(dirname(opts.lakeRoot), 'cache'),
  );
  const lake = new FsLake(opts.lakeRoot);
  const kinesis = await startLocalKinesis();
  // An interrupted run (Ctrl-C) leaves no half-written buffers behind; the next run would sweep
  // them anyway, but there may not be one.
  const removeBuffers = () => rmSync(deliveryTmpDir(lake), { recursive: true, force: true });
  process.once('exit', removeBuffers);
  try {
    await createLocalStream(kinesis.client, settings.stream.streamName, settings.stream.shardCount);
    const p = opts.config.producer;
    const producer = new Producer({
      kinesis: kinesis.client,
      lake,
      settings: {
        streamName: settings.stream.streamName,
        recordMaxBytes: p.recordMaxBytes,
        maxRetries: p.maxRetries,
        retryBaseMs: p.retryBaseMs,
      },
      generator: opts.config.generator,
    });
    const handler = createProducerHandler({
      producer,
      eventsPerInvocation: p.eventsPerInvocation,
      logger: quietLogger,
      metrics: quietMetrics,
    });
    const delivery = startDeliveryThread(
      {
        endpoint: kinesis.endpoint,
        streamName: settings.stream.streamName,
        settings: settings.firehose,
        lakeRoot: lake.root,
        arrivalClock,
      },
      (d) => opts.onProgress?.({ delivered: d.landed + d.errors }),
    );

    // `events`: one clock over the whole run (it never goes back), and the sequence numbers the
    // stream gave the records of the invocation in flight, which tell the delivery its batch.
    const clock = new EventClock(Date.now());
    const accepted = new Map<string, string>();
    if (arrivalClock === 'events') trackAcceptedRecords(kinesis.client, accepted);
    const tickMs = opts.config.producer.scheduleMinutes * 60_000;

    /** One producer invocation of a replay: `lines`, put at simulated time `arrivalMs`. */
    const invoke = async (batch: { lines: string[]; arrivalMs: number }) => {
      accepted.clear();
      try {
        return await handler({ lines: batch.lines, reference: false });
      } finally {
        // Declared even when the call failed: what the stream accepted is delivered.
        delivery.tick(batch.arrivalMs, Object.fromEntries(accepted));
      }
    };

    /** A request replayed in arrival order (`events`): what the producer's `handle` does. */
    const replay = async (request: ProducerRequest): Promise<ProducerResult> => {
      const result = emptyResult();
      const send = async (lines: Iterable<readonly string[]>) => {
        for (const batch of chunkByArrival(lines, clock, tickMs, REPLAY_MAX_LINES)) {
          addResult(result, await invoke(batch));
        }
      };
      if (request.generate) {
        const gen = generatorOptions(opts.config.generator, request.generate);
        result.end = gen.end;
        if (request.reference ?? true) {
          result.referenceFiles.push(...(await writeReferenceSnapshots(lake, gen)));
        }
        const generator = createGenerator(gen);
        clock.ceilingMs = Math.min(Date.now(), Date.parse(gen.end) + PERIOD_END_SLACK_MS);
        await send(
          (function* () {
            for (let l = generator.next(REPLAY_MAX_LINES); l.length > 0;) {
              yield l;
              l = generator.next(REPLAY_MAX_LINES);
            }
          })(),
        );
        result.generator = generator.counts;
      }
      if (request.lines && request.lines.length > 0) {
        clock.ceilingMs = Date.now();
        await send([request.lines]);
      }
      return result;
    };

    const results: ProducerResult[] = [];
    let failure: unknown;
    try {
      for await (const request of opts.requests) {
        results.push(await (arrivalClock === 'events' ? replay(request) : handler(request)));
      }
    } catch (err) {
      failure = err;
    }
    // Whatever the stream accepted is delivered, even when a later producer call failed: the
    // deployed Firehose would deliver it too, and the summary must say what landed.
    const { stats, nativePartitioning } = await delivery.drain();
    opts.onProgress?.({ delivered: stats.landed + stats.errors });
    if (failure) {
      const err = failure as Error;
      err.message += ` (delivered before the failure: ${stats.landed} lines to Bronze, ${stats.errors} to the error prefix)`;
      throw err;
    }

    const last = results.at(-1);
    return {
      emitted: results.reduce((n, r) => n + r.emitted, 0),
      landed: stats.landed,
      errors: stats.errors,
      objects: stats.objects,
      records: stats.records,
      bytesIn: stats.bytesIn,
      bytesOut: stats.bytesOut,
      referenceFiles: results.flatMap((r) => r.referenceFiles),
      generator: last?.generator,
      end: last?.end,
      seconds: (performance.now() - started) / 1000,
      peakRssMiB: { main: process.resourceUsage().maxRSS / 1024, stream: kinesis.peakRssMiB() },
      nativePartitioning,
    };
  } finally {
    await kinesis.stop();
    process.off('exit', removeBuffers);
    removeBuffers();
  }
}
