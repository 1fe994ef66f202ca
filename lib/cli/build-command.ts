/**
 * `lakehouse build --layer silver [--dates ...]`: builds the SQL models locally on DuckDB over
 * the filesystem lake: every partition whose inputs changed since its last build, or exactly
 * the dates given.
 */
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { planned, summarizeSilver, type BuildSummary } from '../build/build-summary.ts';
import { BuildStateFile, runBuild } from '../build/run-build.ts';
import { databaseName } from '../config.ts';
import { DuckDbEngine } from '../engine/duckdb.ts';
import { LAYERS, loadModels, type Layer } from '../engine/model.ts';
import { BRONZE_PREFIX } from '../lake-layout.ts';
import { FsLake } from '../local/fs-lake.ts';
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

interface BuildOptions extends CommonOptions {
  layer: Layer[];
  dates?: string[];
  fullRefresh?: boolean;
  threads?: number;
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

function layersArg(value: string): Layer[] {
  const layers = value.split(',').map((l) => l.trim());
  for (const l of layers) {
    if (!(LAYERS as readonly string[]).includes(l)) {
      throw new InvalidArgumentError(`unknown layer '${l}' (layers: ${LAYERS.join(', ')})`);
    }
  }
  return layers as Layer[];
}

/** Where the local build records what it built (fingerprints per model partition). */
export function buildStateFile(lake: string): BuildStateFile {
  return new BuildStateFile(join(lake, '_state', 'build-fingerprints.json'));
}

export async function buildLocally(
  opts: BuildOptions,
): Promise<BuildSummary & { emptyLake: boolean }> {
  const home = lakeHome(opts);
  const lake = lakeRoot(home);
  const cfg = config();
  const models = loadModels().filter((m) => opts.layer.includes(m.layer));
  if (models.length === 0) throw new CliError(`no models in layer ${opts.layer.join(', ')}`);
  const engine = await DuckDbEngine.open({
    lakeRoot: lake,
    database: databaseName(cfg),
    threads: opts.threads,
  });
  const state = buildStateFile(lake);
  const started = performance.now();
  try {
    if (opts.fullRefresh) {
      const recorded = state.read();
      for (const m of models) {
        await engine.dropTable(m);
        delete recorded[m.name];
      }
      state.write(recorded);
    }
    let bar: ReturnType<typeof progressBar> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const runs = await runBuild({
      engine,
      models,
      context: { ...engine.planInputs(), only: opts.dates },
      state,
      events: {
        onPlanned(model, partitions) {
          if (partitions.length === 0) return;
          bar = progressBar(opts, `${model.name} (${planned(model, partitions)})`, 100, '%');
          let shown = 0;
          timer = setInterval(() => {
            shown = Math.max(shown, engine.progress() * 100);
            bar?.update(shown);
          }, 250);
        },
        onBuilt() {
          clearInterval(timer);
          bar?.update(100);
          bar?.stop();
          bar = undefined;
        },
      },
    }).finally(() => clearInterval(timer));
    const summary = await summarizeSilver(engine, runs, (performance.now() - started) / 1000);
    return { ...summary, emptyLake: await isEmpty(new FsLake(lake)) };
  } finally {
    await engine.close();
  }
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description(
      'Build SQL models locally (DuckDB over ./.lakehouse/lake): the partitions whose inputs changed, or --dates',
    )
    .option('--layer <layers>', `comma-separated layers (${LAYERS.join(', ')})`, layersArg, [
      'silver',
    ] as Layer[])
    .option(
      '--dates <dates>',
      'rebuild exactly these dates (YYYY-MM-DD, comma-separated)',
      datesArg,
    )
    .option('--full-refresh', 'drop the layer’s tables and rebuild every partition')
    .option('--threads <n>', 'DuckDB worker threads (default: one per core)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number ≥ 1');
      return n;
    })
    .option('--lake <dir>', 'lake home (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .option('--json', 'print one JSON summary on stdout, no progress')
    .action(async (opts: BuildOptions) => {
      const summary = await buildLocally(opts);
      if (opts.json) printJson(summary);
      else printBuildSummary(summary);
      if (summary.reconciliation.some((r) => r.unaccounted !== 0)) {
        throw new CliError(
          'reconciliation failed: some Bronze lines are unaccounted for (see above)',
        );
      }
    });
}

/** Whether the lake holds no Bronze at all (nothing was ingested or loaded yet). */
async function isEmpty(lake: FsLake): Promise<boolean> {
  for await (const _ of lake.list(BRONZE_PREFIX)) return false;
  return true;
}

export function printBuildSummary(s: BuildSummary & { emptyLake?: boolean }): void {
  const built = s.models.filter((m) => m.partitions > 0);
  if (built.length === 0 && s.emptyLake) {
    console.log(
      'Nothing to build: the lake has no Bronze yet (npm run lakehouse -- ingest, or load --file).',
    );
    return;
  }
  if (built.length === 0) {
    console.log('Nothing to build: every partition is up to date (use --dates to force).');
    return;
  }
  console.log(`Built ${built.length} model(s) in ${secs(s.seconds)}`);
  const head = ['model', 'partitions', 'rows out', 'seconds'];
  const rows = s.models.map((m) => [
    m.model,
    String(m.partitions),
    fmt(m.rows),
    m.partitions ? m.seconds.toFixed(1) : '-',
  ]);
  printTable(head, rows);
  if (s.reconciliation.length > 0) {
    const t = s.totals;
    console.log('');
    console.log(
      `Silver: ${fmt(t.bronzeLines)} lines in → ${fmt(t.silverRows)} events, ` +
        `${fmt(t.quarantined)} quarantined, ${fmt(t.duplicatesDropped)} duplicates dropped` +
        (t.unaccounted ? `, ${fmt(t.unaccounted)} UNACCOUNTED` : ' (reconciles)'),
    );
    if (s.quarantine.length > 0) {
      printTable(
        ['quarantine reason', 'field', 'lines'],
        s.quarantine.map((q) => [q.reason, q.detail ?? '', fmt(q.lines)]),
      );
    }
  }
}
