/**
 * The producer exactly as `cdk deploy` ships it: the esbuild bundle from the synthesized asset,
 * loaded with the environment the stack sets, answers an invocation.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { LakehouseStack } from '../../lib/stack/lakehouse-stack.ts';

const root = join(import.meta.dirname, '..', '..');
const outdir = mkdtempSync(join(tmpdir(), 'lakehouse-bundle-'));
// Inside the repo, so the bundle's external `@aws-sdk/*` imports resolve from node_modules, as
// they resolve from the Lambda runtime's SDK.
const runDir = join(root, 'node_modules', '.cache', `producer-bundle-${process.pid}`);
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
});

type Handler = (event: unknown) => Promise<{ emitted: number; referenceFiles: string[] }>;
let handler: Handler;
let env: Record<string, string>;

beforeAll(async () => {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new LakehouseStack(app, 'BundleTest', { config: loadConfig() });
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as {
    Resources: Record<
      string,
      { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }
    >;
  };
  const fn = Object.values(template.Resources).find(
    (r) =>
      r.Type === 'AWS::Lambda::Function' &&
      String(r.Properties.FunctionName ?? '').endsWith('-producer'),
  )!;
  env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
  const asset = join(outdir, fn.Metadata!['aws:asset:path']!);
  mkdirSync(runDir, { recursive: true });
  cpSync(asset, runDir, { recursive: true });
  const entry = readdirSync(runDir).find((f) => /^index\.m?js$/.test(f))!;
  // Token-valued variables (stream and bucket names resolved at deploy time) get stand-ins.
  for (const [k, v] of Object.entries(env))
    process.env[k] = typeof v === 'string' ? v : `test-${k.toLowerCase()}`;
  process.env.AWS_REGION = 'us-east-1';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  handler = ((await import(pathToFileURL(join(runDir, entry)).href)) as { handler: Handler })
    .handler;
}, 180_000);

describe('the bundled producer Lambda', () => {
  it('is an ES module bundle with the environment the stack sets', () => {
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'STREAM_NAME',
        'LAKE_BUCKET',
        'RECORD_MAX_BYTES',
        'MAX_RETRIES',
        'EVENTS_PER_INVOCATION',
      ]),
    );
    expect(typeof handler).toBe('function');
  });

  it('answers an invocation with nothing to send without touching the network', async () => {
    await expect(handler({ lines: [], reference: false })).resolves.toMatchObject({
      emitted: 0,
      referenceFiles: [],
    });
  });

  it('rejects a bad payload with the field named', async () => {
    await expect(handler({ generate: { events: 'lots' } })).rejects.toThrow(
      /invalid producer request: generate\.events/,
    );
  });
});
