/**
 * A local Kinesis: kinesalite (in memory) in a child process on a loopback port, and an SDK v3
 * client for it. The child keeps the stream's memory out of the CLI process and lets the
 * stream's work run on the second core. kinesalite speaks HTTP/1.1 only, hence NodeHttpHandler.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const require = createRequire(import.meta.url);

export interface LocalKinesis {
  client: KinesisClient;
  endpoint: string;
  /** Peak resident memory of the kinesalite process so far, MiB (Linux; 0 elsewhere). */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

export function kinesisClientFor(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 60_000 }),
    maxAttempts: 3,
  });
}

function childPeakRssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** True when kinesalite's LevelDB binding (leveldown, prebuilt binaries) loads here. */
function leveldownLoads(kinesaliteEntry: string): boolean {
  try {
    createRequire(kinesaliteEntry)('leveldown');
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts kinesalite on 127.0.0.1 (a free port) and waits until it listens.
 *
 * kinesalite keeps every record for the stream's retention (24 h at least). In memory that costs
 * about three times the data in RAM, so it keeps them in LevelDB in a temporary folder (removed
 * on stop) and runs with a small heap. Where leveldown has no prebuilt binary for the platform,
 * it falls back to memory.
 */
export async function startLocalKinesis(): Promise<LocalKinesis> {
  const entry = require.resolve('kinesalite');
  const dbDir = mkdtempSync(join(tmpdir(), 'lakehouse-kinesis-'));
  const options = { createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 500 };
  const onDisk = leveldownLoads(entry);
  const code =
    `const o=${JSON.stringify(onDisk ? { ...options, path: join(dbDir, 'db') } : options)};` +
    `const s=require(${JSON.stringify(entry)})(o);` +
    `s.listen(0,'127.0.0.1',()=>{process.stdout.write('PORT '+s.address().port+'\\n')});` +
    `process.on('disconnect',()=>process.exit(0));process.on('SIGTERM',()=>process.exit(0));`;
  // On LevelDB the heap holds requests in flight only; in memory it holds every record.
  const heap = onDisk ? ['--max-old-space-size=512'] : [];
  const child: ChildProcess = spawn(process.execPath, [...heap, '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Ctrl-C ends the child with us (it exits when the IPC channel closes); its store goes too.
  const removeStore = () => rmSync(dbDir, { recursive: true, force: true });
  process.once('exit', removeStore);
  let peak = 0;
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    let err = '';
    const onExit = (codeOrSignal: unknown) =>
      reject(
        new Error(`kinesalite exited before listening (${String(codeOrSignal)}): ${err.trim()}`),
      );
    child.once('exit', onExit);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        child.off('exit', onExit);
        resolvePort(Number(m[1]));
      }
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = kinesisClientFor(endpoint);
  return {
    client,
    endpoint,
    peakRssMiB: () => (peak = Math.max(peak, childPeakRssMiB(child.pid))),
    stop: async () => {
      peak = Math.max(peak, childPeakRssMiB(child.pid));
      client.destroy();
      if (child.exitCode === null) {
        await new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGTERM');
        });
      }
      process.off('exit', removeStore);
      removeStore();
    },
  };
}

/** Creates a provisioned stream and waits until it is ACTIVE. */
export async function createLocalStream(
  client: KinesisClient,
  streamName: string,
  shardCount: number,
): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`local stream ${streamName} did not become ACTIVE`);
}
