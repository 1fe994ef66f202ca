import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { lakeHome, printJson, type CommonOptions } from './common.ts';
import { DEFAULT_PORT } from './serve-command.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What does not work while this check is not ok. */
  disables?: string;
}

/** Port the local dashboard (`lakehouse serve`) listens on by default. */
export const MIN_NODE = [20, 19] as const;

export function chromiumPath(env = process.env): string | null {
  const candidates = [env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => !!p && existsSync(p)) ?? null;
}

function listen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function run(cmd: string, args: string[]): Promise<boolean> {
  try {
    await promisify(execFile)(cmd, args, { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

export async function runChecks(home: string): Promise<Check[]> {
  const checks: Check[] = [];
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const nodeOk = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  checks.push({
    name: 'node',
    status: nodeOk ? 'ok' : 'fail',
    detail: `v${process.versions.node}${nodeOk ? '' : `; ${MIN_NODE.join('.')} or newer is required`}`,
    disables: nodeOk ? undefined : 'everything',
  });

  try {
    const cfg = loadConfig();
    checks.push({
      name: 'config',
      status: 'ok',
      detail: `valid (${process.env.LAKEHOUSE_CONFIG ?? 'defaults + lakehouse.config.json if present'}); project ${cfg.project}`,
    });
  } catch (err) {
    checks.push({
      name: 'config',
      status: 'fail',
      detail: (err as Error).message,
      disables: 'every command that reads the configuration',
    });
  }

  try {
    await mkdir(home, { recursive: true });
    const probe = join(home, `.doctor-${process.pid}`);
    await writeFile(probe, 'ok');
    await rm(probe);
    const fs = await statfs(home);
    const freeGiB = (fs.bavail * fs.bsize) / 2 ** 30;
    checks.push({
      name: 'lake folder',
      status: freeGiB < 2 ? 'warn' : 'ok',
      detail: `${home} writable, ${freeGiB.toFixed(1)} GiB free${freeGiB < 2 ? ' (2 GiB recommended)' : ''}`,
      disables: freeGiB < 2 ? 'large ingests may run out of disk' : undefined,
    });
  } catch (err) {
    checks.push({
      name: 'lake folder',
      status: 'fail',
      detail: `${home} is not writable: ${(err as Error).message}`,
      disables: 'ingest, load and every build (set --lake or LAKEHOUSE_HOME)',
    });
  }

  const loopback = await listen(0);
  checks.push({
    name: 'loopback ports',
    status: loopback ? 'ok' : 'fail',
    detail: loopback ? 'can listen on 127.0.0.1' : 'cannot listen on 127.0.0.1',
    disables: loopback ? undefined : 'the local Kinesis stand-in, hence ingest and load',
  });
  const dash = await listen(DEFAULT_PORT);
  checks.push({
    name: 'dashboard port',
    status: dash ? 'ok' : 'warn',
    detail: `127.0.0.1:${DEFAULT_PORT} ${dash ? 'is free' : 'is in use'}`,
    disables: dash
      ? undefined
      : 'the dashboard on its default port (`serve` takes the next free one, or --port N)',
  });

  // The embedded engine: native binding loads, and the Trino shims apply.
  try {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { prepareConnection } = await import('../engine/duckdb-compat.ts');
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    await prepareConnection(conn);
    const version = (await conn.runAndReadAll('SELECT version() AS v')).getRowObjects()[0]!.v;
    conn.closeSync();
    instance.closeSync();
    checks.push({ name: 'duckdb', status: 'ok', detail: `${String(version)}, Trino shims loaded` });
  } catch (err) {
    checks.push({
      name: 'duckdb',
      status: 'fail',
      detail: (err as Error).message.split('\n')[0]!,
      disables: 'lakehouse build and sql (the SQL layers on this machine)',
    });
  }

  const gib = totalmem() / 2 ** 30;
  checks.push({
    name: 'memory',
    status: gib < 4 ? 'warn' : 'ok',
    detail: `${gib.toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free`,
    disables: gib < 4 ? 'the default 1,000,000-event dataset may not fit; use --events' : undefined,
  });

  const chromium = chromiumPath();
  checks.push({
    name: 'chromium',
    status: chromium ? 'ok' : 'warn',
    detail: chromium ?? 'not found (apt-get install chromium, or set CHROMIUM_PATH)',
    disables: chromium ? undefined : 'browser tests (tests/e2e) and dashboard screenshots',
  });

  const dockerCli = await run('docker', ['--version']);
  const dockerUp = dockerCli && (await run('docker', ['info']));
  checks.push({
    name: 'docker',
    status: dockerUp ? 'ok' : 'warn',
    detail: dockerUp
      ? 'engine running'
      : dockerCli
        ? 'client found, no engine running'
        : 'not found',
    disables: dockerUp
      ? undefined
      : 'LocalStack (docker-compose.yml, scripts/localstack-deploy.sh) and tests/localstack',
  });
  return checks;
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check this machine: Node, lake folder, ports, DuckDB, memory, chromium, docker')
    .option('--json', 'print one JSON summary object on stdout and nothing else')
    .option('--lake <dir>', 'lakehouse folder (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .action(async (opts: CommonOptions) => {
      const checks = await runChecks(lakeHome(opts));
      const ok = checks.every((c) => c.status !== 'fail');
      if (opts.json) {
        printJson({ command: 'doctor', ok, checks });
      } else {
        const w = Math.max(...checks.map((c) => c.name.length));
        for (const c of checks) {
          console.log(`${MARK[c.status]} ${c.name.padEnd(w)}  ${c.detail}`);
          if (c.disables) console.log(`  ${' '.repeat(w)}  without it: ${c.disables}`);
        }
        console.log(
          ok
            ? '\nReady: `npm start` runs the whole pipeline.'
            : '\nNot ready: fix the ✗ lines above.',
        );
      }
      if (!ok) process.exitCode = 1;
    });
}
