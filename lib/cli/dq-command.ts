/**
 * `lakehouse dq`: the data-quality results a run wrote (`dq_results`), worst first, read through
 * the local DuckDB engine; `--list` shows the declared checks (lib/dq/checks.ts with the config's
 * overrides). Exit 2 when the run shown has a failed critical check, so scripts can gate on it.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { databaseName } from '../config.ts';
import type { CheckStatus, Severity } from '../dq/check-spec.ts';
import { scopeOf } from '../dq/check-spec.ts';
import { checkId, resolveChecks } from '../dq/checks.ts';
import { num, str } from '../dq/compile.ts';
import { sortResults, STATUS_ORDER, type DqResult } from '../dq/evaluate.ts';
import { DuckDbEngine } from '../engine/duckdb.ts';
import { LAYERS } from '../engine/model.ts';
import { sqlString } from '../engine/wrap.ts';
import {
  CliError,
  config,
  lakeHome,
  lakeRoot,
  printJson,
  printTable,
  type CommonOptions,
} from './common.ts';

type Format = 'table' | 'json';

interface DqOptions extends Pick<CommonOptions, 'lake' | 'json'> {
  run?: string;
  format: Format;
  all?: boolean;
  list?: boolean;
}

/** A run that wrote results: its id, its `pipeline_runs` status (if recorded). */
interface DqRun {
  readonly runId: string;
  readonly status: string | null;
}

/** How many run ids an error message names. */
const NAMED_RUNS = 5;

/** Runs with results, newest first (run ids sort by start time), with their recorded status. */
const RUNS_SQL = `
SELECT r.run_id, p.status
FROM (SELECT run_id, max(checked_at) AS checked_at FROM dq_results GROUP BY run_id) r
LEFT JOIN (
  SELECT run_id, max_by(status, coalesce(finished_at, started_at)) AS status
  FROM pipeline_runs GROUP BY run_id
) p ON p.run_id = r.run_id
ORDER BY r.checked_at DESC, r.run_id DESC`;

const resultsSql = (runId: string) => `
SELECT run_id, checked_at, layer, table_name, check_name, kind, column_name, partition,
  observed, threshold, severity, status, failing_rows, rows_checked, message, details
FROM dq_results WHERE run_id = ${sqlString(runId)}`;

const runStatusSql = (runId: string) =>
  `SELECT status FROM pipeline_runs WHERE run_id = ${sqlString(runId)} LIMIT 1`;

/** A `dq_results` row as the engine returns it (BIGINT as strings), typed as written. */
function toResult(row: Record<string, unknown>): DqResult {
  return {
    run_id: String(row.run_id),
    checked_at: String(row.checked_at),
    layer: String(row.layer),
    table_name: String(row.table_name),
    check_name: String(row.check_name),
    kind: String(row.kind),
    column_name: str(row.column_name),
    partition: str(row.partition),
    observed: num(row.observed),
    threshold: Number(row.threshold),
    severity: String(row.severity) as Severity,
    status: String(row.status) as CheckStatus,
    failing_rows: num(row.failing_rows),
    rows_checked: num(row.rows_checked),
    message: String(row.message ?? ''),
    details: str(row.details),
  };
}

/** Counts and whole numbers as they are (grouped); ratios to 6 significant digits. */
export function formatNumber(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return n === null ? '-' : String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return String(Number(n.toPrecision(6)));
}

const STATUS_WORDS: Record<CheckStatus, string> = {
  fail: 'failed',
  warn: 'warned',
  skip: 'skipped',
  pass: 'passed',
};

export function statusCounts(results: readonly Pick<DqResult, 'status'>[]): string {
  const statuses = Object.keys(STATUS_ORDER) as CheckStatus[];
  return statuses
    .map((s) => `${results.filter((r) => r.status === s).length} ${STATUS_WORDS[s]}`)
    .join(', ');
}

/** The run's results, and the run itself (newest with results when no id is given). */
async function readResults(opts: DqOptions): Promise<{ run: DqRun; results: DqResult[] }> {
  const home = lakeHome(opts);
  const engine = await DuckDbEngine.open({
    lakeRoot: lakeRoot(home),
    database: databaseName(config()),
  });
  try {
    const runs = (await engine.query(RUNS_SQL)).rows.map((r): DqRun => ({
      runId: String(r.run_id),
      status: str(r.status),
    }));
    const newest = runs
      .slice(0, NAMED_RUNS)
      .map((r) => r.runId)
      .join(', ');
    if (runs.length === 0) {
      throw new CliError(
        `no data-quality results in ${lakeRoot(home)} yet: run the pipeline first ` +
          '(lakehouse run, or npm start)',
      );
    }
    let run = runs[0]!;
    if (opts.run !== undefined) {
      const found = runs.find((r) => r.runId === opts.run);
      if (!found) {
        const recorded = (await engine.query(runStatusSql(opts.run))).rows[0];
        throw new CliError(
          recorded
            ? `run ${opts.run} (${String(recorded.status)}) wrote no data-quality results ` +
                `(it built nothing, or stopped before its checks); runs with results, newest first: ${newest}`
            : `no run ${opts.run} in the results; the newest runs are: ${newest}`,
        );
      }
      run = found;
    }
    const results = (await engine.query(resultsSql(run.runId))).rows.map(toResult);
    return { run, results: sortResults(results) };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot read dq_results: ${(err as Error).message}`);
  } finally {
    await engine.close();
  }
}

function printResults(run: DqRun, results: readonly DqResult[], all: boolean): void {
  // In pipeline order (the gates run silver, gold, rfm, dq), then any other.
  const rank = (l: string) => {
    const i = (LAYERS as readonly string[]).indexOf(l);
    return i < 0 ? LAYERS.length : i;
  };
  const layers = [...new Set(results.map((r) => r.layer))]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .join(', ');
  console.log(
    `Run ${run.runId} ${run.status ?? '(no pipeline_runs record)'}: ` +
      `${results.length} result(s) (${layers}): ${statusCounts(results)}`,
  );
  const shown = all ? results : results.filter((r) => r.status !== 'pass');
  const passed = results.filter((r) => r.status === 'pass').length;
  if (shown.length > 0) {
    printTable(
      [
        'status',
        'severity',
        'layer',
        'table',
        'check',
        'column',
        'partition',
        'observed',
        'threshold',
        'message',
      ],
      shown.map((r) => [
        r.status.toUpperCase(),
        r.severity,
        r.layer,
        r.table_name,
        r.check_name,
        r.column_name ?? '',
        r.partition ?? '',
        formatNumber(r.observed),
        formatNumber(r.threshold),
        r.message,
      ]),
    );
  }
  if (!all && passed > 0) console.log(`${passed} passed (use --all to list them)`);
}

function listChecks(format: Format): void {
  const checks = resolveChecks(config().dq.checks).map((c) => ({
    id: checkId(c),
    kind: c.kind,
    severity: c.severity,
    threshold: c.threshold,
    scope: scopeOf(c),
    description: c.description,
  }));
  if (format === 'json') {
    printJson(checks);
    return;
  }
  printTable(
    ['id', 'kind', 'severity', 'threshold', 'scope', 'description'],
    checks.map((c) => [
      c.id,
      c.kind,
      c.severity,
      formatNumber(c.threshold),
      c.scope,
      c.description,
    ]),
  );
  console.log(`(${checks.length} checks; override them with dq.checks."<id>" in the config)`);
}

export function registerDq(program: Command): void {
  program
    .command('dq')
    .description(
      'data-quality results of the newest run (or --run), worst first; exit 2 when a critical check failed',
    )
    .option('--run <run id>', 'the results of this run (default: the newest run with results)')
    .option(
      '--format <format>',
      'table | json (an array of every result row, worst first)',
      (v) => {
        if (v !== 'table' && v !== 'json') throw new InvalidArgumentError('table or json');
        return v as Format;
      },
      'table' as Format,
    )
    .option('--json', 'same as --format json')
    .option('--all', 'list the passed results too (the table shows the others by default)')
    .option(
      '--list',
      'list the declared checks (id, kind, severity, threshold, scope); no lake needed',
    )
    .option('--lake <dir>', 'lake home (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .action(async (opts: DqOptions) => {
      const format: Format = opts.json ? 'json' : opts.format;
      if (opts.list) {
        if (opts.run !== undefined)
          throw new CliError('--list shows the checks, not a run: drop --run');
        listChecks(format);
        return;
      }
      const { run, results } = await readResults(opts);
      if (format === 'json') printJson(results);
      else printResults(run, results, opts.all ?? false);
      const failed = results.filter((r) => r.status === 'fail');
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new CliError(
          `${failed.length} critical check result(s) failed in run ${run.runId}` +
            ` (first: ${first.table_name}.${first.check_name})`,
          2,
        );
      }
    });
}
