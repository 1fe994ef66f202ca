/** Runs the `lakehouse` CLI as a user does (tsx bin/lakehouse.ts), for the integration tests. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(ROOT, 'bin', 'lakehouse.ts');

export interface CliOptions {
  cwd: string;
  /** Extra environment (e.g. LAKEHOUSE_HOME, LAKEHOUSE_CONFIG) on top of this process's. */
  env?: NodeJS.ProcessEnv;
  /** Text for stdin. */
  input?: string;
  timeoutMs?: number;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runLakehouse(args: readonly string[], opts: CliOptions): CliResult {
  const r = spawnSync(TSX, [CLI, ...args], {
    cwd: opts.cwd,
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    input: opts.input,
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI as a child process left running (to interrupt or kill it; `pipe` to read it). */
export function startLakehouse(
  args: readonly string[],
  opts: CliOptions,
  stdio: 'ignore' | 'pipe' = 'ignore',
): ChildProcess {
  return spawn(TSX, [CLI, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio,
  });
}
