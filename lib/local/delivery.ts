/**
 * The Firehose stand-in: reads every shard of the local stream and delivers to the folder lake
 * exactly as the deployed delivery stream is configured (settings come from the synthesized
 * template): de-aggregation on the delimiter, partition keys from the JQ query, the S3 prefix
 * and error prefix expressions, the appended delimiter, compression, buffer size and interval,
 * and Firehose's object naming. Records it cannot partition go to the error prefix with
 * Firehose's error document, raw bytes in base64: nothing is dropped.
 *
 * Each open buffer streams through gzip into a temp file, renamed into place when the buffer
 * closes, so memory stays flat however much is buffered and readers never see half an object.
 *
 * Arrival times (object names, error documents, the buffer interval) come from one of two clocks:
 * `stream`, Kinesis's ApproximateArrivalTimestamp (the wall clock of the put, as in the account),
 * or `events`, for replays of generated history: the producer side declares, batch by batch
 * (`tick`), the simulated time at which it put the records (see `EventClock` and
 * `chunkByArrival`); records are delivered in that order and buffers close when the simulated
 * clock has moved `bufferSeconds` past their first record, as Firehose's timer would have.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { createGzip, gzipSync, type Gzip } from 'node:zlib';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { FirehoseSettings } from '../stack/firehose-settings.ts';
import type { FsLake } from './fs-lake.ts';
import { createPartitioner, type PartitionKeys, type Partitioner } from './partition-query.ts';
import { isAlive } from './process-alive.ts';

/** Firehose's error-output-type for records dynamic partitioning could not process. */
export const PROCESSING_FAILED = 'processing-failed';
export const METADATA_EXTRACTION_FAILED = 'DynamicPartitioning.MetadataExtractionFailed';

export interface DeliveryStats {
  /** Kinesis records read. */
  records: number;
  /** Lines delivered under the events prefix. */
  landed: number;
  /** Lines delivered under the error prefix. */
  errors: number;
  /** Objects written (events and errors). */
  objects: number;
  bytesIn: number;
  bytesOut: number;
  /** Error lines by error code. */
  errorCodes: Record<string, number>;
}

/**
 * Where a record's arrival time comes from: `stream` is Kinesis's ApproximateArrivalTimestamp;
 * `events` is the simulated put time the producer side declares with `LocalDelivery.tick`.
 */
export type ArrivalClock = 'stream' | 'events';

export interface DeliveryOptions {
  kinesis: KinesisClient;
  streamName: string;
  settings: FirehoseSettings;
  lake: FsLake;
  /** Default `stream`. */
  arrivalClock?: ArrivalClock;
  /** Wall clock, for the buffer interval of the `stream` clock (injected in tests). */
  now?: () => number;
  onProgress?: (s: Readonly<DeliveryStats>) => void;
  /** GetRecords Limit per call. */
  getRecordsLimit?: number;
}

const TMP = '.delivery-tmp';

/**
 * Where this process's open buffers stream to: `<lake>/.delivery-tmp/<pid>/`, outside every
 * table prefix. Per process, so two ingests into one lake never touch each other's files.
 */
export function deliveryTmpDir(lake: FsLake, pid = process.pid): string {
  return lake.path(`${TMP}/${pid}`);
}

/** Removes the buffers of ingests that were interrupted (their process is gone). */
export async function sweepStaleTmpDirs(lake: FsLake): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(lake.path(TMP));
  } catch {
    return;
  }
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(lake.path(`${TMP}/${name}`), { recursive: true, force: true });
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Formats a Firehose `!{timestamp:...}` pattern (Java DateTimeFormatter letters) in UTC. */
export function formatTimestamp(pattern: string, ms: number): string {
  const d = new Date(ms);
  const parts: Record<string, string> = {
    yyyy: String(d.getUTCFullYear()),
    MM: pad(d.getUTCMonth() + 1),
    dd: pad(d.getUTCDate()),
    HH: pad(d.getUTCHours()),
    mm: pad(d.getUTCMinutes()),
    ss: pad(d.getUTCSeconds()),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (t) => parts[t]!);
}

/** Evaluates a Firehose S3 prefix expression. */
export function evaluatePrefix(
  prefix: string,
  ctx: { keys?: PartitionKeys; arrivalMs: number; errorOutputType?: string },
): string {
  return prefix.replace(/!\{([a-zA-Z]+):([^}]*)\}/g, (whole, ns: string, arg: string) => {
    if (ns === 'partitionKeyFromQuery') {
      const v = ctx.keys?.[arg];
      if (v === undefined) throw new Error(`prefix needs partition key ${arg}`);
      return v;
    }
    if (ns === 'timestamp') return formatTimestamp(arg, ctx.arrivalMs);
    if (ns === 'firehose' && arg === 'error-output-type') return ctx.errorOutputType ?? '';
    if (ns === 'firehose' && arg === 'random-string') return randomUUID().slice(0, 11);
    throw new Error(`unsupported Firehose prefix expression ${whole}`);
  });
}

/** Splits a record's bytes on the delimiter (Firehose DELIMITED de-aggregation). */
export function deaggregate(data: Buffer, delimiter: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const i = data.indexOf(delimiter, start);
    if (i === -1) break;
    out.push(data.subarray(start, i));
    start = i + delimiter.length;
  }
  if (start < data.length) out.push(data.subarray(start));
  return out;
}

const TS_KEY = '"event_timestamp":"';
const TS_KEY_RE = /"event_timestamp"\s*:\s*"([^"]*)"/;

/**
 * Epoch ms of a line's `event_timestamp`, found by text search (no JSON.parse: the producer side
 * runs this on every line); NaN when the line has none that reads as an ISO-8601 date-time.
 */
export function eventTimeOf(line: string): number {
  let value: string | undefined;
  const i = line.indexOf(TS_KEY);
  if (i >= 0) {
    const start = i + TS_KEY.length;
    const end = line.indexOf('"', start);
    if (end > start) value = line.slice(start, end);
  } else if (line.includes('"event_timestamp"')) {
    value = TS_KEY_RE.exec(line)?.[1];
  }
  // Only `YYYY-MM-DDTHH:MM:SS...` counts (Date.parse would read many other shapes).
  if (value === undefined || value.length < 20 || value.charCodeAt(10) !== 84 /* T */) {
    return Number.NaN;
  }
  return Date.parse(value);
}

/**
 * The simulated arrival clock of a replay: the newest event time seen so far, in line order.
 * Generated lines come in arrival order and on-time lines arrive within seconds of their event
 * time, so this is when the line just read arrived; late and duplicate lines (older event times)
 * never move it back. Event times after `ceilingMs` (the generator's future-dated mess, the wall
 * clock) never move it forward.
 */
export class EventClock {
  private ms = Number.NEGATIVE_INFINITY;

  constructor(public ceilingMs: number) {}

  /** Reads one line; returns the clock after it. */
  observe(line: string): number {
    const t = eventTimeOf(line);
    if (t > this.ms && t <= this.ceilingMs) this.ms = t;
    return this.ms;
  }

  /** The clock now (-Infinity until a line with a usable event time was seen). */
  get now(): number {
    return this.ms;
  }
}

/**
 * Cuts lines (in arrival order) into the batches a live producer would have put: a batch ends
 * when the clock enters a new `tickMs` period (the producer's schedule) or at `maxLines`. Each
 * batch carries its arrival: the clock after its last line, when the producer could send it
 * (lines before the first usable event time join the first batch that has one).
 */
export function* chunkByArrival(
  lines: Iterable<readonly string[]>,
  clock: EventClock,
  tickMs: number,
  maxLines: number,
): Generator<{ lines: string[]; arrivalMs: number }> {
  let batch: string[] = [];
  let tick = Number.NaN;
  let arrival = clock.now;
  for (const chunk of lines) {
    for (const line of chunk) {
      const now = clock.observe(line);
      const t = Math.floor(now / tickMs);
      if (batch.length > 0 && ((t !== tick && Number.isFinite(tick)) || batch.length >= maxLines)) {
        yield { lines: batch, arrivalMs: arrival };
        batch = [];
      }
      tick = t;
      arrival = now;
      batch.push(line);
    }
  }
  if (batch.length > 0) yield { lines: batch, arrivalMs: arrival };
}

/** Orders two Kinesis sequence numbers (decimal strings without leading zeros). */
export function compareSequence(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** One record read from a shard, waiting for its simulated arrival (`events` clock). */
interface HeldRecord {
  data: Buffer;
  sequenceNumber: string;
  /** Index of the producer batch that put it; -1 while not declared yet. */
  tick: number;
}

/**
 * A buffer below this many bytes stays in memory and is written with one gzip call when it
 * closes; a bigger one streams through gzip into its temp file. Most objects are small (a late
 * line alone in its old hour), and a file stream per object costs more than the object.
 */
const IN_MEMORY_BYTES = 256 * 1024;
/** Closed buffers whose files are being finished at once. */
const CLOSES_IN_FLIGHT = 32;

class OpenObject {
  readonly tmp: string;
  private gzip: Gzip | null = null;
  private file: WriteStream | null = null;
  /** Bytes not yet handed to a stream (all of them while the buffer is small). */
  private held: Buffer[] = [];
  bytesIn = 0;
  lines = 0;

  constructor(
    readonly prefix: string,
    readonly openedAt: number,
    readonly firstArrival: number,
    tmpDir: string,
    private readonly compress: boolean,
  ) {
    this.tmp = join(tmpDir, `${randomUUID()}.part`);
  }

  async write(chunk: Buffer, lines: number): Promise<void> {
    this.bytesIn += chunk.length;
    this.lines += lines;
    if (!this.file) {
      this.held.push(chunk);
      if (this.bytesIn < IN_MEMORY_BYTES) return;
      this.file = createWriteStream(this.tmp);
      if (this.compress) {
        this.gzip = createGzip({ level: 1 });
        this.gzip.pipe(this.file);
      }
      chunk = Buffer.concat(this.held);
      this.held = [];
    }
    const sink = this.gzip ?? this.file;
    if (!sink.write(chunk)) await once(sink, 'drain');
  }

  /** Completes the temp file; resolves with its (compressed) size. */
  async end(): Promise<number> {
    if (!this.file) {
      const raw = Buffer.concat(this.held);
      // Synchronous: for a small buffer the thread-pool round trip costs ten times the work.
      const body = this.compress ? gzipSync(raw, { level: 1 }) : raw;
      await writeFile(this.tmp, body);
      return body.length;
    }
    const file = this.file;
    const finished = once(file, 'close');
    (this.gzip ?? file).end();
    await finished;
    return file.bytesWritten;
  }
}

export class LocalDelivery {
  readonly stats: DeliveryStats = {
    records: 0,
    landed: 0,
    errors: 0,
    objects: 0,
    bytesIn: 0,
    bytesOut: 0,
    errorCodes: {},
  };
  private readonly partitioner: Partitioner | null;
  private readonly delimiter: Buffer | null;
  private readonly append: Buffer;
  private readonly open = new Map<string, OpenObject>();
  private readonly iterators = new Map<string, string>();
  private readonly now: () => number;
  private readonly tmpDir: string;
  private readonly clock: ArrivalClock;
  /** Folders already made under the lake (one mkdir per partition, not per object). */
  private readonly madeDirs = new Set<string>();
  /** Closed buffers whose files are being finished (see `close`). */
  private readonly closing = new Set<Promise<void>>();
  private closeError: unknown;

  // `events` clock: the producer batches declared so far, and the records not delivered yet.
  /** Simulated put time of each declared batch, by batch index. */
  private readonly tickArrivals: number[] = [];
  /** Per shard: the last sequence number of each declared batch that put records there. */
  private readonly tickEnds = new Map<string, { tick: number; last: string }[]>();
  /** Per shard: index into `tickEnds` of the first batch a next record can belong to. */
  private readonly tickCursor = new Map<string, number>();
  /** Records read but not delivered yet, per shard in sequence order. */
  private readonly held = new Map<string, HeldRecord[]>();
  /** Per shard: the newest batch all of whose records there have been read. */
  private readonly complete = new Map<string, number>();
  /** The simulated clock: the newest arrival delivered. */
  private simNow = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: DeliveryOptions) {
    const s = opts.settings;
    if (s.compression !== 'GZIP' && s.compression !== 'UNCOMPRESSED') {
      throw new Error(`local delivery supports GZIP or UNCOMPRESSED, not ${s.compression}`);
    }
    if (s.deaggregation && s.deaggregation.type !== 'DELIMITED') {
      throw new Error('local delivery supports DELIMITED de-aggregation only');
    }
    this.partitioner =
      s.dynamicPartitioning && s.metadataQuery ? createPartitioner(s.metadataQuery) : null;
    this.delimiter = s.deaggregation ? Buffer.from(s.deaggregation.delimiter, 'utf8') : null;
    this.append = Buffer.from(s.appendDelimiter ?? '', 'utf8');
    this.now = opts.now ?? Date.now;
    this.tmpDir = deliveryTmpDir(opts.lake);
    this.clock = opts.arrivalClock ?? 'stream';
  }

  /**
   * `events` clock: declares that the producer put a batch of records at simulated time
   * `arrivalMs`, and for each shard the sequence number of the batch's last record there (what
   * the PutRecords answers said). Batches are declared in the order they were put.
   */
  tick(arrivalMs: number, lastSequence: Readonly<Record<string, string>>): void {
    const tick = this.tickArrivals.push(arrivalMs) - 1;
    for (const [shard, last] of Object.entries(lastSequence)) {
      let ends = this.tickEnds.get(shard);
      if (!ends) this.tickEnds.set(shard, (ends = []));
      ends.push({ tick, last });
    }
  }

  /** True when the partition query runs natively (false: through jq-wasm, slowly). */
  get nativePartitioning(): boolean {
    return this.partitioner?.native ?? true;
  }

  /** Opens a TRIM_HORIZON iterator on every shard. */
  async start(): Promise<void> {
    await sweepStaleTmpDirs(this.opts.lake);
    await mkdir(this.tmpDir, { recursive: true });
    const shards = await this.opts.kinesis.send(
      new ListShardsCommand({ StreamName: this.opts.streamName }),
    );
    for (const shard of shards.Shards ?? []) {
      const it = await this.opts.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: this.opts.streamName,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      this.iterators.set(shard.ShardId!, it.ShardIterator!);
    }
  }

  /** One GetRecords round over every shard; returns the number of records read. */
  async pollOnce(): Promise<number> {
    if (this.clock === 'events') return this.pollEvents();
    let read = 0;
    // Lines are grouped per target object over the whole response, so each open object gets one
    // write per poll rather than one per Kinesis record.
    const batch = new Map<string, { chunks: Buffer[]; firstArrival: number }>();
    for (const [shardId, iterator] of this.iterators) {
      const out = await this.opts.kinesis.send(
        new GetRecordsCommand({
          ShardIterator: iterator,
          Limit: this.opts.getRecordsLimit ?? 1000,
        }),
      );
      if (out.NextShardIterator) this.iterators.set(shardId, out.NextShardIterator);
      else this.iterators.delete(shardId);
      for (const rec of out.Records ?? []) {
        await this.routeRecord(
          batch,
          Buffer.from(rec.Data!),
          rec.ApproximateArrivalTimestamp?.getTime() ?? this.now(),
          rec.SequenceNumber ?? '',
        );
      }
      read += out.Records?.length ?? 0;
    }
    for (const [tagged, { chunks, firstArrival }] of batch) {
      await this.write(tagged, chunks, firstArrival);
    }
    this.stats.records += read;
    await this.flushDue();
    if (read > 0) this.opts.onProgress?.(this.stats);
    return read;
  }

  /** Reads until every shard is empty, then closes every buffer. */
  async drain(): Promise<void> {
    while ((await this.pollOnce()) > 0) {
      // keep reading
    }
    if (this.clock === 'events') await this.deliverHeld(true);
    await this.flushAll();
  }

  /**
   * `events` clock: reads every shard, then delivers, in batch order, the records of the batches
   * read whole on every shard; the others wait for the next round (a shard read ahead would
   * otherwise stamp its records before an earlier batch on another shard).
   */
  private async pollEvents(): Promise<number> {
    let read = 0;
    for (const [shardId, iterator] of this.iterators) {
      const declared = this.tickArrivals.length;
      const limit = this.opts.getRecordsLimit ?? 1000;
      const out = await this.opts.kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
      );
      if (out.NextShardIterator) this.iterators.set(shardId, out.NextShardIterator);
      else this.iterators.delete(shardId);
      const records = out.Records ?? [];
      let held = this.held.get(shardId);
      if (!held) this.held.set(shardId, (held = []));
      for (const rec of records) {
        held.push({
          data: Buffer.from(rec.Data!),
          sequenceNumber: rec.SequenceNumber ?? '',
          tick: -1,
        });
      }
      read += records.length;
      this.assignTicks(shardId);
      // A short page: the shard holds nothing more that was put before this call, so every batch
      // declared by then is read whole. A full page ending in batch t: batches before t are.
      const last = held.at(-1);
      const whole =
        records.length < limit || !out.NextShardIterator
          ? declared - 1
          : last && last.tick >= 0
            ? last.tick - 1
            : this.tickArrivals.length - 1;
      this.complete.set(shardId, Math.max(this.complete.get(shardId) ?? -1, whole));
    }
    this.stats.records += read;
    await this.deliverHeld(false);
    if (read > 0) this.opts.onProgress?.(this.stats);
    return read;
  }

  /** Gives the held records of a shard the batch they were put in, where it is declared. */
  private assignTicks(shardId: string): void {
    const ends = this.tickEnds.get(shardId) ?? [];
    let cursor = this.tickCursor.get(shardId) ?? 0;
    for (const rec of this.held.get(shardId) ?? []) {
      if (rec.tick >= 0) continue;
      while (cursor < ends.length && compareSequence(rec.sequenceNumber, ends[cursor]!.last) > 0) {
        cursor++;
      }
      if (cursor === ends.length) break;
      rec.tick = ends[cursor]!.tick;
    }
    this.tickCursor.set(shardId, cursor);
  }

  /**
   * Delivers the held records whose batch is read whole on every shard (`all`: every held
   * record; one whose batch was never declared gets the newest arrival), in batch order.
   */
  private async deliverHeld(all: boolean): Promise<void> {
    for (const shardId of this.held.keys()) this.assignTicks(shardId);
    let upTo = Number.POSITIVE_INFINITY;
    if (!all) {
      for (const shardId of this.iterators.keys()) {
        upTo = Math.min(upTo, this.complete.get(shardId) ?? -1);
      }
    }
    const ready: HeldRecord[] = [];
    for (const [shardId, held] of this.held) {
      let n = 0;
      while (n < held.length && (all || (held[n]!.tick >= 0 && held[n]!.tick <= upTo))) n++;
      if (n === 0) continue;
      ready.push(...held.slice(0, n));
      this.held.set(shardId, held.slice(n));
    }
    if (ready.length === 0) return;
    // Stable: within a batch, shards in reading order and each shard in sequence order.
    const at = (r: HeldRecord) => (r.tick >= 0 ? r.tick : Number.MAX_SAFE_INTEGER);
    ready.sort((a, b) => at(a) - at(b));
    const batch = new Map<string, { chunks: Buffer[]; firstArrival: number }>();
    for (const rec of ready) {
      const declared = rec.tick >= 0 ? this.tickArrivals[rec.tick]! : Number.NaN;
      if (declared > this.simNow) {
        this.simNow = declared;
        await this.closeDue(batch);
      }
      // Never before what was already delivered; a batch without a known time (no event time
      // read yet, or never declared) arrives with the clock, or now before the clock started.
      const arrivalMs = Number.isFinite(this.simNow) ? this.simNow : this.now();
      await this.routeRecord(batch, rec.data, arrivalMs, rec.sequenceNumber);
    }
    for (const [tagged, { chunks, firstArrival }] of batch) {
      await this.write(tagged, chunks, firstArrival);
    }
  }

  /**
   * `events` clock: closes the buffers (open objects, and lines gathered for them in `batch`)
   * whose first record arrived `bufferSeconds` or more before the simulated clock.
   */
  private async closeDue(batch: Map<string, { chunks: Buffer[]; firstArrival: number }>) {
    const limit = this.opts.settings.bufferSeconds * 1000;
    const due = (first: number) => this.simNow - first >= limit;
    for (const [tagged, pending] of [...batch]) {
      const first = this.open.get(tagged)?.firstArrival ?? pending.firstArrival;
      if (!due(first)) continue;
      batch.delete(tagged);
      await this.write(tagged, pending.chunks, pending.firstArrival);
    }
    await this.closeEach([...this.open].filter(([, o]) => due(o.firstArrival)).map(([t]) => t));
  }

  private async closeEach(tags: string[]): Promise<void> {
    for (const tagged of tags) await this.close(tagged);
  }

  /** De-aggregates and partitions one Kinesis record into `batch` (tagged D/E + prefix). */
  private async routeRecord(
    batch: Map<string, { chunks: Buffer[]; firstArrival: number }>,
    data: Buffer,
    arrivalMs: number,
    sequenceNumber: string,
  ) {
    const s = this.opts.settings;
    const subRecords = this.delimiter ? deaggregate(data, this.delimiter) : [data];
    const add = (tagged: string, chunk: Buffer) => {
      const b = batch.get(tagged);
      if (b) b.chunks.push(chunk);
      else batch.set(tagged, { chunks: [chunk], firstArrival: arrivalMs });
    };
    // Prefixes of this record by partition key values (every sub-record shares the arrival time).
    const prefixes = new Map<string, string>();
    const results = this.partitioner
      ? await this.partitioner.partition(subRecords.map((b) => b.toString('utf8')))
      : null;
    for (let i = 0; i < subRecords.length; i++) {
      const raw = subRecords[i]!;
      const res = results?.[i];
      if (res && 'error' in res) {
        const prefix = evaluatePrefix(s.errorOutputPrefix, {
          arrivalMs,
          errorOutputType: PROCESSING_FAILED,
        });
        const doc = JSON.stringify({
          attemptsMade: 1,
          arrivalTimestamp: arrivalMs,
          errorCode: METADATA_EXTRACTION_FAILED,
          errorMessage: res.error,
          attemptEndingTimestamp: this.clock === 'events' ? arrivalMs : this.now(),
          rawData: raw.toString('base64'),
          sequenceNumber,
          subSequenceNumber: i,
          dynamicPartitioningKeys: null,
        });
        this.stats.errorCodes[METADATA_EXTRACTION_FAILED] =
          (this.stats.errorCodes[METADATA_EXTRACTION_FAILED] ?? 0) + 1;
        this.stats.errors++;
        add(`E${prefix}`, Buffer.from(doc + '\n'));
      } else {
        const memo = res ? Object.values(res.keys).join('\u0000') : '';
        let prefix = prefixes.get(memo);
        if (prefix === undefined) {
          prefix = evaluatePrefix(s.prefix, { keys: res?.keys, arrivalMs });
          prefixes.set(memo, prefix);
        }
        this.stats.landed++;
        add(`D${prefix}`, this.append.length ? Buffer.concat([raw, this.append]) : raw);
      }
    }
  }

  private async write(tagged: string, chunks: Buffer[], arrivalMs: number) {
    const s = this.opts.settings;
    let obj = this.open.get(tagged);
    if (!obj) {
      obj = new OpenObject(
        tagged.slice(1),
        this.clock === 'events' ? arrivalMs : this.now(),
        arrivalMs,
        this.tmpDir,
        s.compression === 'GZIP',
      );
      this.open.set(tagged, obj);
    }
    const chunk = Buffer.concat(chunks);
    this.stats.bytesIn += chunk.length;
    await obj.write(chunk, chunks.length);
    if (obj.bytesIn >= s.bufferMiB * 1024 * 1024) await this.close(tagged);
  }

  /**
   * Closes a buffer: it leaves `open` now (new lines for its prefix start the next object) and
   * its file is finished in the background, at most `CLOSES_IN_FLIGHT` at once, so routing does
   * not wait for every object's file work. `flushAll` waits for all of them.
   */
  private async close(tagged: string) {
    const obj = this.open.get(tagged);
    if (!obj) return;
    this.open.delete(tagged);
    const done: Promise<void> = this.finish(obj).then(
      () => void this.closing.delete(done),
      (err: unknown) => {
        this.closing.delete(done);
        this.closeError ??= err;
      },
    );
    this.closing.add(done);
    if (this.closing.size >= CLOSES_IN_FLIGHT) await Promise.race(this.closing);
    if (this.closeError) throw this.closeError;
  }

  /** Writes a closed buffer's object under its key (temp file, then rename). */
  private async finish(obj: OpenObject): Promise<void> {
    const s = this.opts.settings;
    const ext = s.fileExtension ?? (s.compression === 'GZIP' ? '.gz' : '');
    const name = `${s.deliveryStreamName}-1-${formatTimestamp('yyyy-MM-dd-HH-mm-ss', obj.firstArrival)}-${randomUUID()}${ext}`;
    const key = obj.prefix + name;
    this.stats.bytesOut += await obj.end();
    const target = this.opts.lake.path(key);
    const dir = dirname(target);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    await rename(obj.tmp, target);
    this.stats.objects++;
  }

  /** Waits until every closed buffer is written. */
  private async settle(): Promise<void> {
    while (this.closing.size > 0) await Promise.all(this.closing);
    if (this.closeError) throw this.closeError;
  }

  /**
   * Closes buffers older than the buffer interval (what Firehose's timer does), on the wall clock;
   * on the `events` clock, on the simulated one (delivery closes them as that clock moves).
   */
  async flushDue(): Promise<void> {
    const limit = this.opts.settings.bufferSeconds * 1000;
    const now = this.clock === 'events' ? this.simNow : this.now();
    await this.closeEach(
      [...this.open].filter(([, o]) => now - o.openedAt >= limit).map(([t]) => t),
    );
  }

  async flushAll(): Promise<void> {
    await this.closeEach([...this.open.keys()]);
    await this.settle();
  }
}
