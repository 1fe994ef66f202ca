/**
 * The pipeline on the laptop: the state machine's definition from the synthesized template
 * (cached by the template fingerprint, like the ingest settings), and the pipeline handlers wired
 * to the filesystem lake and DuckDB.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { databaseName, type LakehouseConfig } from '../config.ts';
import { resolveChecks } from '../dq/checks.ts';
import { DuckDbEngine, LOCAL_PATH_PREFIX } from '../engine/duckdb.ts';
import { loadModels, type Model } from '../engine/model.ts';
import { createPipelineHandlers, type PipelineHandlers } from '../pipeline/handlers.ts';
import { resolveStateMachine, type ResolvedDefinition, type Template } from './asl.ts';
import { FsLake } from './fs-lake.ts';
import { isAlive } from './process-alive.ts';
import { fromTemplate } from './template-settings.ts';

/**
 * The definition `cdk synth` emits for this config, resolved to plain ASL. `template`: read it
 * from a synthesized template file (e.g. `cdk.out/EcommerceLakehouse.template.json`) instead.
 */
export async function localDefinition(
  config: LakehouseConfig,
  opts: { cacheDir?: string; template?: string } = {},
): Promise<ResolvedDefinition> {
  if (opts.template) {
    let template: Template;
    try {
      template = JSON.parse(readFileSync(opts.template, 'utf8')) as Template;
    } catch (err) {
      throw new Error(`cannot read the template ${opts.template}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return resolveStateMachine(template);
  }
  return fromTemplate(config, opts.cacheDir, 'state-machine', (template) =>
    resolveStateMachine(template as Template),
  );
}

export interface LocalPipeline {
  readonly engine: DuckDbEngine;
  readonly lake: FsLake;
  readonly handlers: PipelineHandlers;
  readonly models: readonly Model[];
  close(): Promise<void>;
}

/** The pipeline handlers on the filesystem lake and DuckDB. */
export async function openLocalPipeline(
  lakeRoot: string,
  config: LakehouseConfig,
  opts: { threads?: number; models?: readonly Model[] } = {},
): Promise<LocalPipeline> {
  const database = databaseName(config);
  const engine = await DuckDbEngine.open({
    lakeRoot,
    database,
    ...(opts.threads ? { threads: opts.threads } : {}),
  });
  const lake = new FsLake(lakeRoot);
  const models = opts.models ?? loadModels();
  const checks = resolveChecks(config.dq.checks);
  const handlers = createPipelineHandlers({
    lake,
    engine,
    models: () => models,
    checks: () => checks,
    database,
    lakeUri: LOCAL_PATH_PREFIX,
    overlapSeconds: config.pipeline.overlapSeconds,
    lateArrivalHours: config.pipeline.lateArrivalHours,
    lockTimeoutMinutes: config.pipeline.timeoutMinutes,
    owner: { host: hostname(), pid: process.pid },
    isOwnerAlive: (owner) => owner.pid === process.pid || isAlive(owner.pid),
  });
  return { engine, lake, handlers, models, close: () => engine.close() };
}
