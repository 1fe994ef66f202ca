import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { savedQuery } from '../catalog/saved-queries.ts';
import { databaseName } from '../config.ts';
import { DuckDbEngine } from '../engine/duckdb.ts';
import { checkRun, printRunReport, runPipeline } from './run-command.ts';
import { ingestGenerated, ingestJson, printIngestSummary } from './ingest-command.ts';
import { announce, DEFAULT_PORT, serveDashboard } from './serve-command.ts';
import {
  config,
  fmt,
  intArg,
  lakeHome,
  lakeRoot,
  printJson,
  printRows,
  printTable,
  type CommonOptions,
} from './common.ts';
import { currentHour } from '../producer/producer.ts';

interface StartOptions extends CommonOptions {
  serve: boolean;
  port?: number;
}

/** Records that the default dataset was ingested, so a second `npm start` adds nothing. */
const MARKER = 'start.json';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the whole pipeline locally on the default dataset (what `npm start` does)')
    .option('--json', 'print one JSON summary object on stdout and nothing else')
    .option('--lake <dir>', 'lakehouse folder (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .option('--no-serve', 'exit after the run instead of serving the dashboard')
    .option(
      '--port <n>',
      `dashboard port (default ${DEFAULT_PORT}, or the next free one)`,
      intArg('--port', 0, 65535),
    )
    .action(async (opts: StartOptions) => {
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
      // The pipeline state machine: only what arrived since the last run (nothing, on a re-run).
      if (!opts.json) console.log('');
      const run = await runPipeline(opts);
      const headlines = await lakeHeadlines(lakeRoot(home), databaseName(cfg));
      if (opts.json) {
        printJson({ command: 'start', ingest: ingested, run, headlines });
        checkRun(run);
        return;
      }
      printRunReport(run);
      checkRun(run);
      printHeadlines(headlines);
      console.log('\nNext:');
      console.log(
        '  npm run lakehouse -- sql "SELECT event_type, count(*) FROM silver_events GROUP BY 1"',
      );
      console.log(
        '  npm run lakehouse -- sql --file athena/queries/todays_kpis.sql   (athena/queries/ holds more)',
      );
      console.log('  npm run lakehouse -- sql --file athena/queries/rfm_segment_sizes.sql');
      console.log(
        '  npm run lakehouse -- sql "SELECT * FROM pipeline_runs ORDER BY started_at DESC LIMIT 5"',
      );
      console.log("  npm run lakehouse -- dq            (the last run's data-quality results)");
      console.log('  npm run lakehouse -- run --watch   (keep ingesting, run on the schedule)');
      console.log('  npm run lakehouse -- doctor        (checks this machine)');
      if (!opts.serve) {
        console.log('  npm run lakehouse -- serve         (the dashboards in a browser)');
        return;
      }
      const root = lakeRoot(home);
      announce(await serveDashboard(root, { port: opts.port }), root);
    });
}

interface Headlines {
  events: number;
  quarantined: number;
  orders: number;
  revenue: string;
  sessions: number;
  conversionRate: number | null;
  firstDate: string | null;
  lastDate: string | null;
  topProducts: { product: string; category: string; units: number; revenue: string }[];
}

/** The lake's headline numbers (athena/queries/lake_headlines.sql and top_products.sql). */
async function lakeHeadlines(lake: string, database: string): Promise<Headlines> {
  const engine = await DuckDbEngine.open({ lakeRoot: lake, database });
  try {
    const h = (await engine.query(savedQuery('lake_headlines'))).rows[0] ?? {};
    const top = (await engine.query(savedQuery('top_products'))).rows;
    const n = (v: unknown) => Number(v ?? 0);
    return {
      events: n(h.events),
      quarantined: n(h.quarantined),
      orders: n(h.orders),
      revenue: String(h.revenue ?? '0'),
      sessions: n(h.sessions),
      conversionRate: h.conversion_rate === null ? null : n(h.conversion_rate),
      firstDate: (h.first_date as string | null) ?? null,
      lastDate: (h.last_date as string | null) ?? null,
      topProducts: top.map((r) => ({
        product: String(r.product_name ?? r.product_id),
        category: String(r.product_category ?? ''),
        units: n(r.units),
        revenue: String(r.revenue),
      })),
    };
  } finally {
    await engine.close();
  }
}

function printHeadlines(h: Headlines): void {
  console.log(`\nThe lake (${h.firstDate ?? '-'} → ${h.lastDate ?? '-'}):`);
  printRows([
    ['events', fmt(h.events)],
    ['quarantined lines', fmt(h.quarantined)],
    ['orders', fmt(h.orders)],
    ['revenue', Number(h.revenue).toLocaleString('en-US', { minimumFractionDigits: 2 })],
    [
      'session conversion',
      h.conversionRate === null
        ? '-'
        : `${(h.conversionRate * 100).toFixed(2)}% of ${fmt(h.sessions)} sessions`,
    ],
  ]);
  if (h.topProducts.length > 0) {
    console.log('\nTop products by revenue:');
    printTable(
      ['product', 'category', 'units', 'revenue'],
      h.topProducts
        .slice(0, 5)
        .map((p) => [p.product, p.category, fmt(p.units), Number(p.revenue).toFixed(2)]),
    );
  }
}
