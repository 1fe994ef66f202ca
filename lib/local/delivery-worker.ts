/**
 * Worker-thread entry of the Firehose stand-in, so delivery (GetRecords parsing, partitioning,
 * gzip) runs on the second core while the producer fills the stream. Started by
 * `startDeliveryThread` in ./delivery-thread.ts; messages: in `tick` (the `events` clock's
 * producer batches), `drain`; out `progress`, `done`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LocalDelivery } from './delivery.ts';
import type {
  DeliveryWorkerData,
  DeliveryWorkerInput,
  DeliveryWorkerMessage,
} from './delivery-thread.ts';
import { FsLake } from './fs-lake.ts';
import { kinesisClientFor } from './kinesis.ts';

const data = workerData as DeliveryWorkerData;
const post = (m: DeliveryWorkerMessage) => parentPort!.postMessage(m);
let draining = false;

const kinesis = kinesisClientFor(data.endpoint);
const delivery = new LocalDelivery({
  kinesis,
  streamName: data.streamName,
  settings: data.settings,
  lake: new FsLake(data.lakeRoot),
  arrivalClock: data.arrivalClock ?? 'stream',
  // 200 records of ~25 KB: responses of about 5 MB, well under GetRecords' 10 MB.
  getRecordsLimit: 200,
  onProgress: (s) => post({ type: 'progress', landed: s.landed, errors: s.errors }),
});
// Messages arrive in the order they were posted: every tick before the drain that follows it.
parentPort!.on('message', (m: DeliveryWorkerInput) => {
  if (m === 'drain') draining = true;
  else delivery.tick(m.arrivalMs, m.lastSequence);
});
await delivery.start();
while (!draining) {
  if ((await delivery.pollOnce()) === 0) await new Promise((r) => setTimeout(r, 5));
}
await delivery.drain();
kinesis.destroy();
post({ type: 'done', stats: delivery.stats, nativePartitioning: delivery.nativePartitioning });
