/**
 * Runs a build: each model in dependency order is planned (which partitions changed), then
 * materialized by the engine, and its fingerprints are recorded only once it is published, so
 * an interrupted build is simply resumed by the next run.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Model } from '../engine/model.ts';
import { newBuildId, type MaterializeResult, type SqlEngine } from '../engine/sql-engine.ts';
import { createPlanner, type BuildState, type PlanContext } from './plan.ts';

/** Where the recorded fingerprints live: one JSON file, replaced atomically. */
export class BuildStateFile {
  constructor(readonly file: string) {}

  read(): BuildState {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as BuildState;
    } catch (err) {
      throw new Error(`build state ${this.file} is unreadable: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  write(state: BuildState): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
    renameSync(tmp, this.file);
  }
}

export interface ModelRun {
  readonly model: Model;
  /** Partitions planned ('' for a whole table); empty when the model was up to date. */
  readonly planned: readonly string[];
  readonly result?: MaterializeResult;
}

export interface BuildEvents {
  onPlanned?(model: Model, partitions: readonly string[]): void;
  onBuilt?(run: ModelRun): void;
}

export async function runBuild(opts: {
  engine: SqlEngine;
  models: readonly Model[];
  context: Omit<PlanContext, 'state'>;
  state: BuildStateFile;
  buildId?: string;
  signal?: AbortSignal;
  events?: BuildEvents;
}): Promise<ModelRun[]> {
  const { engine, models, state, events } = opts;
  const buildId = opts.buildId ?? newBuildId();
  const recorded = state.read();
  const planModel = createPlanner({ ...opts.context, state: recorded });
  const runs: ModelRun[] = [];
  for (const model of models) {
    const plan = await planModel(model);
    events?.onPlanned?.(model, plan.partitions);
    if (plan.partitions.length === 0) {
      const run = { model, planned: [] };
      runs.push(run);
      events?.onBuilt?.(run);
      continue;
    }
    const result = await engine.materialize({
      model,
      partitions: model.materialization === 'partition_overwrite' ? plan.partitions : undefined,
      buildId,
      signal: opts.signal,
    });
    const mine = (recorded[model.name] ??= {});
    for (const v of plan.partitions) mine[v] = plan.fingerprints[v]!;
    state.write(recorded);
    const run = { model, planned: plan.partitions, result };
    runs.push(run);
    events?.onBuilt?.(run);
  }
  return runs;
}
