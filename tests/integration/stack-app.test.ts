/**
 * bin/app.ts as the CDK CLI runs it: a bad config ends with one line on stderr and exit code 1.
 * (No synth here: the app stops before building the stack.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

function runApp(context: Record<string, unknown>) {
  const outdir = mkdtempSync(join(tmpdir(), 'lakehouse-app-'));
  const { LAKEHOUSE_CONFIG: _ignored, ...env } = process.env;
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    timeout: 60_000,
  });
}

describe('bin/app.ts with bad input', () => {
  it('prints the config error on one line and exits 1', () => {
    const r = runApp({ config: JSON.stringify({ kinesis: { shardCount: 0 } }) });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: invalid configuration: kinesis\.shardCount: /);
    expect(r.stderr).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
  });

  it('rejects context that is not JSON the same way', () => {
    const r = runApp({ config: '{"kinesis":', localstack: 'true' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: invalid context config: not JSON/),
    ]);
  });
});
