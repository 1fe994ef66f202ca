import type { Command } from 'commander';
import { runBench, STAGES, type StageTable } from '../bench/bench.ts';
import { join } from 'node:path';
import {
  CliError,
  config,
  fmt,
  intArg,
  formatTable,
  lakeHome,
  printJson,
  type CommonOptions,
} from './common.ts';

interface BenchOptions extends CommonOptions {
  events: number;
  silverEvents: number;
  incrementalEventsPerDay: number;
  dashboardEvents: number;
  dashboardDays: number;
  seed: number;
  stage?: string[];
}

const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Number(n.toFixed(3)));
/** A metric for people: whole numbers with separators, fractions with 1-3 decimals. */
const num = (n: number) =>
  Number.isInteger(n) || Math.abs(n) >= 100
    ? fmt(n)
    : n.toFixed(Math.abs(n) >= 10 ? 1 : Math.abs(n) >= 1 ? 2 : 3);

/** `key=value` notes wrapped to lines of about `width` characters. */
function wrapNotes(notes: string[], width: number): string[] {
  const lines: string[] = [];
  for (const n of notes) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 1 + n.length <= width) lines[last] += ' ' + n;
    else lines.push(n);
  }
  return lines;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(
      'measure each stage on this machine: events/s, seconds, peak memory, against the targets',
    )
    .option(
      '--events <n>',
      'events for the generator and ingest stages',
      intArg('--events', 1_000),
      1_000_000,
    )
    .option(
      '--silver-events <n>',
      'events for the silver stage (Bronze ingested for it, untimed)',
      intArg('--silver-events', 1_000),
      2_000_000,
    )
    .option(
      '--incremental-events-per-day <n>',
      'events per simulated day of history for the incremental stage (7, 14 and 28 days)',
      intArg('--incremental-events-per-day', 1_000),
      50_000,
    )
    .option(
      '--dashboard-events <n>',
      'events in the lake the dashboards stage queries (ingested and built for it, untimed)',
      intArg('--dashboard-events', 1_000),
      2_000_000,
    )
    .option(
      '--dashboard-days <n>',
      'days those events span',
      intArg('--dashboard-days', 1, 366),
      14,
    )
    .option('--seed <n>', 'generator seed', intArg('--seed'), 7)
    .option('--stage <name...>', `only these stages (${STAGES.map((s) => s.name).join(', ')})`)
    .option('--json', 'print the report as one JSON object on stdout and nothing else')
    .option(
      '--lake <dir>',
      'lakehouse folder whose cache/ holds synthesized settings (data goes to a temp folder)',
    )
    .action(async (opts: BenchOptions) => {
      const unknown = (opts.stage ?? []).filter((s) => !STAGES.some((x) => x.name === s));
      if (unknown.length) throw new CliError(`unknown stage ${unknown.join(', ')}`);
      const report = await runBench({
        config: config(),
        events: opts.events,
        silverEvents: opts.silverEvents,
        incrementalEventsPerDay: opts.incrementalEventsPerDay,
        dashboardEvents: opts.dashboardEvents,
        dashboardDays: opts.dashboardDays,
        seed: opts.seed,
        only: opts.stage,
        cacheDir: join(lakeHome(opts), 'cache'),
        log: (m) => process.stderr.write(m + '\n'),
      });
      if (opts.json) {
        printJson({
          ...report,
          stages: Object.fromEntries(
            Object.entries(report.stages).map(([k, v]) => [
              k,
              Object.fromEntries(Object.entries(v).map(([m, x]) => [m, round(x)])),
            ]),
          ),
          peak_rss_mb: round(report.peak_rss_mb),
        });
      } else {
        console.log(
          `bench: ${report.machine.cpus} cpus, node ${report.machine.node}, ${report.machine.platform}\n`,
        );
        console.log('stage         seconds      events    events/s   peak RSS MB  notes');
        const tables: [string, StageTable, string[]][] = [];
        for (const [name, r] of Object.entries(report.stages)) {
          const table = STAGES.find((s) => s.name === name)?.table?.(r);
          const shown = [
            'seconds',
            'events',
            'events_per_s',
            'peak_rss_mb',
            ...(table?.metrics ?? []),
          ];
          const notes = Object.entries(r)
            .filter(([k]) => !shown.includes(k))
            .map(([k, v]) => `${k}=${num(v)}`);
          // A stage with a table shows its other metrics under it rather than on one long line.
          if (table) tables.push([name, table, notes]);
          console.log(
            `${name.padEnd(12)} ${r.seconds.toFixed(2).padStart(8)} ${fmt(r.events).padStart(11)} ${fmt(r.events_per_s).padStart(11)} ${fmt(r.peak_rss_mb ?? 0).padStart(13)}  ${table ? '(below)' : notes.join(' ')}`,
          );
        }
        for (const [name, table, notes] of tables) {
          console.log(`\n${name}:`);
          for (const line of formatTable(table.head, table.rows)) console.log(line);
          for (const line of wrapNotes(notes, 96)) console.log(`  ${line}`);
        }
        console.log('\ntargets:');
        for (const t of report.targets) {
          console.log(
            `  ${t.met ? '✓' : '✗'} ${t.stage}.${t.metric} ${t.op} ${num(t.target)} (measured ${num(t.value)})`,
          );
        }
      }
    });
}
