/**
 * Synthesizes the lakehouse stack in-process and returns its CloudFormation template, for code
 * that needs deployed settings without running the CDK CLI (the local delivery stand-in reads
 * the Firehose settings with `firehoseSettingsFromTemplate`).
 *
 * By default the producer is not bundled (`aws:cdk:bundling-stacks` = []), which makes this a
 * sub-second call; pass `bundle: true` for the exact template `cdk synth` produces.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { LakehouseConfig } from '../config.ts';
import { DEFAULT_STACK_NAME, LakehouseStack } from './lakehouse-stack.ts';

export interface SynthOptions {
  readonly stackName?: string;
  /** Bundle the producer with esbuild (slower; the template is the same apart from asset hashes). */
  readonly bundle?: boolean;
}

export function synthesizeLakehouseTemplate(
  config: LakehouseConfig,
  opts: SynthOptions = {},
): Record<string, unknown> {
  const outdir = mkdtempSync(join(tmpdir(), 'lakehouse-synth-'));
  try {
    const app = new App({
      outdir,
      context: opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
    });
    const stack = new LakehouseStack(app, opts.stackName ?? DEFAULT_STACK_NAME, { config });
    return app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
