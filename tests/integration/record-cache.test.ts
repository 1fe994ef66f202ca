/**
 * `cacheRecords` (the dashboard server's engine): the record tables held in memory follow the
 * lake at each refresh, reading again only the run dates whose folder changed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../lib/engine/duckdb.ts';
import { PIPELINE_RUNS_PREFIX } from '../../lib/pipeline/run-records.ts';

let root: string;
let engine: DuckDbEngine;

function writeRun(runDate: string, runId: string, status: string): void {
  const dir = join(root, PIPELINE_RUNS_PREFIX, `run_date=${runDate}`);
  mkdirSync(dir, { recursive: true });
  // A new object in a run date's folder moves the folder's mtime, as the lake's writes do.
  writeFileSync(join(dir, `${runId}.json`), `${JSON.stringify({ run_id: runId, status })}\n`);
}

async function runs(): Promise<string[]> {
  const r = await engine.query(
    'SELECT run_date, run_id, status FROM pipeline_runs ORDER BY run_date, run_id',
  );
  return r.rows.map((x) => `${x.run_date} ${x.run_id} ${x.status}`);
}

/** Waits past the file system's timestamp granularity, so a folder's mtime visibly moves. */
const tick = () => new Promise((r) => setTimeout(r, 20));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'record-cache-'));
  engine = await DuckDbEngine.open({ lakeRoot: root, database: 'db', cacheRecords: true });
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('record tables cached in memory', () => {
  it('is empty and typed before any run, and loads what is there at the first refresh', async () => {
    expect(await runs()).toEqual([]);
    writeRun('2026-11-20', 'r1', 'SUCCEEDED');
    writeRun('2026-11-21', 'r2', 'FAILED');
    await engine.refresh();
    expect(await runs()).toEqual(['2026-11-20 r1 SUCCEEDED', '2026-11-21 r2 FAILED']);
  });

  it('does not see new objects until a refresh, then sees new and changed run dates', async () => {
    await tick();
    writeRun('2026-11-21', 'r3', 'SUCCEEDED');
    writeRun('2026-11-22', 'r4', 'RUNNING');
    expect(await runs()).toHaveLength(2); // a snapshot, not a glob at each query
    await engine.refresh();
    expect(await runs()).toEqual([
      '2026-11-20 r1 SUCCEEDED',
      '2026-11-21 r2 FAILED',
      '2026-11-21 r3 SUCCEEDED',
      '2026-11-22 r4 RUNNING',
    ]);
  });

  it('forgets a run date whose folder is gone', async () => {
    rmSync(join(root, PIPELINE_RUNS_PREFIX, 'run_date=2026-11-20'), { recursive: true });
    await engine.refresh();
    expect(await runs()).toEqual([
      '2026-11-21 r2 FAILED',
      '2026-11-21 r3 SUCCEEDED',
      '2026-11-22 r4 RUNNING',
    ]);
  });
});
