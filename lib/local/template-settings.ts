/**
 * What the local stand-ins need from the stack, read from the synthesized template so the
 * laptop runs what `cdk deploy` would deploy: the stream's name and shard count and the delivery
 * stream's settings.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LakehouseConfig } from '../config.ts';
import { firehoseSettingsFromTemplate, type FirehoseSettings } from '../stack/firehose-settings.ts';

export interface StreamSettings {
  streamName: string;
  shardCount: number;
}

export interface IngestSettings {
  stream: StreamSettings;
  firehose: FirehoseSettings;
}

/** Finds the one provisioned Kinesis stream of a template. */
export function streamSettingsFromTemplate(template: Record<string, unknown>): StreamSettings {
  const resources = Object.values(
    (template.Resources ?? {}) as Record<
      string,
      { Type?: string; Properties?: Record<string, unknown> }
    >,
  );
  const streams = resources.filter((r) => r.Type === 'AWS::Kinesis::Stream');
  if (streams.length !== 1) {
    throw new Error(`expected one AWS::Kinesis::Stream in the template, found ${streams.length}`);
  }
  const p = streams[0]!.Properties ?? {};
  if (typeof p.Name !== 'string' || typeof p.ShardCount !== 'number') {
    throw new Error('the Kinesis stream needs a literal Name and ShardCount in the template');
  }
  return { streamName: p.Name, shardCount: p.ShardCount };
}

const LIB = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * A fingerprint of everything the template depends on: the config, the stack's source files
 * and the aws-cdk-lib version. Synthesis runs CloudFormation validation and takes seconds, so
 * its result is cached under this key and recomputed only when one of these changes.
 */
export function templateFingerprint(config: LakehouseConfig): string {
  const h = createHash('sha256').update(JSON.stringify(config));
  const files = [
    ...readdirSync(join(LIB, 'stack'))
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => join(LIB, 'stack', f)),
    // The state machine's definition also names the pipeline functions and state keys.
    ...readdirSync(join(LIB, 'pipeline'))
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => join(LIB, 'pipeline', f)),
    join(LIB, 'lake-layout.ts'),
  ];
  for (const f of files) h.update(f).update(readFileSync(f));
  const cdk = JSON.parse(
    readFileSync(join(LIB, '..', 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8'),
  ) as { version: string };
  return h.update(cdk.version).digest('hex').slice(0, 16);
}

/** Templates synthesized by this process, by fingerprint: one synthesis serves every reader. */
const synthesized = new Map<string, Promise<Record<string, unknown>>>();

/**
 * What `derive` reads from the template this config synthesizes, cached in `cacheDir` as
 * `<name>-<fingerprint>.json` (recomputed only when the stack, the config or aws-cdk-lib
 * changes). On a miss the template is synthesized at most once per process, however many
 * readers ask (ingest settings, the state machine definition).
 */
export async function fromTemplate<T>(
  config: LakehouseConfig,
  cacheDir: string | undefined,
  name: string,
  derive: (template: Record<string, unknown>) => T,
): Promise<T> {
  const fingerprint = templateFingerprint(config);
  const file = cacheDir && join(cacheDir, `${name}-${fingerprint}.json`);
  if (file) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch {
      // not cached yet (or unreadable): derive below
    }
  }
  let template = synthesized.get(fingerprint);
  if (!template) {
    // aws-cdk-lib is loaded only on a cache miss: it is large, and most runs hit the cache.
    template = import('../stack/synth.ts').then((m) => m.synthesizeLakehouseTemplate(config));
    synthesized.set(fingerprint, template);
  }
  const value = derive(await template);
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(value, null, 2));
  }
  return value;
}

/** The stream and delivery settings of the stack this config synthesizes (cached in `cacheDir`). */
export async function ingestSettings(
  config: LakehouseConfig,
  cacheDir?: string,
): Promise<IngestSettings> {
  return fromTemplate(config, cacheDir, 'ingest-settings', (template) => ({
    stream: streamSettingsFromTemplate(template),
    firehose: firehoseSettingsFromTemplate(template),
  }));
}
