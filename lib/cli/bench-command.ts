import type { Command } from 'commander';
import { runBench, STAGES } from '../bench/bench.ts';
import { join } from 'node:path';
import {
  CliError,
  config,
  fmt,
  intArg,
  lakeHome,
  printJson,
  type CommonOptions,
} from './common.ts';

interface BenchOptions extends CommonOptions {
  events: number;
  silverEvents: number;
  seed: number;
  stage?: string[];
}

const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Number(n.toFixed(3)));

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
        console.log('stage      seconds      events    events/s   peak RSS MB  notes');
        for (const [name, r] of Object.entries(report.stages)) {
          const notes = Object.entries(r)
            .filter(([k]) => !['seconds', 'events', 'events_per_s', 'peak_rss_mb'].includes(k))
            .map(([k, v]) => `${k}=${Math.abs(v) >= 100 ? fmt(v) : v.toFixed(2)}`)
            .join(' ');
          console.log(
            `${name.padEnd(10)} ${r.seconds.toFixed(2).padStart(7)} ${fmt(r.events).padStart(11)} ${fmt(r.events_per_s).padStart(11)} ${fmt(r.peak_rss_mb ?? 0).padStart(13)}  ${notes}`,
          );
        }
        console.log('\ntargets:');
        for (const t of report.targets) {
          console.log(
            `  ${t.met ? '✓' : '✗'} ${t.stage}.${t.metric} ${t.op} ${fmt(t.target)} (measured ${fmt(t.value)})`,
          );
        }
      }
    });
}
