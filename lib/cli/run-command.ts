/**
 * `lakehouse run`: executes the pipeline's state machine, the definition `cdk synth` emits, on
 * this machine (lib/local/state-machine-runner.ts): the Lambda tasks call the same handlers
 * in-process, the Athena tasks run the same SQL on DuckDB. `--watch` keeps ingesting and runs it
 * on the schedule, as the account does. `lakehouse build` is the same run, restricted to layers.
 */
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { LakehouseConfig } from '../config.ts';
import type { AuditSummary } from '../dq/audit.ts';
import { summarizeSilver, type BuildSummary } from '../pipeline/silver-summary.ts';
import { LAYERS, type Layer } from '../engine/model.ts';
import { parseWriteStatement, STAGING_MARK } from '../engine/statements.ts';
import { BRONZE_PREFIX } from '../lake-layout.ts';
import { localDefinition, openLocalPipeline } from '../local/local-pipeline.ts';
import {
  runStateMachineLocally,
  type EventLog,
  type LocalRunResult,
} from '../local/state-machine-runner.ts';
import type { PipelinePlan, RunSummary } from '../pipeline/handlers.ts';
import { checkRequest, type RunRequest } from '../pipeline/plan.ts';
import {
  CliError,
  config,
  fmt,
  lakeHome,
  lakeRoot,
  printJson,
  printTable,
  progressBar,
  secs,
  type CommonOptions,
} from './common.ts';

export interface RunOptions extends CommonOptions {
  layer?: Layer[];
  models?: string[];
  dates?: string[];
  fullRefresh?: boolean;
  threads?: number;
  /** A synthesized template to take the definition from (default: synthesize, cached). */
  template?: string;
  /** Print nothing while running (the caller prints the summary). */
  quiet?: boolean;
}

export interface PipelineRunReport extends BuildSummary {
  readonly executionName: string;
  readonly runId: string | null;
  readonly status: LocalRunResult['status'];
  /** The plan's own words: models to build, nothing new, or another run in progress. */
  readonly plan: string;
  readonly skipped: boolean;
  readonly newObjects: number;
  readonly bytesScanned: number;
  readonly failure?: LocalRunResult['failure'];
  readonly error?: string;
  readonly emptyLake: boolean;
  readonly notifications: { subject: string; message: string }[];
  /** The data-quality audit of each layer the run staged (in order). */
  readonly audits: AuditSummary[];
}

export function datesArg(value: string): string[] {
  const dates = value
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  for (const d of dates) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) {
      throw new InvalidArgumentError(`'${d}' is not a date (YYYY-MM-DD)`);
    }
  }
  if (dates.length === 0) throw new InvalidArgumentError('no dates given');
  return [...new Set(dates)].sort();
}

/** `silver,gold` → those layers; `all` → every layer. */
function layersArg(value: string): Layer[] {
  const layers = value.split(',').map((l) => l.trim());
  if (layers.length === 1 && layers[0] === 'all') return [...LAYERS];
  for (const l of layers) {
    if (!(LAYERS as readonly string[]).includes(l)) {
      throw new InvalidArgumentError(`unknown layer '${l}' (layers: ${LAYERS.join(', ')}, or all)`);
    }
  }
  return layers as Layer[];
}

const listArg = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

const threadsArg = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number ≥ 1');
  return n;
};

/** Runs the state machine once on the local lake and summarizes what it did. */
export async function runPipeline(opts: RunOptions): Promise<PipelineRunReport> {
  const home = lakeHome(opts);
  return runPipelineAt(lakeRoot(home), join(home, 'cache'), config(), opts);
}

/** `runPipeline` on a lake folder (`cacheDir` keeps the resolved definition). */
export async function runPipelineAt(
  lake: string,
  cacheDir: string,
  cfg: LakehouseConfig,
  opts: RunOptions,
): Promise<PipelineRunReport> {
  const definition = await localDefinition(cfg, {
    cacheDir,
    ...(opts.template ? { template: opts.template } : {}),
  });
  const pipeline = await openLocalPipeline(lake, cfg, { threads: opts.threads });
  const started = performance.now();
  const say = (line: string) => {
    if (!opts.json && !opts.quiet) process.stderr.write(`${line}\n`);
  };
  try {
    const request: RunRequest = {
      ...(opts.fullRefresh ? { fullRefresh: true } : {}),
      ...(opts.dates ? { dates: opts.dates } : {}),
    };
    const selected = [...(opts.models ?? [])];
    // Every layer is no restriction at all (nothing is left pending).
    if (opts.layer && !LAYERS.every((l) => opts.layer!.includes(l))) {
      selected.push(
        ...pipeline.models.filter((m) => opts.layer!.includes(m.layer)).map((m) => m.name),
      );
      if (selected.length === 0) throw new CliError(`no models in layer ${opts.layer.join(', ')}`);
    }
    const finalRequest: RunRequest = selected.length
      ? { ...request, models: [...new Set(selected)] }
      : request;
    // Bad arguments are the caller's mistake, not a failed run: say so before starting one.
    try {
      checkRequest(finalRequest, pipeline.models);
    } catch (err) {
      throw new CliError((err as Error).message);
    }

    let plan: PipelinePlan | undefined;
    const audits: AuditSummary[] = [];
    let summary: RunSummary | undefined;
    const notifications: { subject: string; message: string }[] = [];
    let bar: ReturnType<typeof progressBar> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const stopBar = () => {
      clearInterval(timer);
      bar?.update(100);
      bar?.stop();
      bar = undefined;
    };
    const onEvent = (e: EventLog) => {
      if (e.type === 'StateExited' && e.state.name === 'PlanRun') {
        const out = e.state.output as unknown as Partial<PipelinePlan> | null;
        // A planner that failed exits with its input and the error (the Catch path).
        if (!out || !Array.isArray(out.layers)) return;
        plan = out as PipelinePlan;
        say(
          `▸ plan: ${plan.reason}${plan.newObjects ? ` (${fmt(plan.newObjects)} new objects)` : ''}`,
        );
        for (const l of plan.layers) {
          for (const w of l.waves) {
            say(
              `    ${l.layer}, wave ${w.index + 1}: ${w.models
                .map(
                  (t) =>
                    `${t.model} (${t.partitions ? `${t.partitions.length} partitions` : 'table'}, ${t.reason})`,
                )
                .join(', ')}`,
            );
          }
        }
      } else if (e.type === 'StateEntered' && e.state.name === 'Audit') {
        const input = e.state.input as { layer?: string } | null;
        say(`▸ checks: ${input?.layer ?? ''} (data quality, on the staging tables)`);
      } else if (e.type === 'StateExited' && e.state.name === 'Audit') {
        const a = (e.state.output as { audit?: { summary?: AuditSummary } } | null)?.audit?.summary;
        if (a) {
          audits.push(a);
          say(`  ${a.passed ? '✓' : '✗'} ${a.message.split('\n')[0]}`);
          for (const f of a.findings) say(`    ${f}`);
        }
      } else if (e.type === 'StateEntered' && e.state.name === 'Publish' && plan?.layers.length) {
        say(
          '▸ publish: every layer is staged and passed its checks; pointing the tables at the new data',
        );
      } else if (e.type === 'StateExited' && e.state.name === 'PublishModel') {
        const r = e.state.output as { model?: string; partitions?: number; rows?: number };
        say(`  ✓ ${r.model}: ${fmt(r.partitions ?? 0)} partition(s), ${fmt(r.rows ?? 0)} rows`);
      } else if (
        e.type === 'StateExited' &&
        (e.state.name === 'Record' || e.state.name === 'RecordFailure')
      ) {
        summary = e.state.output as unknown as RunSummary;
      } else if (e.type === 'StateFailed' && e.state.type === 'Task') {
        stopBar();
        say(`  ✗ ${e.state.name}: ${e.Error}`);
      }
    };
    const engine = {
      runStatement: async (sql: string, signal?: AbortSignal) => {
        const w = parseWriteStatement(sql);
        const model = w?.table.split(STAGING_MARK)[0] ?? 'query';
        const what = w ? (w.kind === 'ctas' ? 'create' : 'insert') : 'query';
        bar = progressBar(opts.quiet ? { json: true } : opts, `  ${model} (${what})`, 100, '%');
        let shown = 0;
        timer = setInterval(() => {
          shown = Math.max(shown, pipeline.engine.progress() * 100);
          bar?.update(shown);
        }, 250);
        try {
          const stats = await pipeline.engine.runStatement(sql, signal);
          stopBar();
          say(
            `  ✓ ${model} staged: ${fmt(stats.rows)} rows, ${fmt(stats.bytesRead)} bytes read, ${secs(stats.seconds)}`,
          );
          return stats;
        } finally {
          stopBar();
        }
      },
    };
    say(`lakehouse run: the pipeline state machine on ${lake}`);
    const result = await runStateMachineLocally({
      definition,
      handlers: pipeline.handlers,
      engine,
      input: finalRequest,
      onEvent,
      notify: (subject, message) => notifications.push({ subject, message }),
    });
    stopBar();

    const tasks = plan?.layers.flatMap((l) => l.waves.flatMap((w) => w.models)) ?? [];
    const modelRows = summary?.models ?? [];
    const built = modelRows.map((m) => {
      const task = tasks.find((t) => t.model === m.model);
      return {
        model: m.model,
        layer: task?.layer ?? pipeline.models.find((x) => x.name === m.model)?.layer ?? '',
        partitions: task?.partitions ?? [],
        rows: m.rows_written,
        removed: m.partitions_removed,
        seconds: m.seconds,
        bytes: m.bytes_scanned,
      };
    });
    const silver =
      result.status === 'SUCCEEDED'
        ? await summarizeSilver(
            pipeline.engine,
            built,
            (performance.now() - started) / 1000,
            plan?.runId ?? '',
          )
        : undefined;
    return {
      seconds: (performance.now() - started) / 1000,
      models: silver?.models ?? [],
      reconciliation: silver?.reconciliation ?? [],
      totals: silver?.totals ?? {
        bronzeLines: 0,
        silverRows: 0,
        quarantined: 0,
        duplicatesDropped: 0,
        unaccounted: 0,
      },
      quarantine: silver?.quarantine ?? [],
      executionName: result.executionName,
      runId: plan?.runId ?? summary?.runId ?? null,
      status: result.status,
      plan: plan?.reason ?? 'the planner did not finish',
      skipped: plan?.skip ?? false,
      newObjects: plan?.newObjects ?? 0,
      bytesScanned: summary?.row.bytes_scanned ?? 0,
      ...(result.failure ? { failure: result.failure } : {}),
      ...(result.status !== 'SUCCEEDED'
        ? { error: summary?.row.error ?? result.error?.cause ?? 'the run failed' }
        : {}),
      emptyLake: await isEmpty(pipeline.lake),
      notifications,
      audits,
    };
  } finally {
    await pipeline.close();
  }
}

/** Whether the lake holds no Bronze at all (nothing was ingested or loaded yet). */
async function isEmpty(lake: { list(prefix: string): AsyncIterable<unknown> }): Promise<boolean> {
  for await (const _ of lake.list(BRONZE_PREFIX)) return false;
  return true;
}

export function printRunReport(r: PipelineRunReport): void {
  if (r.skipped) {
    console.log(`Run ${r.runId} did nothing: ${r.plan}.`);
    return;
  }
  if (r.status !== 'SUCCEEDED') {
    console.log(`Run ${r.runId ?? r.executionName} ${r.status}.`);
    if (r.failure) console.log(`  failing state: ${r.failure.state} (${r.failure.error})`);
    console.log(`  ${r.error}`);
    return;
  }
  const built = r.models.filter((m) => m.partitions > 0 || m.rows > 0);
  if (built.length === 0) {
    console.log(
      r.emptyLake
        ? 'Nothing to build: the lake has no Bronze yet (npm run lakehouse -- ingest, or load --file).'
        : `Nothing to build: ${r.plan} (use --dates or --full-refresh to force).`,
    );
    return;
  }
  if (r.emptyLake) {
    console.log(
      'The lake has no Bronze yet (npm run lakehouse -- ingest, or load --file): only the ' +
        'tables that need no input (the calendar, the unknown members) were built.',
    );
  }
  console.log(
    `Run ${r.runId} SUCCEEDED in ${secs(r.seconds)}: ${built.length} model(s), ` +
      `${fmt(r.bytesScanned)} bytes read.`,
  );
  printTable(
    ['layer', 'model', 'partitions', 'rows out', 'bytes read', 'seconds'],
    r.models.map((m) => [
      m.layer,
      m.model,
      String(m.partitions),
      fmt(m.rows),
      fmt(m.bytes ?? 0),
      m.seconds.toFixed(1),
    ]),
  );
  if (r.reconciliation.length > 0) {
    const t = r.totals;
    console.log('');
    console.log(
      `Silver: ${fmt(t.bronzeLines)} lines in → ${fmt(t.silverRows)} events, ` +
        `${fmt(t.quarantined)} quarantined, ${fmt(t.duplicatesDropped)} duplicates dropped` +
        (t.unaccounted ? `, ${fmt(t.unaccounted)} UNACCOUNTED` : ' (reconciles)'),
    );
    if (r.quarantine.length > 0) {
      printTable(
        ['quarantine reason', 'field', 'lines'],
        r.quarantine.map((q) => [q.reason, q.detail ?? '', fmt(q.lines)]),
      );
    }
  }
  printAudits(r.audits);
}

/** The data-quality verdict of each layer, with what warned. */
function printAudits(audits: readonly AuditSummary[]): void {
  if (audits.length === 0) return;
  console.log('');
  for (const a of audits) {
    console.log(`Data quality, ${a.message.split('\n')[0]}`);
    for (const f of a.findings) console.log(`  ${f}`);
  }
  console.log('Every result: lakehouse dq (failed and warned first).');
}

/** Exit status of a finished run: a failed run, or Bronze lines unaccounted for, is an error. */
export function checkRun(r: PipelineRunReport): void {
  if (r.status !== 'SUCCEEDED') {
    throw new CliError(
      `run ${r.status.toLowerCase()}` +
        (r.failure ? ` in state ${r.failure.state}` : '') +
        `: ${r.error ?? 'see above'}`,
    );
  }
  if (r.reconciliation.some((x) => x.unaccounted !== 0)) {
    throw new CliError('reconciliation failed: some Bronze lines are unaccounted for (see above)');
  }
}

function runOptions(cmd: Command): Command {
  return cmd
    .option(
      '--dates <dates>',
      'rebuild exactly these dates (YYYY-MM-DD, comma-separated)',
      datesArg,
    )
    .option('--full-refresh', 'rebuild every partition of every model (replaces the tables)')
    .option('--models <names>', 'only these models (comma-separated)', listArg)
    .option(
      '--template <file>',
      'take the state machine from this synthesized template (cdk.out/…)',
    )
    .option('--threads <n>', 'DuckDB worker threads (default: one per core)', threadsArg)
    .option('--lake <dir>', 'lake home (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .option('--json', 'print one JSON summary on stdout, no progress');
}

export function registerRun(program: Command): void {
  runOptions(
    program
      .command('run')
      .description(
        'run the pipeline state machine locally (the definition cdk synth emits; Athena tasks on DuckDB)',
      ),
  )
    .option(
      '--layer <layers>',
      `only the models of these layers (${LAYERS.join(', ')}, or all)`,
      layersArg,
    )
    .option('--watch', 'keep ingesting and run on the schedule until Ctrl-C')
    .option(
      '--every <minutes>',
      'with --watch: minutes between runs (default: the schedule)',
      Number,
    )
    .option('--rate <events>', 'with --watch: events ingested per minute', Number)
    .action(async (opts: RunOptions & { watch?: boolean; every?: number; rate?: number }) => {
      if (opts.watch) {
        const { watch } = await import('./watch.ts');
        await watch(opts);
        return;
      }
      const report = await runPipeline(opts);
      if (opts.json) printJson(report);
      else printRunReport(report);
      checkRun(report);
    });

  runOptions(
    program
      .command('build')
      .description('`run` restricted to the models of --layer (every model without it)'),
  )
    .option('--layer <layers>', `comma-separated layers (${LAYERS.join(', ')}), or all`, layersArg)
    .action(async (opts: RunOptions) => {
      const report = await runPipeline(opts);
      if (opts.json) printJson(report);
      else printRunReport(report);
      checkRun(report);
    });
}
