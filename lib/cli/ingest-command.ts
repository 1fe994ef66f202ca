import { InvalidArgumentError, Option, type Command } from 'commander';
import { MessRatesSchema, type MessRates } from '../config.ts';
import type { ArrivalClock } from '../local/delivery.ts';
import { runLocalIngest, type IngestSummary } from '../local/ingest.ts';
import type { ProducerRequest } from '../producer/producer.ts';
import {
  config,
  fmt,
  intArg,
  isoArg,
  lakeHome,
  lakeRoot,
  printJson,
  printRows,
  progressBar,
  secs,
  type CommonOptions,
} from './common.ts';

interface IngestOptions extends CommonOptions {
  events?: number;
  seed?: number;
  days?: number;
  end?: string;
  clean?: boolean;
  mess?: Partial<MessRates>;
  arrival?: ArrivalClock;
}

/** The JSON summary of an ingest-like command (also used by `load` and `start`). */
export function ingestJson(command: string, lake: string, s: IngestSummary, extra: object = {}) {
  return {
    command,
    lake,
    emitted: s.emitted,
    landed: s.landed,
    errors: s.errors,
    objects: s.objects,
    records: s.records,
    bytes_in: s.bytesIn,
    bytes_out: s.bytesOut,
    seconds: Number(s.seconds.toFixed(3)),
    events_per_s: Math.round(s.emitted / s.seconds),
    reference_files: s.referenceFiles.length,
    generator: s.generator,
    end: s.end,
    peak_rss_mb: { main: Math.round(s.peakRssMiB.main), stream: Math.round(s.peakRssMiB.stream) },
    ...extra,
  };
}

export function printIngestSummary(title: string, lake: string, s: IngestSummary): void {
  console.log(
    `${title}: ${fmt(s.emitted)} lines in ${secs(s.seconds)} (${fmt(s.emitted / s.seconds)} lines/s)`,
  );
  const rows: [string, string][] = [
    [
      'Bronze events',
      `${fmt(s.landed)} lines in ${fmt(s.objects)} objects, ${fmt(s.bytesOut / 1e6)} MB gzip`,
    ],
    ['Error prefix', `${fmt(s.errors)} lines (records Firehose could not partition)`],
  ];
  if (s.referenceFiles.length)
    rows.push(['Reference', `${s.referenceFiles.length} snapshot files`]);
  if (s.generator) {
    const mess = Object.entries(s.generator.mess)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${fmt(n)}`)
      .join(', ');
    rows.push(['Injected mess', mess || 'none']);
    rows.push(['Period', `${s.generator.firstEventTime} → ${s.generator.lastEventTime}`]);
  }
  rows.push(['Lake', lake]);
  if (s.landed + s.errors !== s.emitted) {
    rows.push(['WARNING', `emitted ${fmt(s.emitted)} ≠ delivered ${fmt(s.landed + s.errors)}`]);
  }
  printRows(rows);
}

const MESS_KINDS_LIST = Object.keys(MessRatesSchema.shape).join(', ');

/** Parses `--mess duplicate=0.05,malformed_json=0.01` into validated rates. */
export function messArg(value: string): Partial<MessRates> {
  const rates: Record<string, number> = {};
  for (const part of value.split(',').filter(Boolean)) {
    const [kind, rate, ...rest] = part.split('=');
    if (!kind || rate === undefined || rest.length || !(kind.trim() in MessRatesSchema.shape)) {
      throw new InvalidArgumentError(`expected kind=rate pairs; kinds: ${MESS_KINDS_LIST}`);
    }
    const n = Number(rate);
    if (!Number.isFinite(n) || n < 0 || n > 1) {
      throw new InvalidArgumentError(`${kind.trim()}: a rate is a number from 0 to 1`);
    }
    rates[kind.trim()] = n;
  }
  return rates as Partial<MessRates>;
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description(
      'generate clickstream events and run them through the producer, Kinesis and Firehose stand-ins into Bronze',
    )
    .option(
      '--events <n>',
      'clean events to generate (mess and duplicates come on top)',
      intArg('--events', 1),
    )
    .option('--seed <n>', 'generator seed (same seed and options, same bytes)', intArg('--seed'))
    .option('--days <n>', 'length of the simulated period in days', intArg('--days', 1, 366))
    .option(
      '--end <iso>',
      'end of the simulated period (default: start of the current UTC hour)',
      isoArg,
    )
    .option('--clean', 'inject no mess at all (every line valid)')
    .option(
      '--mess <kind=rate,...>',
      `mess rates to override, e.g. duplicate=0.05,malformed_json=0.01 (kinds: ${MESS_KINDS_LIST})`,
      messArg,
    )
    .addOption(
      new Option(
        '--arrival <clock>',
        'when lines arrive (Bronze object names, Silver arrival_ts): events = when the generator says, replayed in producer ticks (late lines late, the rest on time); stream = the wall clock of this run',
      )
        .choices(['events', 'stream'])
        .default('events'),
    )
    .option('--json', 'print one JSON summary object on stdout and nothing else')
    .option('--lake <dir>', 'lakehouse folder (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .action(async (opts: IngestOptions) => {
      const cfg = config();
      const home = lakeHome(opts);
      const generate: NonNullable<ProducerRequest['generate']> = {};
      if (opts.events !== undefined) generate.events = opts.events;
      if (opts.seed !== undefined) generate.seed = opts.seed;
      if (opts.days !== undefined) generate.days = opts.days;
      if (opts.end !== undefined) generate.end = opts.end;
      if (opts.clean) {
        generate.mess = Object.fromEntries(Object.keys(MessRatesSchema.shape).map((k) => [k, 0]));
      }
      if (opts.mess) generate.mess = { ...generate.mess, ...opts.mess };
      const summary = await ingest(cfg, home, { generate }, opts);
      if (opts.json) printJson(ingestJson('ingest', lakeRoot(home), summary));
      else printIngestSummary('Ingested', lakeRoot(home), summary);
    });
}

/** Ingests generated history; its lines arrive when their events say unless `arrival` is `stream`. */
async function ingest(
  cfg: ReturnType<typeof config>,
  home: string,
  request: ProducerRequest,
  opts: CommonOptions & { arrival?: ArrivalClock },
): Promise<IngestSummary> {
  const events = request.generate?.events ?? cfg.generator.events;
  const expected = Math.round(events * (1 + cfg.generator.mess.duplicate));
  const bar = progressBar(opts, 'ingest', expected);
  try {
    return await runLocalIngest({
      config: cfg,
      lakeRoot: lakeRoot(home),
      requests: [request],
      onProgress: (p) => bar.update(p.delivered),
      arrivalClock: opts.arrival ?? 'events',
    });
  } finally {
    bar.stop();
  }
}

export { ingest as ingestGenerated };
