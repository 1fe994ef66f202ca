/**
 * `npm run bench`: throughput and memory of each stage, measured on this machine. Each stage
 * (generator, ingest, silver, gold, incremental, dashboards) is an entry of `STAGES`. Targets live here, not
 * in timed unit tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { savedQuery } from '../catalog/saved-queries.ts';
import { runPipelineAt } from '../cli/run-command.ts';
import { databaseName } from '../config.ts';
import { loadDashboards } from '../dashboards/dashboards.ts';
import { lakeRange, startDashboardServer } from '../dashboards/server.ts';
import { DuckDbEngine } from '../engine/duckdb.ts';
import { loadModels } from '../engine/model.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LakehouseConfig } from '../config.ts';
import { createGenerator } from '../events/generator.ts';
import { runLocalIngest } from '../local/ingest.ts';
import { ingestSettings } from '../local/template-settings.ts';
import type { ProducerRequest } from '../producer/producer.ts';
import { currentHour, generatorOptions } from '../producer/producer.ts';

export interface StageResult {
  seconds: number;
  events: number;
  events_per_s: number;
  [metric: string]: number;
}

export interface Target {
  metric: string;
  op: '>=' | '<=';
  value: number;
}

export interface Stage {
  name: string;
  description: string;
  targets: Target[];
  run(ctx: BenchContext): Promise<StageResult>;
  /**
   * Metrics that read better as a table: the text report prints it under the stage (and leaves
   * these metrics out of its one-line notes); `--json` keeps every metric regardless.
   */
  table?(r: StageResult): StageTable;
}

export interface StageTable {
  head: string[];
  rows: string[][];
  /** The metrics the table shows. */
  metrics: string[];
}

export interface BenchContext {
  config: LakehouseConfig;
  events: number;
  seed: number;
  end: string;
  /** Where synthesized settings are cached (the lakehouse folder's cache/). */
  cacheDir: string;
  /** Scratch folder of this run, removed at the end. */
  workDir: string;
  /** Events for the silver stage (its own Bronze unless a stage already ingested as many). */
  silverEvents: number;
  /** Bronze lakes made so far, by event count (later stages reuse them). */
  bronzeLakes: Map<number, string>;
  /** Events per simulated day of history for the incremental stage. */
  incrementalEventsPerDay: number;
  /** Events and days of the lake the dashboards stage queries. */
  dashboardEvents: number;
  dashboardDays: number;
  log: (msg: string) => void;
}

/** Runs the producer requests into `lake` and checks that every line put was delivered. */
async function ingestInto(ctx: BenchContext, lake: string, requests: ProducerRequest[]) {
  const s = await runLocalIngest({
    config: ctx.config,
    lakeRoot: lake,
    cacheDir: ctx.cacheDir,
    requests,
  });
  if (s.landed + s.errors !== s.emitted) {
    throw new Error(`ingest lost lines: emitted ${s.emitted}, delivered ${s.landed + s.errors}`);
  }
  return s;
}

/** Ingests `events` generated events into a fresh lake under the scratch folder. */
async function ingestBronze(ctx: BenchContext, events: number) {
  const lake = join(ctx.workDir, `bronze-${events}`, 'lake');
  const s = await ingestInto(ctx, lake, [{ generate: { events, seed: ctx.seed, end: ctx.end } }]);
  ctx.bronzeLakes.set(events, lake);
  return s;
}

/** One pipeline run on `lake`, timed around the whole call; a failed or skipped run throws. */
async function timedRun(
  ctx: BenchContext,
  lake: string,
  opts: { fullRefresh?: boolean; models?: string[] },
) {
  const t0 = performance.now();
  const report = await runPipelineAt(lake, ctx.cacheDir, ctx.config, { quiet: true, ...opts });
  const seconds = (performance.now() - t0) / 1000;
  if (report.status !== 'SUCCEEDED') throw new Error(`the run ${report.status}: ${report.error}`);
  if (report.skipped) throw new Error(`the run did nothing: ${report.plan}`);
  const partitions = report.models.reduce((n, m) => n + m.partitions, 0);
  /** Seconds per model, as `<model>_s` metrics. */
  const perModel = Object.fromEntries(report.models.map((m) => [`${m.model}_s`, m.seconds]));
  // The data-quality checks of every layer the run audited, against the rest of the run.
  const checksSeconds = report.audits.reduce((n, a) => n + a.seconds, 0);
  const checks = {
    checks_s: checksSeconds,
    checks_results: report.audits.reduce((n, a) => n + a.pass + a.warn + a.fail + a.skip, 0),
    checks_share: checksSeconds / (seconds - checksSeconds),
  };
  return { report, seconds, partitions, perModel, checks };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const EVENT_TIMESTAMP = /"event_timestamp":"([^"]*)"/;

/** Simulated days of history the incremental stage builds before adding one more hour. */
export const HISTORY_DAYS = [7, 14, 28] as const;

export interface NextHour {
  /** The lines, in arrival order (copied: they keep no generator chunk alive). */
  lines: string[];
  /** Lines whose event time is before the hour: late arrivals (and duplicates of them). */
  late: number;
  /** UTC dates of the event times (future timestamps left out), sorted. */
  dates: string[];
}

/**
 * The lines that arrive in the hour before `end` at `eventsPerDay`: that hour's events plus the
 * late arrivals of the `lateMaxHours` before it, as the producer would send them. The generator
 * has no period shorter than a day and lets no line arrive after its period ends (late lines
 * bunch up at the end), so this generates a period that reaches `lateMaxHours` (in whole days)
 * before the hour and as far past it, reads its output, which is in arrival order, up to `end`
 * and keeps the hour's part. Lines carry no arrival time, but on-time lines arrive within 2 s of
 * their event time, so the newest event time seen so far (future timestamps aside) is the clock.
 */
export function nextHourLines(
  config: LakehouseConfig,
  opts: { eventsPerDay: number; seed: number; end: string },
): NextHour {
  const endMs = Date.parse(opts.end);
  const from = endMs - HOUR_MS;
  const base = generatorOptions(config.generator, { seed: opts.seed, end: opts.end });
  const reach = Math.ceil(base.lateMaxHours / 24);
  const days = 2 * reach + 1;
  const periodEnd = endMs + reach * DAY_MS;
  const gen = createGenerator({
    ...base,
    events: opts.eventsPerDay * days,
    days,
    end: new Date(periodEnd).toISOString(),
  });
  const lines: string[] = [];
  const dates = new Set<string>();
  let late = 0;
  let clock = Number.NEGATIVE_INFINITY;
  read: for (let chunk = gen.next(5_000); chunk.length; chunk = gen.next(5_000)) {
    for (const line of chunk) {
      const ts = EVENT_TIMESTAMP.exec(line)?.[1];
      const t = ts === undefined ? Number.NaN : Date.parse(ts);
      if (t <= periodEnd && t > clock) clock = t;
      if (clock >= endMs) break read;
      if (clock < from) continue;
      lines.push(Buffer.from(line).toString());
      if (t < from) late++;
      if (t < endMs) dates.add(new Date(t).toISOString().slice(0, 10));
    }
  }
  return { lines, late, dates: [...dates].sort() };
}

const mib = () => process.resourceUsage().maxRSS / 1024;

/** Rounds of every panel over each range in the dashboards stage. */
const PANEL_ROUNDS = 5;

/** The `q`-quantile of `xs` (nearest rank). */
export function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

const dashboardsStage: Stage = {
  name: 'dashboards',
  description:
    'every panel of every page, through `lakehouse serve` (SQL on DuckDB, Arrow IPC, HTTP), over the last 7 days and the whole lake',
  targets: [{ metric: 'p95_ms', op: '<=', value: 100 }],
  async run(ctx) {
    const lake = join(ctx.workDir, `dashboards-${ctx.dashboardEvents}`, 'lake');
    ctx.log(
      `bench: dashboards: ${ctx.dashboardEvents} events over ${ctx.dashboardDays} days, ingested and built first (not timed)`,
    );
    await ingestSettings(ctx.config, ctx.cacheDir);
    await ingestInto(ctx, lake, [
      {
        generate: {
          events: ctx.dashboardEvents,
          days: ctx.dashboardDays,
          seed: ctx.seed,
          end: ctx.end,
        },
      },
    ]);
    await timedRun(ctx, lake, {});
    const pages = loadDashboards();
    const { first, last } = lakeRange(lake);
    if (!first || !last) throw new Error('bench: dashboards: the lake has no daily_kpis');
    const weekStart = new Date(Date.parse(`${last}T00:00:00Z`) - 6 * DAY_MS)
      .toISOString()
      .slice(0, 10);
    const ranges = [
      { from: weekStart < first ? first : weekStart, to: last },
      { from: first, to: last },
    ];
    const server = await startDashboardServer({
      lakeRoot: lake,
      database: databaseName(ctx.config),
      port: 0,
      pages,
    });
    const byPanel = new Map<string, number[]>();
    const byPage = new Map<string, number[]>();
    const t0 = performance.now();
    let rows = 0;
    try {
      for (let round = 0; round < PANEL_ROUNDS; round++) {
        for (const range of ranges) {
          for (const page of pages) {
            for (const panel of page.panels) {
              const url = `${server.url}api/panels/${panel.id}?from=${range.from}&to=${range.to}`;
              const started = performance.now();
              const res = await fetch(url);
              const body = await res.arrayBuffer();
              const ms = performance.now() - started;
              if (!res.ok) {
                throw new Error(`bench: panel ${panel.id}: ${Buffer.from(body).toString('utf8')}`);
              }
              rows += Number(res.headers.get('x-rows'));
              // The first round warms DuckDB's caches, as a browser's first load does: counted.
              byPanel.set(panel.id, [...(byPanel.get(panel.id) ?? []), ms]);
              byPage.set(page.id, [...(byPage.get(page.id) ?? []), ms]);
            }
          }
        }
      }
    } finally {
      await server.close();
    }
    const seconds = (performance.now() - t0) / 1000;
    const all = [...byPanel.values()].flat();
    const slowest = [...byPanel.entries()].sort(
      (a, b) => quantile(b[1], 0.95) - quantile(a[1], 0.95),
    )[0]!;
    ctx.log(
      `bench: dashboards: slowest panel ${slowest[0]} (p95 ${quantile(slowest[1], 0.95).toFixed(1)} ms)`,
    );
    return {
      seconds,
      // The lake's size; nothing is processed per event here, so no rate.
      events: ctx.dashboardEvents,
      events_per_s: 0,
      days: ctx.dashboardDays,
      panels: byPanel.size,
      queries: all.length,
      rows_returned: rows,
      p50_ms: quantile(all, 0.5),
      p95_ms: quantile(all, 0.95),
      max_ms: Math.max(...all),
      ...Object.fromEntries(
        [...byPage].map(([page, ms]) => [`${page}_p95_ms`, quantile(ms, 0.95)]),
      ),
      peak_rss_mb: mib(),
    };
  },
  table(r) {
    const pages = Object.keys(r)
      .filter((k) => k.endsWith('_p95_ms') && k !== 'p95_ms')
      .map((k) => k.slice(0, -'_p95_ms'.length));
    return {
      head: ['page', 'p95 ms'],
      rows: [
        ...pages.map((p) => [p, r[`${p}_p95_ms`]!.toFixed(1)]),
        [
          'all pages',
          `${r.p95_ms!.toFixed(1)} (p50 ${r.p50_ms!.toFixed(1)}, max ${r.max_ms!.toFixed(1)})`,
        ],
      ],
      metrics: [...pages.map((p) => `${p}_p95_ms`), 'p95_ms', 'p50_ms', 'max_ms'],
    };
  },
};

export const STAGES: Stage[] = [
  {
    name: 'generator',
    description: 'generate NDJSON lines in memory (no I/O)',
    targets: [{ metric: 'events_per_s', op: '>=', value: 300_000 }],
    async run(ctx) {
      const gen = createGenerator(
        generatorOptions(ctx.config.generator, {
          events: ctx.events,
          seed: ctx.seed,
          end: ctx.end,
        }),
      );
      const t0 = performance.now();
      let lines = 0;
      let bytes = 0;
      for (let chunk = gen.next(5_000); chunk.length; chunk = gen.next(5_000)) {
        lines += chunk.length;
        for (const l of chunk) bytes += l.length + 1;
      }
      const seconds = (performance.now() - t0) / 1000;
      return {
        seconds,
        events: lines,
        events_per_s: lines / seconds,
        mb: bytes / 1e6,
        peak_rss_mb: mib(),
      };
    },
  },
  {
    name: 'ingest',
    description: 'producer handler → kinesalite → Firehose stand-in → gzip Bronze, end to end',
    targets: [
      { metric: 'events_per_s', op: '>=', value: 100_000 },
      { metric: 'peak_rss_mb', op: '<=', value: 1024 },
    ],
    async run(ctx) {
      // Synthesis is a one-off cost (cached between runs), not part of ingest throughput.
      await ingestSettings(ctx.config, ctx.cacheDir);
      const s = await ingestBronze(ctx, ctx.events);
      return {
        seconds: s.seconds,
        events: s.emitted,
        events_per_s: s.emitted / s.seconds,
        objects: s.objects,
        gzip_mb: s.bytesOut / 1e6,
        peak_rss_mb: s.peakRssMiB.main + s.peakRssMiB.stream,
        main_rss_mb: s.peakRssMiB.main,
        stream_rss_mb: s.peakRssMiB.stream,
      };
    },
  },
  {
    name: 'silver',
    description:
      'lakehouse build --layer silver on DuckDB over the Bronze just ingested, beside a plain scan of it',
    targets: [
      { metric: 'events_per_s', op: '>=', value: 500_000 },
      { metric: 'checks_share', op: '<=', value: 0.25 },
    ],
    async run(ctx) {
      let lake = ctx.bronzeLakes.get(ctx.silverEvents);
      if (!lake) {
        ctx.log(`bench: silver: ingesting ${ctx.silverEvents} events first (not timed)`);
        await ingestSettings(ctx.config, ctx.cacheDir);
        await ingestBronze(ctx, ctx.silverEvents);
        lake = ctx.bronzeLakes.get(ctx.silverEvents)!;
      }
      const models = loadModels().filter((m) => m.layer === 'silver');
      const engine = await DuckDbEngine.open({
        lakeRoot: lake,
        database: databaseName(ctx.config),
      });
      try {
        // The floor: read every Bronze line once, as the models do, and nothing else.
        const t0 = performance.now();
        const scan = await engine.query(savedQuery('bronze_scan'));
        const scanSeconds = (performance.now() - t0) / 1000;
        const lines = Number(scan.rows[0]!.lines);
        // The pipeline as `lakehouse run` executes it: the state machine, every Silver model.
        const { seconds, perModel, checks } = await timedRun(ctx, lake, {
          models: models.map((m) => m.name),
        });
        return {
          seconds,
          events: lines,
          events_per_s: lines / seconds,
          scan_seconds: scanSeconds,
          scan_events_per_s: lines / scanSeconds,
          build_to_scan_ratio: seconds / scanSeconds,
          ...checks,
          ...perModel,
          peak_rss_mb: mib(),
        };
      } finally {
        await engine.close();
      }
    },
  },
  {
    name: 'gold',
    description:
      'lakehouse build --layer gold,rfm on DuckDB over the Silver the silver stage built (same events)',
    targets: [
      { metric: 'events_per_s', op: '>=', value: 200_000 },
      { metric: 'checks_share', op: '<=', value: 0.25 },
    ],
    async run(ctx) {
      const lake = ctx.bronzeLakes.get(ctx.silverEvents);
      const models = loadModels().filter((m) => m.layer === 'gold' || m.layer === 'rfm');
      if (!lake) throw new Error('bench: gold: run it with the silver stage (it builds on Silver)');
      if (models.length === 0) throw new Error('bench: gold: no gold or rfm models');
      const { report, seconds, perModel, checks } = await timedRun(ctx, lake, {
        models: models.map((m) => m.name),
      });
      const engine = await DuckDbEngine.open({
        lakeRoot: lake,
        database: databaseName(ctx.config),
      });
      let events: number;
      try {
        const r = await engine.query('SELECT count(*) AS n FROM silver_events');
        events = Number(r.rows[0]!.n);
      } finally {
        await engine.close();
      }
      return {
        seconds,
        events,
        events_per_s: events / seconds,
        models: report.models.length,
        rows_out: report.models.reduce((n, m) => n + m.rows, 0),
        ...checks,
        ...perModel,
        peak_rss_mb: mib(),
      };
    },
  },
  {
    name: 'incremental',
    description:
      `with ${HISTORY_DAYS.join(', ')} days of history built, one more hour of events (late ` +
      'arrivals included): the scheduled run vs a full rebuild, seconds and bytes read',
    targets: [
      // The hour's lines fall in three dates: its own and, through late arrivals (up to 48 h by
      // default), the two before (plus a few future-dated lines, in small partitions of their
      // own). A run rebuilds those dates whole, so with equal days it reads at most about
      // 3/14 ≈ 0.21 of what a full rebuild of 14 days reads (less in practice: today is only
      // partly filled, and a full rebuild also reads the reference snapshots). 0.25 leaves a
      // little room; a model reading one date more than it rebuilds (4/14 ≈ 0.29) breaks it.
      { metric: 'read_ratio_14d', op: '<=', value: 0.25 },
      // Cost grows with new data, not with history: four times the history, about the same
      // read. (Not quite flat here: the history is delivered in one go, so the delivery errors
      // of all of it sit in today's error partition, which the run rebuilds with today.)
      { metric: 'incr_read_growth_7d_to_28d', op: '<=', value: 1.25 },
    ],
    async run(ctx) {
      await ingestSettings(ctx.config, ctx.cacheDir);
      const perDay = ctx.incrementalEventsPerDay;
      // History ends where the new hour starts: at the start of the previous hour.
      const historyEnd = new Date(Date.parse(ctx.end) - HOUR_MS).toISOString();
      // The same hour for every history length (another seed: its event ids are new).
      const hour = nextHourLines(ctx.config, {
        eventsPerDay: perDay,
        seed: ctx.seed + 1,
        end: ctx.end,
      });
      const out: Record<string, number> = {
        events_per_day: perDay,
        hour_lines: hour.lines.length,
        hour_late_lines: hour.late,
        hour_dates: hour.dates.length,
      };
      const mb = (bytes: number) => bytes / 1e6;
      for (const days of HISTORY_DAYS) {
        const dir = join(ctx.workDir, `incremental-${days}d`);
        const lake = join(dir, 'lake');
        try {
          const events = days * perDay;
          ctx.log(
            `bench: incremental: ${days} days: ingesting ${events.toLocaleString('en-US')} events and building them (not timed)`,
          );
          const history = await ingestInto(ctx, lake, [
            { generate: { events, days, end: historyEnd, seed: ctx.seed } },
          ]);
          await timedRun(ctx, lake, {});
          await ingestInto(ctx, lake, [{ lines: hour.lines, reference: false }]);
          const incr = await timedRun(ctx, lake, {});
          if (incr.report.newObjects === 0) {
            throw new Error('the incremental run found no new objects');
          }
          const full = await timedRun(ctx, lake, { fullRefresh: true });
          const perModel = (r: typeof incr) =>
            r.report.models
              .map((m) => `${m.model} ${m.partitions}p ${mb(m.bytes).toFixed(1)} MB`)
              .join(', ');
          ctx.log(`bench: incremental: ${days} days: incremental run: ${perModel(incr)}`);
          ctx.log(
            `bench: incremental: ${days} days: full rebuild: ${perModel(full)} ` +
              `(RSS now ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB, peak ${Math.round(mib())})`,
          );
          Object.assign(out, {
            [`history_${days}d_events`]: history.emitted,
            [`bronze_${days}d_mb`]: mb(history.bytesOut),
            [`incr_${days}d_s`]: incr.seconds,
            [`incr_${days}d_mb_read`]: mb(incr.report.bytesScanned),
            [`incr_${days}d_partitions`]: incr.partitions,
            [`incr_${days}d_new_objects`]: incr.report.newObjects,
            [`full_${days}d_s`]: full.seconds,
            [`full_${days}d_mb_read`]: mb(full.report.bytesScanned),
            [`full_${days}d_partitions`]: full.partitions,
            [`read_ratio_${days}d`]: incr.report.bytesScanned / full.report.bytesScanned,
            [`time_ratio_${days}d`]: incr.seconds / full.seconds,
          });
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      const [first, , last] = HISTORY_DAYS;
      out[`incr_read_growth_${first}d_to_${last}d`] =
        out[`incr_${last}d_mb_read`]! / out[`incr_${first}d_mb_read`]!;
      out[`full_read_growth_${first}d_to_${last}d`] =
        out[`full_${last}d_mb_read`]! / out[`full_${first}d_mb_read`]!;
      const seconds = out.incr_14d_s!;
      return {
        ...out,
        seconds,
        events: hour.lines.length,
        events_per_s: hour.lines.length / seconds,
        peak_rss_mb: mib(),
      };
    },
    table(r) {
      const n = (v: number | undefined, digits = 1) => (v === undefined ? '-' : v.toFixed(digits));
      return {
        head: [
          'history',
          'incr s',
          'incr MB read',
          'incr partitions',
          'full s',
          'full MB read',
          'full partitions',
          'read ratio',
        ],
        rows: HISTORY_DAYS.map((d) => [
          `${d} days`,
          n(r[`incr_${d}d_s`], 2),
          n(r[`incr_${d}d_mb_read`]),
          n(r[`incr_${d}d_partitions`], 0),
          n(r[`full_${d}d_s`], 2),
          n(r[`full_${d}d_mb_read`]),
          n(r[`full_${d}d_partitions`], 0),
          n(r[`read_ratio_${d}d`], 3),
        ]),
        metrics: HISTORY_DAYS.flatMap((d) => [
          `incr_${d}d_s`,
          `incr_${d}d_mb_read`,
          `incr_${d}d_partitions`,
          `full_${d}d_s`,
          `full_${d}d_mb_read`,
          `full_${d}d_partitions`,
          `read_ratio_${d}d`,
        ]),
      };
    },
  },
  dashboardsStage,
];

export interface BenchReport {
  machine: { node: string; cpus: number; platform: string };
  events: number;
  stages: Record<string, StageResult>;
  peak_rss_mb: number;
  targets: {
    stage: string;
    metric: string;
    op: string;
    target: number;
    value: number;
    met: boolean;
  }[];
}

export async function runBench(
  ctx: Omit<BenchContext, 'end' | 'workDir' | 'bronzeLakes'> & { only?: string[] },
): Promise<BenchReport> {
  const { cpus } = await import('node:os');
  const workDir = await mkdtemp(join(tmpdir(), 'lakehouse-bench-'));
  const full: BenchContext = { ...ctx, end: currentHour(), workDir, bronzeLakes: new Map() };
  const stages: Record<string, StageResult> = {};
  const targets: BenchReport['targets'] = [];
  try {
    for (const stage of STAGES) {
      if (ctx.only && !ctx.only.includes(stage.name)) continue;
      ctx.log(`bench: ${stage.name} (${stage.description}) ...`);
      const r = await stage.run(full);
      stages[stage.name] = r;
      for (const t of stage.targets) {
        const value = r[t.metric]!;
        targets.push({
          stage: stage.name,
          metric: t.metric,
          op: t.op,
          target: t.value,
          value,
          met: t.op === '>=' ? value >= t.value : value <= t.value,
        });
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return {
    machine: {
      node: process.version,
      cpus: cpus().length,
      platform: `${process.platform}-${process.arch}`,
    },
    events: ctx.events,
    stages,
    peak_rss_mb: mib(),
    targets,
  };
}
