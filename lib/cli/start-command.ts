import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
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
      // The marker counts only while the data it describes is still there.
      if (existsSync(marker) && existsSync(join(lakeRoot(home), 'bronze', 'events'))) {
        const done = JSON.parse(await readFile(marker, 'utf8')) as {
          emitted: number;
          at: string;
          end: string;
        };
        if (opts.json) printJson({ command: 'start', skipped: true, ...done });
        else {
          console.log(
            `The default dataset is already in ${lakeRoot(home)} (${fmt(done.emitted)} lines, ingested ${done.at}); nothing added.`,
          );
          console.log(
            'Add more with `npm run lakehouse -- ingest --events N`, or delete the folder to start over.',
          );
        }
        return;
      }
      const end = cfg.generator.end ?? currentHour();
      const summary = await ingestGenerated(cfg, home, { generate: { end } }, opts);
      await writeFile(
        marker,
        JSON.stringify({ emitted: summary.emitted, end, at: new Date().toISOString() }, null, 2),
      );
      if (opts.json) printJson(ingestJson('start', lakeRoot(home), summary));
      else {
        printIngestSummary('Ingested the default dataset', lakeRoot(home), summary);
        console.log(
          '\nNext: `npm run lakehouse -- doctor` checks this machine; Bronze files are gzip NDJSON under',
        );
        console.log(`${join(lakeRoot(home), 'bronze/events')} (zcat any of them).`);
      }
    });
}
