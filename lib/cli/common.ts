/** Shared pieces of the `lakehouse` CLI: lake location, output modes, progress, errors. */
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { ConfigError, loadConfig, type LakehouseConfig } from '../config.ts';

/** An error the user can act on: printed as one line, with this exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface CommonOptions {
  json?: boolean;
  lake?: string;
}

/** `--lake DIR`, else `LAKEHOUSE_HOME`, else `./.lakehouse`. */
export function lakeHome(opts: CommonOptions, env = process.env): string {
  return resolve(opts.lake ?? env.LAKEHOUSE_HOME ?? '.lakehouse');
}

/** The folder that mirrors the S3 lake bucket. */
export function lakeRoot(home: string): string {
  return resolve(home, 'lake');
}

export function config(): LakehouseConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

export function intArg(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export function isoArg(value: string): string {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError('expected an ISO date or date-time, e.g. 2026-11-20T00:00:00Z');
  }
  return d.toISOString();
}

/** Writes the one JSON summary object `--json` promises on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const secs = (s: number) => `${s.toFixed(1)} s`;

/**
 * Progress on stderr: a bar on a terminal; in a log (CI, a pipe) a plain line every 10 seconds;
 * nothing with --json.
 */
export function progressBar(opts: CommonOptions, label: string, total: number, unit = 'lines') {
  if (opts.json) return { update: (_v: number, _p?: object) => {}, stop: () => {} };
  if (!process.stderr.isTTY) {
    const t0 = performance.now();
    let last = t0;
    return {
      update: (value: number, _p?: object) => {
        const now = performance.now();
        if (now - last < 10_000) return;
        last = now;
        const rate = value / ((now - t0) / 1000);
        process.stderr.write(
          unit === '%'
            ? `${label}: ${Math.round(value)}%\n`
            : `${label}: ${fmt(value)} of about ${fmt(total)} ${unit} (${fmt(rate)}/s)\n`,
        );
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format:
        unit === '%'
          ? `${label} [{bar}] {percentage}% | ETA {eta_formatted}`
          : `${label} [{bar}] {percentage}% | {value}/{total} {unit} | {rate}/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      formatValue: (v: number, _o: object, type: string) =>
        type === 'value' || type === 'total' ? fmt(v) : String(v),
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  bar.start(total, 0, { unit, rate: '0' });
  return {
    update: (value: number, payload: object = {}) =>
      bar.update(Math.min(value, total), {
        rate: fmt(value / Math.max(0.001, (performance.now() - t0) / 1000)),
        ...payload,
      }),
    stop: () => bar.stop(),
  };
}

/** Prints aligned `label  value` rows. */
export function printRows(rows: [string, string][]): void {
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
}

/** A plain aligned table (numbers right-aligned), as lines. */
export function formatTable(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = head.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d,.]+$|^-$/.test(r[i] ?? '')),
  );
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export function printTable(head: string[], rows: string[][]): void {
  for (const l of formatTable(head, rows)) console.log(l);
}

/**
 * Makes `handler` the one Ctrl-C handler (instead of the CLI's "interrupted", exit 130). The new
 * one is added before the old ones go, so the process never has none: under tsx, a SIGINT that
 * arrives while a process has no listener ends it with 130.
 */
export function replaceSigint(handler: () => void): void {
  const previous = process.listeners('SIGINT');
  process.on('SIGINT', handler);
  for (const l of previous) process.removeListener('SIGINT', l);
}
