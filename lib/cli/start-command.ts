import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildLocally, printBuildSummary } from './build-command.ts';
import { ingestGenerated, ingestJson, printIngestSummary } from './ingest-command.ts';
import { config, fmt, lakeHome, lakeRoot, printJson, type CommonOptions } from './common.ts';
import { currentHour } from '../producer/producer.ts';

/** Records that the default dataset was ingested, so a second `npm start` adds nothing. */
const MARKER = 'start.json';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the whole pipeline locally on the default dataset (what `npm start` does)')
    .option('--json', 'print one JSON summary object on stdout and nothing else')
    .option('--lake <dir>', 'lakehouse folder (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .action(async (opts: CommonOptions) => {
      const cfg = config();
      const home = lakeHome(opts);
      const marker = join(home, MARKER);
      let ingested: object;
      // The marker counts only while the data it describes is still there.
      if (existsSync(marker) && existsSync(join(lakeRoot(home), 'bronze', 'events'))) {
        const done = JSON.parse(await readFile(marker, 'utf8')) as {
          emitted: number;
          at: string;
          end: string;
        };
        ingested = { skipped: true, ...done };
        if (!opts.json) {
          console.log(
            `The default dataset is already in ${lakeRoot(home)} (${fmt(done.emitted)} lines, ingested ${done.at}); nothing added.`,
          );
          console.log(
            'Add more with `npm run lakehouse -- ingest --events N`, or delete the folder to start over.',
          );
        }
      } else {
        const end = cfg.generator.end ?? currentHour();
        const summary = await ingestGenerated(cfg, home, { generate: { end } }, opts);
        await writeFile(
          marker,
          JSON.stringify({ emitted: summary.emitted, end, at: new Date().toISOString() }, null, 2),
        );
        ingested = ingestJson('start', lakeRoot(home), summary);
        if (!opts.json) printIngestSummary('Ingested the default dataset', lakeRoot(home), summary);
      }
      // Silver: only the partitions that changed since the last build (nothing, on a re-run).
      if (!opts.json) console.log('');
      const build = await buildLocally({ ...opts, layer: ['silver'] });
      if (opts.json) {
        printJson({ command: 'start', ingest: ingested, build });
        return;
      }
      printBuildSummary(build);
      console.log('\nNext:');
      console.log(
        '  npm run lakehouse -- sql "SELECT event_type, count(*) FROM silver_events GROUP BY 1"',
      );
      console.log('  npm run lakehouse -- doctor   (checks this machine)');
      console.log(
        `  Bronze is gzip NDJSON under ${join(lakeRoot(home), 'bronze/events')} (zcat any file).`,
      );
    });
}
