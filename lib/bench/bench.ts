/**
 * `npm run bench`: throughput and memory of each stage, measured on this machine. Later stages
 * (silver, gold, ...) add themselves to `STAGES`. Targets live here, not in timed unit tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { savedQuery } from '../catalog/saved-queries.ts';
import { runPipelineAt } from '../cli/run-command.ts';
import { databaseName } from '../config.ts';
import { DuckDbEngine } from '../engine/duckdb.ts';
import { loadModels } from '../engine/model.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LakehouseConfig } from '../config.ts';
import { createGenerator } from '../events/generator.ts';
import { runLocalIngest } from '../local/ingest.ts';
import { ingestSettings } from '../local/template-settings.ts';
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
  log: (msg: string) => void;
}

/** Ingests `events` generated events into a fresh lake under the scratch folder. */
async function ingestBronze(ctx: BenchContext, events: number) {
  const lake = join(ctx.workDir, `bronze-${events}`, 'lake');
  const s = await runLocalIngest({
    config: ctx.config,
    lakeRoot: lake,
    cacheDir: ctx.cacheDir,
    requests: [{ generate: { events, seed: ctx.seed, end: ctx.end } }],
  });
  if (s.landed + s.errors !== s.emitted) {
    throw new Error(`ingest lost lines: emitted ${s.emitted}, delivered ${s.landed + s.errors}`);
  }
  ctx.bronzeLakes.set(events, lake);
  return s;
}

const mib = () => process.resourceUsage().maxRSS / 1024;

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
    targets: [{ metric: 'events_per_s', op: '>=', value: 500_000 }],
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
        let t0 = performance.now();
        const scan = await engine.query(savedQuery('bronze_scan'));
        const scanSeconds = (performance.now() - t0) / 1000;
        const lines = Number(scan.rows[0]!.lines);
        t0 = performance.now();
        // The pipeline as `lakehouse run` executes it: the state machine, every Silver model.
        const report = await runPipelineAt(lake, ctx.cacheDir, ctx.config, {
          quiet: true,
          models: models.map((m) => m.name),
        });
        if (report.status !== 'SUCCEEDED') {
          throw new Error(`bench: silver: the run ${report.status}: ${report.error}`);
        }
        const seconds = (performance.now() - t0) / 1000;
        const perModel = Object.fromEntries(report.models.map((m) => [`${m.model}_s`, m.seconds]));
        return {
          seconds,
          events: lines,
          events_per_s: lines / seconds,
          scan_seconds: scanSeconds,
          scan_events_per_s: lines / scanSeconds,
          build_to_scan_ratio: seconds / scanSeconds,
          ...perModel,
          peak_rss_mb: mib(),
        };
      } finally {
        await engine.close();
      }
    },
  },
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
