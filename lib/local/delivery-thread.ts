/** Runs the Firehose stand-in in a worker thread (see ./delivery-worker.ts). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FirehoseSettings } from '../stack/firehose-settings.ts';
import type { ArrivalClock, DeliveryStats } from './delivery.ts';

export interface DeliveryWorkerData {
  endpoint: string;
  streamName: string;
  settings: FirehoseSettings;
  lakeRoot: string;
  /** Default `stream`; with `events`, the producer side declares each batch with `tick`. */
  arrivalClock?: ArrivalClock;
}

/** Messages to the worker: a producer batch's simulated put time (`events` clock), or drain. */
export type DeliveryWorkerInput =
  'drain' | { type: 'tick'; arrivalMs: number; lastSequence: Record<string, string> };

export type DeliveryWorkerMessage =
  | { type: 'progress'; landed: number; errors: number }
  | { type: 'done'; stats: DeliveryStats; nativePartitioning: boolean };

export interface DeliveryThread {
  /**
   * `events` clock: the producer put a batch at simulated time `arrivalMs`; `lastSequence` is,
   * per shard, the sequence number of its last record there (see `LocalDelivery.tick`).
   */
  tick(arrivalMs: number, lastSequence: Record<string, string>): void;
  /** Asks the worker to read the stream dry, close every buffer and stop. */
  drain(): Promise<{ stats: DeliveryStats; nativePartitioning: boolean }>;
}

const require = createRequire(import.meta.url);

/** The ESM entry of tsx's API (`tsx/esm/api`, import condition), as a file URL. */
function tsxEsmApi(): string {
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
}

export function startDeliveryThread(
  data: DeliveryWorkerData,
  onProgress?: (p: { landed: number; errors: number }) => void,
): DeliveryThread {
  // The worker loads TypeScript through tsx's API, as the CLI itself does.
  const tsxApi = tsxEsmApi();
  const entry = new URL('./delivery-worker.ts', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`,
    // A bounded heap makes the worker collect garbage as it goes instead of growing to the
    // default limit: delivery holds no more than one GetRecords response at a time.
    { eval: true, workerData: data, resourceLimits: { maxOldGenerationSizeMb: 256 } },
  );
  const done = new Promise<{ stats: DeliveryStats; nativePartitioning: boolean }>(
    (resolve, reject) => {
      worker.on('message', (m: DeliveryWorkerMessage) => {
        if (m.type === 'progress') onProgress?.(m);
        else resolve({ stats: m.stats, nativePartitioning: m.nativePartitioning });
      });
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`delivery worker exited (${code}) before it finished`)),
      );
    },
  );
  // A failure surfaces through drain(); until then keep it from being an unhandled rejection.
  done.catch(() => {});
  const post = (m: DeliveryWorkerInput) => worker.postMessage(m);
  return {
    tick: (arrivalMs, lastSequence) => post({ type: 'tick', arrivalMs, lastSequence }),
    drain: async () => {
      post('drain');
      const result = await done;
      await worker.terminate();
      return result;
    },
  };
}
