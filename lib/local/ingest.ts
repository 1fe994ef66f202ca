/**
 * Local ingest: the real producer handler → kinesalite → the Firehose stand-in → the folder
 * lake, with the stream and delivery settings of the synthesized stack.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LakehouseConfig } from '../config.ts';
import type { GeneratorCounts } from '../events/generator.ts';
import {
  createProducerHandler,
  type HandlerLogger,
  type HandlerMetrics,
} from '../producer/handler.ts';
import { Producer, type ProducerRequest, type ProducerResult } from '../producer/producer.ts';
import { deliveryTmpDir } from './delivery.ts';
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
}): Promise<IngestSummary> {
  const started = performance.now();
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
      },
      (d) => opts.onProgress?.({ delivered: d.landed + d.errors }),
    );

    const results: ProducerResult[] = [];
    let failure: unknown;
    try {
      for await (const request of opts.requests) {
        results.push(await handler(request));
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
