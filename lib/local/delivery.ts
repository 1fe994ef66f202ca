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
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';
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

export interface DeliveryOptions {
  kinesis: KinesisClient;
  streamName: string;
  settings: FirehoseSettings;
  lake: FsLake;
  /** Wall clock, for the buffer interval (injected in tests). */
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

class OpenObject {
  readonly tmp: string;
  private readonly gzip: Gzip | null;
  private readonly file: WriteStream;
  bytesIn = 0;
  lines = 0;

  constructor(
    readonly prefix: string,
    readonly openedAt: number,
    readonly firstArrival: number,
    tmpDir: string,
    compress: boolean,
  ) {
    this.tmp = join(tmpDir, `${randomUUID()}.part`);
    this.file = createWriteStream(this.tmp);
    this.gzip = compress ? createGzip({ level: 1 }) : null;
    if (this.gzip) this.gzip.pipe(this.file);
  }

  async write(chunk: Buffer, lines: number): Promise<void> {
    this.bytesIn += chunk.length;
    this.lines += lines;
    const sink = this.gzip ?? this.file;
    if (!sink.write(chunk)) await once(sink, 'drain');
  }

  /** Ends the stream; resolves with the compressed size once the temp file is complete. */
  async end(): Promise<number> {
    const finished = once(this.file, 'close');
    (this.gzip ?? this.file).end();
    await finished;
    return this.file.bytesWritten;
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
    await this.flushAll();
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
          attemptEndingTimestamp: this.now(),
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
        this.now(),
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

  private async close(tagged: string) {
    const obj = this.open.get(tagged);
    if (!obj) return;
    this.open.delete(tagged);
    const s = this.opts.settings;
    const ext = s.fileExtension ?? (s.compression === 'GZIP' ? '.gz' : '');
    const name = `${s.deliveryStreamName}-1-${formatTimestamp('yyyy-MM-dd-HH-mm-ss', obj.firstArrival)}-${randomUUID()}${ext}`;
    const key = obj.prefix + name;
    this.stats.bytesOut += await obj.end();
    const target = this.opts.lake.path(key);
    await mkdir(dirname(target), { recursive: true });
    await rename(obj.tmp, target);
    this.stats.objects++;
  }

  /** Closes buffers older than the buffer interval (what Firehose's timer does). */
  async flushDue(): Promise<void> {
    const limit = this.opts.settings.bufferSeconds * 1000;
    const now = this.now();
    for (const [tagged, obj] of [...this.open]) {
      if (now - obj.openedAt >= limit) await this.close(tagged);
    }
  }

  async flushAll(): Promise<void> {
    for (const tagged of [...this.open.keys()]) await this.close(tagged);
  }
}
