/**
 * The pipeline state machine on the laptop, end to end: the definition `cdk synth` emits is the
 * one `lakehouse run` executes; a failure injected in a model leaves published tables and the
 * watermark as they were, marks the run FAILED in pipeline_runs, and the next run picks the same
 * partitions up; a second run while one holds the lock ends without building.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { resolveStateMachine, type Template } from '../../lib/local/asl.ts';
import { runLocalIngest } from '../../lib/local/ingest.ts';
import { localDefinition, openLocalPipeline } from '../../lib/local/local-pipeline.ts';
import { runStateMachineLocally } from '../../lib/local/state-machine-runner.ts';
import type { PipelinePlan } from '../../lib/pipeline/handlers.ts';
import { LOCK_KEY, WATERMARK_KEY } from '../../lib/pipeline/run-records.ts';
import { REPO_ROOT } from '../../lib/engine/model.ts';
import { runLakehouse } from '../helpers/lakehouse-cli.ts';

const config = loadConfig();
const work = mkdtempSync(join(tmpdir(), 'lakehouse-pipeline-'));
const home = join(work, 'home');
const lake = join(home, 'lake');
const cacheDir = join(home, 'cache');

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Ingests `events` generated events ending at `end` into the lake. */
async function ingest(events: number, end: string, seed: number) {
  return runLocalIngest({
    config,
    lakeRoot: lake,
    cacheDir,
    requests: [{ generate: { events, days: 1, end, seed } }],
  });
}

/** One local execution of the synthesized definition; `fail` makes one model's statements fail. */
async function run(opts: { fail?: string; input?: object } = {}) {
  const definition = await localDefinition(config, { cacheDir });
  const pipeline = await openLocalPipeline(lake, config);
  let plan: PipelinePlan | undefined;
  try {
    const result = await runStateMachineLocally({
      definition,
      handlers: pipeline.handlers,
      input: opts.input ?? {},
      engine: {
        runStatement: async (sql, signal) => {
          if (opts.fail && sql.includes(`"${opts.fail}__stg_`)) {
            throw new Error(`injected failure in ${opts.fail}`);
          }
          return pipeline.engine.runStatement(sql, signal);
        },
      },
      onEvent: (e) => {
        if (e.type === 'StateExited' && e.state.name === 'PlanRun') {
          plan = e.state.output as unknown as PipelinePlan;
        }
      },
    });
    return { result, plan };
  } finally {
    await pipeline.close();
  }
}

/** Planned partitions per model. */
const partitionsOf = (plan: PipelinePlan | undefined) =>
  Object.fromEntries(
    (plan?.layers ?? []).flatMap((l) =>
      l.waves.flatMap((w) => w.models.map((t) => [t.model, t.partitions])),
    ),
  );

/** The published catalog entries (staging tables left out), as text. */
function published(): Record<string, string> {
  const dir = join(lake, '_catalog');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.includes('__stg_'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

function sql<T>(query: string): T[] {
  const r = runLakehouse(['sql', query, '--format', 'json'], {
    cwd: work,
    env: { LAKEHOUSE_HOME: home },
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as T[];
}

describe('the pipeline state machine, locally', () => {
  const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();

  beforeAll(async () => {
    await ingest(4_000, end, 1);
    const first = await run();
    expect(first.result.status, JSON.stringify(first.result.error)).toBe('SUCCEEDED');
  }, 180_000);

  it('executes exactly the definition cdk synth writes to cdk.out', () => {
    const out = join(work, 'cdk.out');
    const synth = spawnSync(
      join(REPO_ROOT, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--output', out],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 240_000 },
    );
    expect(synth.status, synth.stderr).toBe(0);
    const file = join(out, 'EcommerceLakehouse.template.json');
    const fromCdkOut = resolveStateMachine(JSON.parse(readFileSync(file, 'utf8')) as Template);
    // What `lakehouse run` executes without --template: the same document, state for state.
    return localDefinition(config, { cacheDir: join(work, 'fresh-cache') }).then((ours) => {
      expect(ours.definition).toEqual(fromCdkOut.definition);
      expect(ours.functions).toEqual(fromCdkOut.functions);
      // And `lakehouse run --template cdk.out/...` runs that file as it is.
      const r = runLakehouse(['run', '--template', file, '--json'], {
        cwd: work,
        env: { LAKEHOUSE_HOME: home },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'SUCCEEDED' });
    });
  }, 300_000);

  it('a failure in a model publishes nothing, keeps the watermark, records FAILED; the next run redoes it', async () => {
    await ingest(1_500, end, 2);
    const watermark = readFileSync(join(lake, WATERMARK_KEY), 'utf8');
    const before = published();

    const failed = await run({ fail: 'silver_events' });
    expect(failed.result.status).toBe('FAILED');
    expect(failed.result.failure?.state).toBe('Query');
    expect(failed.result.error?.error).toBe('PipelineFailed');
    expect(failed.result.error?.cause).toContain('injected failure in silver_events');
    // Nothing published: silver_event_lines was staged before silver_events failed, yet its
    // published entry did not change.
    expect(published()).toEqual(before);
    expect(readFileSync(join(lake, WATERMARK_KEY), 'utf8')).toBe(watermark);
    expect(existsSync(join(lake, LOCK_KEY))).toBe(false);
    expect(readdirSync(join(lake, '_catalog')).filter((f) => f.includes('__stg_'))).toEqual([]);
    const runId = failed.plan!.runId;
    const rows = sql<{ status: string; error: string }>(
      `SELECT status, error FROM pipeline_runs WHERE run_id = '${runId}'`,
    );
    expect(rows).toEqual([
      { status: 'FAILED', error: expect.stringContaining('injected failure in silver_events') },
    ]);

    const retried = await run();
    expect(retried.result.status).toBe('SUCCEEDED');
    expect(partitionsOf(retried.plan)).toEqual(partitionsOf(failed.plan));
    expect(readFileSync(join(lake, WATERMARK_KEY), 'utf8')).not.toBe(watermark);
    const rec = sql<{ unaccounted: number }>(
      'SELECT sum(unaccounted) AS unaccounted FROM (' +
        readFileSync(join(REPO_ROOT, 'athena/queries/silver_reconciliation.sql'), 'utf8') +
        ')',
    );
    expect(Number(rec[0]!.unaccounted)).toBe(0);
  }, 240_000);

  it('ends at once, building nothing, while another live run holds the lock', async () => {
    const lock = {
      runId: '20990101T000000Z-other',
      executionName: 'other',
      startedAt: new Date().toISOString(),
      owner: { host: hostname(), pid: process.pid },
    };
    writeFileSync(join(lake, LOCK_KEY), JSON.stringify(lock));
    try {
      const r = await run();
      expect(r.result.status).toBe('SUCCEEDED');
      expect(r.plan?.skip).toBe(true);
      expect(r.plan?.reason).toContain(lock.runId);
      expect(JSON.parse(readFileSync(join(lake, LOCK_KEY), 'utf8'))).toEqual(lock);
    } finally {
      rmSync(join(lake, LOCK_KEY), { force: true });
    }
  }, 120_000);

  it('lakehouse run exits 1 naming the failing state and its message', () => {
    const file = join(lake, WATERMARK_KEY);
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, JSON.stringify({ highMark: 42 }));
    try {
      const r = runLakehouse(['run'], { cwd: work, env: { LAKEHOUSE_HOME: home } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/run failed in state PlanRun: .*watermark\.json is not a watermark/);
      expect(r.stdout).toMatch(/failing state: PlanRun/);
      expect(existsSync(join(lake, LOCK_KEY))).toBe(false);
    } finally {
      writeFileSync(file, good);
    }
  }, 120_000);

  it('a run with nothing new plans nothing and records a SUCCEEDED run', async () => {
    const r = await run();
    expect(r.result.status).toBe('SUCCEEDED');
    expect(r.plan?.layers).toEqual([]);
    const rows = sql<{ status: string; models_built: number }>(
      `SELECT status, models_built FROM pipeline_runs WHERE run_id = '${r.plan!.runId}'`,
    );
    expect(rows.map((x) => [x.status, Number(x.models_built)])).toEqual([['SUCCEEDED', 0]]);
  }, 120_000);
});
