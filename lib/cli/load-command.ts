import { access, constants, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { runLocalIngest } from '../local/ingest.ts';
import { readLineChunks, type LineStats } from '../local/read-lines.ts';
import type { ProducerRequest } from '../producer/producer.ts';
import { ingestJson, printIngestSummary } from './ingest-command.ts';
import {
  CliError,
  config,
  fmt,
  intArg,
  lakeHome,
  lakeRoot,
  printJson,
  progressBar,
  type CommonOptions,
} from './common.ts';

interface LoadOptions extends CommonOptions {
  file: string;
  batchLines: number;
}

export function registerLoad(program: Command): void {
  program
    .command('load')
    .description(
      'push an existing NDJSON file (.ndjson or .ndjson.gz) through the producer, Kinesis and Firehose stand-ins into Bronze',
    )
    .requiredOption('--file <path>', 'NDJSON file, plain or gzip; lines are sent as they are')
    .option(
      '--batch-lines <n>',
      'lines per producer invocation',
      intArg('--batch-lines', 1, 1_000_000),
      20_000,
    )
    .option('--json', 'print one JSON summary object on stdout and nothing else')
    .option('--lake <dir>', 'lakehouse folder (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .action(async (opts: LoadOptions) => {
      const cfg = config();
      const home = lakeHome(opts);
      let size: number;
      try {
        await access(opts.file, constants.R_OK);
        const st = await stat(opts.file);
        if (!st.isFile()) throw new Error('not a regular file');
        size = st.size;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why =
          code === 'ENOENT'
            ? 'no such file'
            : code === 'EACCES'
              ? 'permission denied'
              : (err as Error).message;
        throw new CliError(`cannot read ${opts.file}: ${why}`);
      }
      const lines: LineStats = { lines: 0, blank: 0 };
      const chunks = readLineChunks(opts.file, opts.batchLines, lines);
      const requests = (async function* (): AsyncGenerator<ProducerRequest> {
        try {
          for await (const chunk of chunks) yield { lines: chunk, reference: false };
        } catch (err) {
          throw new CliError(`cannot read ${opts.file}: ${(err as Error).message}`);
        }
      })();
      const bar = progressBar(opts, 'load', Math.max(1, Math.round(size / 400)));
      let summary;
      try {
        summary = await runLocalIngest({
          config: cfg,
          lakeRoot: lakeRoot(home),
          requests,
          onProgress: (p) => bar.update(p.delivered),
        });
      } finally {
        bar.stop();
      }
      if (opts.json) {
        printJson(
          ingestJson('load', lakeRoot(home), summary, {
            file: opts.file,
            lines: lines.lines,
            blank_lines: lines.blank,
          }),
        );
      } else {
        printIngestSummary(`Loaded ${opts.file}`, lakeRoot(home), summary);
        if (lines.blank) console.log(`  (${fmt(lines.blank)} blank lines skipped)`);
      }
    });
}
