/** Runs the `lakehouse` CLI as a user does (tsx bin/lakehouse.ts), for the integration tests. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(ROOT, 'bin', 'lakehouse.ts');
/** tsx's loader (what `tsx` itself registers), by file URL: `--import tsx` resolves from the cwd. */
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

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

/**
 * The CLI as a child process left running (to interrupt or kill it; `pipe` to read it). It runs
 * in node with tsx's loader, not under the tsx command: that one relays a signal to its child and
 * kills it (exit 130) when the child takes over 60 ms to acknowledge, which a busy test machine
 * can do; a signal here reaches the CLI itself, as Ctrl-C in a terminal does.
 */
export function startLakehouse(
  args: readonly string[],
  opts: CliOptions,
  stdio: 'ignore' | 'pipe' = 'ignore',
): ChildProcess {
  return spawn(process.execPath, ['--import', TSX_LOADER, CLI, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio,
  });
}
