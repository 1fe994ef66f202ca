/**
 * The local web dashboard (`lakehouse serve`): the pages of the panel spec, each panel's SQL run
 * on the lake's DuckDB with the Grafana macros expanded as the Athena data source would, results
 * sent as Arrow IPC and drawn in the browser (`dashboards/web/`).
 *
 *   GET /                      the app (index.html, /app.js, /app.css)
 *   GET /api/dashboards        the pages and panels (with their SQL), the lake's date range
 *   GET /api/version           a token that changes when published data changes, and the range
 *   GET /api/panels/<id>?from=YYYY-MM-DD&to=YYYY-MM-DD
 *                              the panel's rows as an Arrow IPC stream; JSON `{ error }` otherwise
 *
 * It only reads: it binds to localhost by default, and a panel runs its own SQL, never the
 * browser's.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RECORD_TABLES } from '../catalog/record-tables.ts';
import { PIPELINE_RUNS_PREFIX } from '../pipeline/run-records.ts';
import { DuckDbEngine } from '../engine/duckdb.ts';
import { CATALOG_DIR, LocalCatalog } from '../engine/local-catalog.ts';
import { toArrowIpc } from './arrow.ts';
import { allPanels, loadDashboards } from './dashboards.ts';
import { dayRange, type TimeRange } from './macros.ts';
import type { LoadedPage, LoadedPanel } from './panel-spec.ts';
import { queryPanel } from './run-panel.ts';
import { bundleWebApp } from './web-bundle.ts';

export interface DashboardServerOptions {
  readonly lakeRoot: string;
  /** The Glue database name the tables live in. */
  readonly database: string;
  /** Default 3000; 0 takes any free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default: the project's pages (`dashboards/pages/`). */
  readonly pages?: readonly LoadedPage[];
}

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The lake's days: the first and last date of `daily_kpis`, and the newest day a pipeline run
 * started on (a run just after midnight, or on a later day with nothing new, is dated after
 * the last data day; the pages about runs count their presets back from it).
 */
export interface LakeRange {
  readonly first: string | null;
  readonly last: string | null;
  readonly lastRun: string | null;
}

const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

/**
 * A token that changes whenever a build publishes (a catalog document is replaced) or a run
 * writes records (a new JSON-lines object): the names and modification times of both.
 */
export function lakeVersion(lakeRoot: string): string {
  const hash = createHash('sha1');
  const dirs = [join(lakeRoot, CATALOG_DIR), ...RECORD_TABLES.map((t) => join(lakeRoot, t.prefix))];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.') || name.endsWith('.lock')) continue;
      hash.update(`${name}:${statSync(join(dir, name)).mtimeMs};`);
    }
  }
  return hash.digest('hex').slice(0, 16);
}

export function lakeRange(lakeRoot: string): LakeRange {
  const catalog = new LocalCatalog(lakeRoot);
  const dates = Object.keys(catalog.get('daily_kpis')?.partitions ?? {}).sort();
  const runsDir = join(lakeRoot, PIPELINE_RUNS_PREFIX);
  const runs = existsSync(runsDir)
    ? readdirSync(runsDir)
        .filter((d) => d.startsWith('run_date='))
        .map((d) => d.slice('run_date='.length))
        .sort()
    : [];
  return { first: dates[0] ?? null, last: dates.at(-1) ?? null, lastRun: runs.at(-1) ?? null };
}

/** Runs panels against one lake, refreshing the engine's views when the lake has changed. */
export class PanelRunner {
  private version = '';
  private checkedAt = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly engine: DuckDbEngine,
    readonly lakeRoot: string,
  ) {}

  static async open(lakeRoot: string, database: string): Promise<PanelRunner> {
    // Records in memory: the Data health panels would otherwise glob every run's JSON objects at
    // each query (weeks of 15-minute runs: thousands of files, hundreds of ms per panel).
    const engine = await DuckDbEngine.open({ lakeRoot, database, cacheRecords: true });
    const runner = new PanelRunner(engine, lakeRoot);
    runner.version = lakeVersion(lakeRoot);
    runner.checkedAt = Date.now();
    return runner;
  }

  /** The lake's version; looks at the disk at most once a second. */
  async currentVersion(): Promise<string> {
    if (Date.now() - this.checkedAt < 1000) return this.version;
    this.checkedAt = Date.now();
    const now = lakeVersion(this.lakeRoot);
    if (now !== this.version) {
      await this.serial(() => this.engine.refresh());
      this.version = now;
    }
    return this.version;
  }

  /** One panel's rows for a range, as Arrow IPC. */
  async run(panel: LoadedPanel, range: TimeRange): Promise<{ ipc: Uint8Array; rows: number }> {
    await this.currentVersion();
    const result = await this.serial(() => queryPanel(this.engine, panel, untilNow(range)));
    return { ipc: toArrowIpc(result), rows: result.rows.length };
  }

  /** One statement at a time on the connection (a refresh must not interleave with a query). */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.queue.then(f, f);
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

/**
 * A range that runs into the future ends now, as Grafana's `now-7d` to `now` does: "hours since
 * the last run" is counted to now, not to tonight's midnight. Whole seconds, like the macros.
 */
export function untilNow(range: TimeRange, now = new Date()): TimeRange {
  const second = new Date(Math.floor(now.getTime() / 1000) * 1000);
  return range.to > second && range.from <= second ? { from: range.from, to: second } : range;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startDashboardServer(opts: DashboardServerOptions): Promise<DashboardServer> {
  const pages = opts.pages ?? loadDashboards();
  const panels = new Map(allPanels(pages).map((p) => [p.id, p]));
  const [app, runner] = await Promise.all([
    bundleWebApp(),
    PanelRunner.open(opts.lakeRoot, opts.database),
  ]);
  // The app, compressed once: the bundle is ~800 KB, ~250 KB gzipped.
  const asset = (type: string, text: string) => ({ type, text, gzip: gzipSync(text) });
  const assets: Record<string, ReturnType<typeof asset>> = {
    '/': asset('text/html; charset=utf-8', app.html),
    '/index.html': asset('text/html; charset=utf-8', app.html),
    '/app.js': asset('text/javascript; charset=utf-8', app.js),
    '/app.css': asset('text/css; charset=utf-8', app.css),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET');
    const file = assets[url.pathname];
    if (file) {
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      res.setHeader('Vary', 'Accept-Encoding');
      if (gzip) res.setHeader('Content-Encoding', 'gzip');
      send(res, 200, file.type, gzip ? file.gzip : file.text);
      return;
    }
    if (url.pathname === '/api/dashboards') {
      const version = await runner.currentVersion();
      json(res, 200, {
        title: 'Lakehouse dashboards',
        pages,
        range: lakeRange(opts.lakeRoot),
        version,
      });
      return;
    }
    if (url.pathname === '/api/version') {
      json(res, 200, { version: await runner.currentVersion(), range: lakeRange(opts.lakeRoot) });
      return;
    }
    const m = /^\/api\/panels\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const panel = panels.get(decodeURIComponent(m[1]!));
      if (!panel) throw new HttpError(404, `no panel ${m[1]}`);
      const from = url.searchParams.get('from');
      const to = url.searchParams.get('to');
      if (!from || !to) throw new HttpError(400, 'from and to (YYYY-MM-DD) are required');
      let range: TimeRange;
      try {
        range = dayRange(from, to);
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      const started = performance.now();
      let answer: { ipc: Uint8Array; rows: number };
      try {
        answer = await runner.run(panel, range);
      } catch (err) {
        throw new HttpError(500, (err as Error).message);
      }
      res.setHeader('X-Query-Ms', (performance.now() - started).toFixed(1));
      res.setHeader('X-Rows', String(answer.rows));
      send(res, 200, ARROW_STREAM, answer.ipc);
      return;
    }
    throw new HttpError(404, `not found: ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) json(res, status, { error: (err as Error).message });
      else res.end();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 3000, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await runner.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runner.close();
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}
