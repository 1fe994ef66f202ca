/**
 * `lakehouse dq` as a user runs it: on a real lake (ingest, then the pipeline), plus a newer
 * failed run written by hand (a critical check failed: the pipeline records FAILED and its
 * results anyway).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DqResult } from '../../lib/dq/evaluate.ts';
import { runIdFor, type PipelineRunRow } from '../../lib/pipeline/run-records.ts';
import { runLakehouse } from '../helpers/lakehouse-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'lakehouse-dq-'));
const home = join(work, 'home');
const dqDir = join(home, 'lake', 'dq');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function lakehouse(...args: string[]) {
  return runLakehouse(args, { cwd: work, env: { LAKEHOUSE_HOME: home } });
}

const jsonLines = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Every `dq_results` row the lake holds for a run (all layers). */
function resultsOnDisk(runId: string): DqResult[] {
  const root = join(dqDir, 'dq_results');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.startsWith(`${runId}-`))
    .flatMap((e) =>
      readFileSync(join(e.parentPath, e.name), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as DqResult),
    );
}

// The hand-written failed run: an hour after the real one, so it is the newest.
const failedStart = new Date(Date.now() + 3_600_000);
const failedRun = runIdFor({ name: 'local-failed-dq', startTime: failedStart.toISOString() });
const runDate = failedStart.toISOString().slice(0, 10);
const result = (over: Partial<DqResult>): DqResult => ({
  run_id: failedRun,
  checked_at: new Date(failedStart.getTime() + 1000).toISOString(),
  layer: 'silver',
  table_name: 'silver_events',
  check_name: 'unique_event_id',
  kind: 'unique',
  column_name: 'event_id',
  partition: '2026-11-21',
  observed: 0,
  threshold: 0,
  severity: 'critical',
  status: 'pass',
  failing_rows: 0,
  rows_checked: 1200,
  message: '1,200 row(s), each event_id once',
  details: null,
  ...over,
});
// Written best first, so that any order the command prints is its own doing.
const failedResults: DqResult[] = [
  result({}),
  result({
    check_name: 'freshness',
    kind: 'freshness',
    column_name: 'event_ts',
    partition: null,
    observed: null,
    threshold: 180,
    severity: 'warn',
    status: 'skip',
    failing_rows: null,
    rows_checked: null,
    message: 'skipped: silver_events has no rows',
  }),
  result({
    check_name: 'late_arrivals',
    kind: 'range',
    column_name: 'arrival_delay_minutes',
    partition: null,
    observed: 0.0712345678,
    threshold: 0.05,
    severity: 'warn',
    status: 'warn',
    failing_rows: 85,
    message: '85 of 1,200 row(s) with arrival_delay_minutes above 30',
  }),
  result({
    table_name: 'silver_event_lines',
    check_name: 'duplicate_rate',
    partition: null,
    observed: 0.25,
    threshold: 0.05,
    status: 'fail',
    failing_rows: 300,
    message: '300 repeated row(s): 1,200 row(s), 900 distinct event_id',
  }),
];

let realRun = '';

beforeAll(() => {
  const ingest = lakehouse('ingest', '--events', '3000', '--days', '2', '--json');
  expect(ingest.code, ingest.stderr).toBe(0);
  const run = lakehouse('run', '--json');
  expect(run.code, run.stderr).toBe(0);
  realRun = (JSON.parse(run.stdout) as { runId: string }).runId;

  const failedRow: PipelineRunRow = {
    run_id: failedRun,
    execution_name: 'local-failed-dq',
    status: 'FAILED',
    started_at: failedStart.toISOString(),
    finished_at: new Date(failedStart.getTime() + 2000).toISOString(),
    duration_seconds: 2,
    window_start: null,
    window_end: null,
    request: 'scheduled',
    new_objects: 3,
    listed_objects: 3,
    models_built: 0,
    partitions_written: 0,
    partitions_removed: 0,
    rows_written: 0,
    bytes_scanned: 0,
    error: 'Gate: a critical check failed',
  };
  for (const [table, name, rows] of [
    ['dq_results', `${failedRun}-silver.json`, failedResults],
    ['pipeline_runs', `${failedRun}.json`, [failedRow]],
  ] as const) {
    const dir = join(dqDir, table, `run_date=${runDate}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), jsonLines(rows));
  }
}, 120_000);

describe('lakehouse dq', () => {
  it('shows the newest run worst first, passes summarized, and exits 2 on a failed check', () => {
    const r = lakehouse('dq');
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(
      `Run ${failedRun} FAILED: 4 result(s) (silver): 1 failed, 1 warned, 1 skipped, 1 passed`,
    );
    expect(lines[1]).toMatch(
      /^\s*status\s+severity\s+layer\s+table\s+check\s+column\s+partition\s+observed\s+threshold\s+message$/,
    );
    const fail = lines.findIndex((l) =>
      /^\s*FAIL\s+critical\s+silver\s+silver_event_lines\s+duplicate_rate\s/.test(l),
    );
    const warn = lines.findIndex((l) =>
      /^\s*WARN\s+warn\s+silver\s+silver_events\s+late_arrivals\s/.test(l),
    );
    const skip = lines.findIndex((l) => /^\s*SKIP\s.*\sfreshness\s/.test(l));
    expect(fail).toBeGreaterThan(1);
    expect(warn).toBeGreaterThan(fail);
    expect(skip).toBeGreaterThan(warn);
    // Ratios to 6 significant digits; a skipped check has no observed value.
    expect(lines[warn]).toMatch(/\s0\.0712346\s+0\.05\s+85 of 1,200 row\(s\)/);
    expect(lines[skip]).toMatch(/\s-\s+180\s+skipped: /);
    expect(r.stdout).not.toMatch(/unique_event_id/);
    expect(lines.at(-2)).toBe('1 passed (use --all to list them)');
    expect(r.stdout).not.toContain(realRun);
    expect(r.stderr.trim()).toBe(
      `lakehouse: 1 critical check result(s) failed in run ${failedRun} (first: silver_event_lines.duplicate_rate)`,
    );
  });

  it('--all lists the passed results too', () => {
    const r = lakehouse('dq', '--all');
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^\s*PASS\s+critical\s+silver\s+silver_events\s+unique_event_id\s+event_id\s+2026-11-21\s/,
    );
    expect(r.stdout).not.toMatch(/use --all/);
  });

  it('--format json is every row, worst first, and nothing else on stdout', () => {
    const r = lakehouse('dq', '--format', 'json');
    expect(r.code).toBe(2);
    const rows = JSON.parse(r.stdout) as DqResult[];
    expect(rows.map((x) => `${x.status} ${x.check_name}`)).toEqual([
      'fail duplicate_rate',
      'warn late_arrivals',
      'skip freshness',
      'pass unique_event_id',
    ]);
    // As written: numbers stay numbers (the engine returns BIGINT as strings).
    expect(rows[1]).toEqual(failedResults[2]);
    expect(rows[2]).toEqual(failedResults[1]);
  });

  it('--run shows an older run; a run with only warnings exits 0', () => {
    const onDisk = resultsOnDisk(realRun);
    expect(onDisk.length).toBeGreaterThan(100);
    expect(onDisk.some((x) => x.status === 'fail')).toBe(false);
    const passed = onDisk.filter((x) => x.status === 'pass').length;
    const others = onDisk.length - passed;

    const r = lakehouse('dq', '--run', realRun);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const count = (status: string) => onDisk.filter((x) => x.status === status).length;
    // The layers the run audited, in pipeline order.
    const layers = ['silver', 'gold', 'rfm', 'dq'].filter((l) => onDisk.some((x) => x.layer === l));
    expect(layers.slice(0, 2)).toEqual(['silver', 'gold']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      `Run ${realRun} SUCCEEDED: ${onDisk.length} result(s) (${layers.join(', ')}): ` +
        `0 failed, ${count('warn')} warned, ${count('skip')} skipped, ${passed} passed`,
    );
    // Header, column names, rule, the non-passing rows, the passes in one line.
    expect(lines).toHaveLength(3 + others + 1);
    expect(lines.at(-1)).toBe(`${passed} passed (use --all to list them)`);
    expect(r.stdout).not.toContain(failedRun);

    const json = lakehouse('dq', '--run', realRun, '--json');
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as DqResult[];
    expect(rows).toHaveLength(onDisk.length);
    expect(new Set(rows.map((x) => x.run_id))).toEqual(new Set([realRun]));
    const order = { fail: 0, warn: 1, skip: 2, pass: 3 };
    const ranks = rows.map((x) => order[x.status]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('names the newest runs for an unknown --run, exit 1', () => {
    const r = lakehouse('dq', '--run', '20200101T000000Z-nope');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      `lakehouse: no run 20200101T000000Z-nope in the results; the newest runs are: ${failedRun}, ${realRun}`,
    );
  });

  it('says to run the pipeline first on a lake without results, exit 1', () => {
    const r = lakehouse('dq', '--lake', join(work, 'empty'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^lakehouse: no data-quality results in .*empty.lake yet: .*lakehouse run, or npm start/,
    );
  });

  it('--list shows the declared checks, with the config overrides', () => {
    const r = lakehouse('dq', '--list', '--lake', join(work, 'nowhere'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\s*id\s+kind\s+severity\s+threshold\s+scope\s+description$/m);
    expect(r.stdout).toMatch(
      /^\s*silver_event_lines\.duplicate_rate\s+unique\s+critical\s+0\.05\s+run\s+valid lines delivered more than once/m,
    );
    expect(r.stdout).toMatch(/^\s*silver_events\.freshness\s+freshness\s+warn\s+180\s+table\s/m);

    writeFileSync(
      join(work, 'dq-config.json'),
      JSON.stringify({
        dq: {
          checks: {
            'silver_event_lines.duplicate_rate': { severity: 'warn', threshold: 0.1 },
            'silver_events.freshness': { enabled: false },
          },
        },
      }),
    );
    const o = runLakehouse(['dq', '--list', '--format', 'json'], {
      cwd: work,
      env: { LAKEHOUSE_HOME: home, LAKEHOUSE_CONFIG: join(work, 'dq-config.json') },
    });
    expect(o.code, o.stderr).toBe(0);
    const checks = JSON.parse(o.stdout) as { id: string; severity: string; threshold: number }[];
    expect(checks.find((c) => c.id === 'silver_event_lines.duplicate_rate')).toEqual({
      id: 'silver_event_lines.duplicate_rate',
      kind: 'unique',
      severity: 'warn',
      threshold: 0.1,
      scope: 'run',
      description: expect.stringMatching(/^valid lines delivered more than once/) as unknown,
    });
    expect(checks.map((c) => c.id)).not.toContain('silver_events.freshness');
    expect(checks.map((c) => c.id)).toContain('silver_events.unique_event_id');
  });
});
