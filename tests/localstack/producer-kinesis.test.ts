/**
 * The real producer against LocalStack's Kinesis (for users with Docker: `docker compose up -d`).
 * Skips itself, saying why, when LocalStack does not answer.
 */
import {
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it } from 'vitest';
import { GeneratorConfigSchema } from '../../lib/config.ts';
import { createLocalStream } from '../../lib/local/kinesis.ts';
import type { LakeStore } from '../../lib/lake/lake-store.ts';
import { Producer } from '../../lib/producer/producer.ts';

const endpoint = process.env.LOCALSTACK_ENDPOINT ?? 'http://127.0.0.1:4566';

async function localstackUp(): Promise<string | null> {
  try {
    const res = await fetch(`${endpoint}/_localstack/health`, {
      signal: AbortSignal.timeout(1500),
    });
    if (!res.ok) return `LocalStack at ${endpoint} answered ${res.status}`;
    const health = (await res.json()) as { services?: Record<string, string> };
    const kinesis = health.services?.kinesis;
    return kinesis && kinesis !== 'disabled' ? null : 'LocalStack runs without the kinesis service';
  } catch {
    return `no LocalStack at ${endpoint} (docker compose up -d to run these tests)`;
  }
}

const why = await localstackUp();
if (why) console.warn(`tests/localstack skipped: ${why}`);

describe.skipIf(why !== null)('producer on LocalStack Kinesis', () => {
  it('puts a generated batch that reads back line for line', async () => {
    const kinesis = new KinesisClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler(),
    });
    const streamName = `lakehouse-test-${Date.now()}`;
    await createLocalStream(kinesis, streamName, 2);
    try {
      const lake: LakeStore = { put: async () => {} };
      const producer = new Producer({
        kinesis,
        lake,
        settings: { streamName, recordMaxBytes: 25_000, maxRetries: 5, retryBaseMs: 50 },
        generator: GeneratorConfigSchema.parse({ events: 2_000, days: 1 }),
      });
      const result = await producer.handle({
        generate: { end: '2026-11-20T00:00:00Z' },
        reference: false,
      });
      let read = 0;
      const shards = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
      for (const shard of shards.Shards ?? []) {
        const it = await kinesis.send(
          new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: shard.ShardId!,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        );
        const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
        for (const r of out.Records ?? [])
          read += Buffer.from(r.Data!).toString().split('\n').length;
      }
      expect(read).toBe(result.emitted);
    } finally {
      await kinesis.send(new DeleteStreamCommand({ StreamName: streamName }));
    }
  });
});
