/**
 * What a pipeline run rebuilds. The watermark (the last successful run's high mark, kept in the
 * lake) says which Bronze objects are new: those that arrived after it. Each new object names the
 * partition it belongs to (late arrivals land in old dates and are rebuilt there); each model
 * rebuilds the values its scoped inputs changed, so changes flow down the dependency graph. A
 * model whose SQL changed since the watermark, or a full refresh, rebuilds everything its inputs
 * hold; `dates` forces those partitions. A change in a `cumulative` input's partition F (within
 * `window_days` of it, when the model has a window), or in a `lookup` input from date F on,
 * rebuilds the model's partitions from F on, not every one. Models are grouped in waves: a wave
 * only reads what earlier waves (or published tables) hold.
 *
 * Listing is bounded: the partition values of each Bronze table come from its folders (one
 * request per 1,000 folders, never per object), and objects are listed only under the partitions
 * dated on or after a horizon (`lateArrivalHours` before the high mark), so a scheduled run's
 * listing grows with recent data, not with history.
 */
import { createHash } from 'node:crypto';
import { BRONZE_TABLES, partitionValueOf, type BronzePartition } from '../catalog/bronze-tables.ts';
import { RECORD_TABLES } from '../catalog/record-tables.ts';
import { LAYERS, type Layer, type Model } from '../engine/model.ts';
import { stagingTableName, type StagedInput } from '../engine/statements.ts';
import { daysBefore } from '../engine/wrap.ts';
import type { LakeLister } from '../lake/lake-store.ts';

/** Kept in the lake (`_state/pipeline/watermark.json`); moved only by a successful full run. */
export interface Watermark {
  /** Newest `lastModified` of the Bronze objects the run saw (ISO-8601). */
  readonly highMark: string | null;
  /**
   * Keys seen with `lastModified` within `overlapSeconds` of the high mark: an object that
   * becomes visible late with an older time stamp is still picked up, and these are not taken
   * twice.
   */
  readonly recentKeys: readonly string[];
  /** Model → fingerprint of its SQL and config when it was last built. */
  readonly models: Readonly<Record<string, string>>;
  /**
   * Work a restricted run (`models`) left for the models it did not build: partition values to
   * rebuild (`null`: the whole table). The next run that builds the model adds them.
   */
  readonly pending?: Readonly<Record<string, readonly string[] | null>>;
  readonly runId: string | null;
  readonly updatedAt: string | null;
}

export const EMPTY_WATERMARK: Watermark = {
  highMark: null,
  recentKeys: [],
  models: {},
  runId: null,
  updatedAt: null,
};

/** What a run was asked to do (the execution input). */
export interface RunRequest {
  /** Rebuild every partition of every (selected) model. */
  readonly fullRefresh?: boolean;
  /** Rebuild exactly these partition values (YYYY-MM-DD) of the partitioned models. */
  readonly dates?: readonly string[];
  /** Only these models (others are read as published). */
  readonly models?: readonly string[];
}

export type BuildReason =
  'new data' | 'upstream' | 'first build' | 'model changed' | 'full refresh' | 'dates';

/** One model's work in a run: the Map iteration's input in the state machine. */
export interface ModelTask {
  readonly runId: string;
  readonly model: string;
  readonly layer: string;
  readonly materialization: Model['materialization'];
  /** Partition values to rebuild (sorted); `null` for a `table` model (rebuilt whole). */
  readonly partitions: string[] | null;
  readonly buildId: string;
  readonly stagingTable: string;
  /** Inputs this run rebuilds in earlier waves, read from their staging tables. */
  readonly staged: Record<string, StagedInput>;
  readonly reason: BuildReason;
  /** Publish as the whole table (full refresh, or the model changed and may have new columns). */
  readonly replace: boolean;
}

export interface Wave {
  readonly index: number;
  readonly models: ModelTask[];
}

/** A layer's share of the run: staged, audited, then (with every other layer) published. */
export interface LayerPlan {
  readonly layer: Layer;
  readonly waves: Wave[];
}

/**
 * The waves split by layer, in layer order (silver, gold, rfm, dq): the state machine stages and
 * audits one layer at a time, so a layer's checks run before anything after it is built. A model
 * may read only its own layer or earlier ones.
 */
export function groupByLayer(waves: readonly Wave[]): LayerPlan[] {
  const out: LayerPlan[] = [];
  const rank = (l: string) => (LAYERS as readonly string[]).indexOf(l);
  for (const layer of LAYERS) {
    const mine = waves
      .map((w) => w.models.filter((t) => t.layer === layer))
      .filter((ms) => ms.length > 0)
      .map((models, index) => ({ index, models }));
    if (mine.length > 0) out.push({ layer, waves: mine });
  }
  for (const w of waves) {
    for (const t of w.models) {
      for (const dep of Object.keys(t.staged)) {
        const up = waves.flatMap((x) => x.models).find((m) => m.model === dep);
        if (up && rank(up.layer) > rank(t.layer)) {
          throw new Error(
            `${t.model} (${t.layer}) reads ${dep} of a later layer (${up.layer}): layers build in the order ${LAYERS.join(', ')}`,
          );
        }
      }
    }
  }
  return out;
}

export interface ModelPlanSummary {
  readonly partitions: readonly string[] | null;
  readonly reason: BuildReason;
  /**
   * The earliest partition value (a date) the rebuild can change for the models that read this
   * one: the smallest partition rebuilt, or for a `table` model the smallest its inputs changed.
   * `null`: any (rebuilt whole for a reason that is not new data).
   */
  readonly floor: string | null;
}

export interface PlanResult {
  readonly waves: Wave[];
  /** Every model the run builds, as the models after it and the checks read it. */
  readonly staged: Readonly<Record<string, StagedInput>>;
  /** New Bronze objects found (after the watermark). */
  readonly newObjects: number;
  /**
   * What the planner listed: Bronze objects (only in partitions within the horizon) and partition
   * folders (the walk that finds every partition value).
   */
  readonly listed: { readonly objects: number; readonly prefixes: number };
  /** Partitions dated before this (YYYY-MM-DD) were not listed; `null`: everything was. */
  readonly horizon: string | null;
  /** The watermark to store if the run succeeds. */
  readonly next: Watermark;
  /**
   * Whether the watermark moves when the run succeeds: not for `dates` (extra work on top of
   * the schedule). A `models` run moves it and leaves the other models' work in `pending`.
   */
  readonly advancesWatermark: boolean;
}

/** Fingerprint of what a model computes: its SQL and its config. */
export function modelFingerprint(model: Model): string {
  const config = JSON.stringify([
    model.materialization,
    model.partitionedBy,
    model.dependsOn,
    Object.entries(model.scope).sort(),
    // Only when present, so the fingerprints of models without them stay as they were.
    ...(Object.keys(model.cumulative).length > 0 ? [Object.entries(model.cumulative).sort()] : []),
    ...(model.lookup.length > 0 ? [[...model.lookup].sort()] : []),
    ...(model.windowDays !== undefined ? [model.windowDays] : []),
  ]);
  return createHash('sha256').update(config).update('\n').update(model.sql).digest('hex');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks a request: unknown models or malformed dates are named. */
export function checkRequest(request: RunRequest, models: readonly Model[]): void {
  const bad = (request.dates ?? []).filter((d) => !DATE.test(d));
  if (bad.length > 0) throw new Error(`dates must be YYYY-MM-DD: ${bad.join(', ')}`);
  if (request.dates && request.dates.length === 0) throw new Error('dates: give at least one date');
  if (request.models && request.models.length === 0) {
    throw new Error('models: give at least one model');
  }
  const names = new Set(models.map((m) => m.name));
  const unknown = (request.models ?? []).filter((m) => !names.has(m));
  if (unknown.length > 0) {
    throw new Error(`unknown model(s): ${unknown.join(', ')} (known: ${[...names].join(', ')})`);
  }
}

/**
 * The first date whose partitions a run lists objects in: the UTC date of the high mark less
 * `lateArrivalHours` and `overlapSeconds`. `undefined` (list everything) without a high mark or
 * a horizon.
 */
export function listingHorizon(
  highMark: string | null,
  lateArrivalHours: number | undefined,
  overlapSeconds: number,
): string | undefined {
  const high = highMark ? Date.parse(highMark) : Number.NaN;
  if (!Number.isFinite(high) || lateArrivalHours === undefined) return undefined;
  const cut = high - lateArrivalHours * 3_600_000 - overlapSeconds * 1000;
  return Number.isFinite(cut) ? new Date(cut).toISOString().slice(0, 10) : undefined;
}

/** The value a partition folder's name carries (`dt=2026-11-20` → `2026-11-20`), if any. */
function folderValue(partition: BronzePartition, name: string): string | undefined {
  const value =
    partition.keyStyle === 'value'
      ? name
      : name.startsWith(`${partition.name}=`)
        ? name.slice(partition.name.length + 1)
        : undefined;
  return value === '' || value?.includes('/') ? undefined : value;
}

/**
 * Plans one run: finds the partition values of the Bronze tables the models read from their
 * folders, lists the objects of the partitions within the horizon, finds the new ones against
 * the watermark and derives each model's partitions.
 */
export async function planRun(opts: {
  readonly runId: string;
  readonly models: readonly Model[];
  readonly lake: LakeLister;
  readonly watermark: Watermark;
  readonly request: RunRequest;
  /** How far before the high mark an unseen object still counts as new. */
  readonly overlapSeconds: number;
  /**
   * The listing horizon: objects are listed only in partitions whose scope-column date is on or
   * after the UTC date of (high mark − this − `overlapSeconds`). An object that arrives later
   * than that after its partition's date is not seen by scheduled runs (`dates` or `fullRefresh`
   * rebuild it: it stays in Bronze). Not given: every object is listed.
   */
  readonly lateArrivalHours?: number;
  readonly now: Date;
}): Promise<PlanResult> {
  const { models, watermark, request, runId } = opts;
  checkRequest(request, models);
  const byName = new Map(models.map((m) => [m.name, m]));

  // Bronze: every value per (table, column) the models read, and the values with new objects.
  const wanted = new Map<string, Set<string>>();
  for (const m of models) {
    for (const dep of m.dependsOn) {
      const t = BRONZE_TABLES.find((b) => b.name === dep);
      if (!t) continue;
      let cols = wanted.get(t.name);
      if (!cols) wanted.set(t.name, (cols = new Set()));
      cols.add(m.scope[dep] ?? m.cumulative[dep] ?? t.partitions[0]!.name);
    }
  }
  const high = watermark.highMark ? Date.parse(watermark.highMark) : undefined;
  const since = high === undefined ? undefined : high - opts.overlapSeconds * 1000;
  const horizon = listingHorizon(watermark.highMark, opts.lateArrivalHours, opts.overlapSeconds);
  const recent = new Set(watermark.recentKeys);
  const all = new Map<string, Set<string>>();
  const changed = new Map<string, Set<string>>();
  const bronzeChanged = new Set<string>();
  let newest = high ?? Number.NEGATIVE_INFINITY;
  const seen: { key: string; at: number }[] = [];
  let newObjects = 0;
  const listed = { objects: 0, prefixes: 0 };
  for (const [name, cols] of wanted) {
    const t = BRONZE_TABLES.find((b) => b.name === name)!;
    const levels = [...cols].map((c) => {
      const i = t.partitions.findIndex((p) => p.name === c);
      if (i < 0) throw new Error(`${t.name} has no partition column ${c}`);
      return i;
    });
    // Folders down to the deepest column read (below it, one listing covers a partition).
    const depth = Math.max(...levels) + 1;

    const listObjects = async (prefix: string) => {
      for await (const o of opts.lake.list(prefix)) {
        listed.objects++;
        const values = [...cols].map((c) => [c, partitionValueOf(t, o.key, c)] as const);
        if (values.some(([, v]) => v === undefined)) continue;
        const at = o.lastModified.getTime();
        // After the high mark: new (a key seen before and written again counts too). Within the
        // overlap before it: new unless the last run saw that key.
        const isNew = since === undefined || at > high! || (at > since && !recent.has(o.key));
        if (isNew) {
          newObjects++;
          bronzeChanged.add(name);
          for (const [c, v] of values) add(changed, `${name}.${c}`, v!);
        }
        newest = Math.max(newest, at);
        seen.push({ key: o.key, at });
      }
    };

    // Walk the partition folders: every value is known without listing objects; objects are
    // listed only where no scope-column date is before the horizon (values that are not dates,
    // and dates on or after it, future ones included, are always listed).
    const walk = async (
      prefix: string,
      level: number,
      values: ReadonlyMap<string, string>,
      within: boolean,
    ): Promise<void> => {
      if (level === depth) {
        for (const c of cols) add(all, `${name}.${c}`, values.get(c)!);
        if (within) await listObjects(prefix);
        return;
      }
      const partition = t.partitions[level]!;
      const children: [string, string][] = [];
      for await (const child of opts.lake.listPrefixes(prefix)) {
        listed.prefixes++;
        if (!child.startsWith(prefix) || !child.endsWith('/')) continue;
        const value = folderValue(partition, child.slice(prefix.length, -1));
        if (value !== undefined) children.push([child, value]);
      }
      for (const [child, value] of children) {
        const before =
          horizon !== undefined && cols.has(partition.name) && DATE.test(value) && value < horizon;
        await walk(child, level + 1, new Map(values).set(partition.name, value), within && !before);
      }
    };
    await walk(t.prefix, 0, new Map(), true);
  }

  // Tables the pipeline writes itself (dq_results): their partition values from their folders.
  const recordInputs = new Map<string, string>();
  for (const m of models) {
    for (const dep of m.dependsOn) {
      const t = RECORD_TABLES.find((r) => r.name === dep);
      if (t) recordInputs.set(dep, m.scope[dep] ?? t.partition.name);
    }
  }
  for (const [name, column] of recordInputs) {
    const t = RECORD_TABLES.find((r) => r.name === name)!;
    for await (const child of opts.lake.listPrefixes(t.prefix)) {
      listed.prefixes++;
      const folder = child.slice(t.prefix.length).replace(/\/$/, '');
      if (folder.startsWith(`${column}=`))
        add(all, `${name}.${column}`, folder.slice(column.length + 1));
    }
  }
  const today = opts.now.toISOString().slice(0, 10);

  // Models, inputs first.
  const restrict = request.models ? new Set(request.models) : undefined;
  const selected = (name: string) => !restrict || restrict.has(name);
  const planned = new Map<string, ModelPlanSummary>();
  const allOf = new Map<string, Set<string>>();
  const valuesOf = (model: Model): Set<string> => {
    let out = allOf.get(model.name);
    if (out) return out;
    out = new Set<string>();
    for (const [input, column] of Object.entries({ ...model.scope, ...model.cumulative })) {
      const upstream = byName.get(input);
      const values = upstream ? valuesOf(upstream) : all.get(`${input}.${column}`);
      for (const v of values ?? []) out.add(v);
    }
    allOf.set(model.name, out);
    return out;
  };
  /** `partitions` plus every value of the model from `floor` on. */
  const fromFloor = (model: Model, partitions: Set<string>, floor: string): Set<string> => {
    const out = new Set(partitions);
    for (const v of valuesOf(model)) if (v >= floor) out.add(v);
    return out;
  };
  /**
   * `partitions` plus the model's partitions that read a changed value of a cumulative input:
   * every one from the earliest change on, or with `window_days` N those within N days after a
   * change.
   */
  const afterChanges = (
    model: Model,
    partitions: Set<string>,
    changes: readonly string[],
  ): Set<string> => {
    if (changes.length === 0) return partitions;
    const sorted = [...new Set(changes)].sort();
    if (model.windowDays === undefined) return fromFloor(model, partitions, sorted[0]!);
    const windows = sorted.map((c) => [c, daysBefore(c, -model.windowDays!)] as const);
    const out = new Set(partitions);
    for (const v of valuesOf(model)) {
      if (windows.some(([from, to]) => v >= from && v <= to)) out.add(v);
    }
    return out;
  };
  /**
   * How far back a change in input `dep` reaches: `undefined` if it did not change this run,
   * `null` if anywhere, else the earliest partition value (date) it changed.
   */
  const changeFloor = (dep: string): string | null | undefined => {
    const up = planned.get(dep);
    if (up) return up.floor;
    if (!bronzeChanged.has(dep)) return undefined;
    // A Bronze table's first partition column is its date (dt, snapshot_date).
    const column = BRONZE_TABLES.find((t) => t.name === dep)?.partitions[0]?.name;
    const values = [...(changed.get(`${dep}.${column}`) ?? [])].filter((v) => DATE.test(v));
    return values.length > 0 ? values.sort()[0]! : null;
  };
  for (const model of models) {
    // A record table gets this run's results as the layers before are audited: a model that
    // reads one (dq_daily) rebuilds the run's date, and the day before (runs that cross
    // midnight, a failed run late that day), whenever the run builds anything else. The loader
    // orders layers silver → dq, so those models come after what they summarize.
    for (const dep of model.dependsOn) {
      const column = recordInputs.get(dep);
      if (column === undefined || ![...planned.keys()].some(selected)) continue;
      for (const d of [daysBefore(today, 1), today]) {
        add(changed, `${dep}.${column}`, d);
        add(all, `${dep}.${column}`, d);
      }
      bronzeChanged.add(dep);
    }
    // A full refresh is asked of the selected models; the others only owe what data changed.
    const fullRefresh = request.fullRefresh === true && selected(model.name);
    const known = watermark.models[model.name];
    const fingerprintChanged = known !== modelFingerprint(model);
    const changedReason: BuildReason = known === undefined ? 'first build' : 'model changed';
    const upstreamPlans = model.dependsOn.flatMap((d) => {
      const p = planned.get(d);
      return p ? [[d, p] as const] : [];
    });
    const inputChanged =
      model.dependsOn.some((d) => bronzeChanged.has(d)) || upstreamPlans.length > 0;
    if (model.materialization === 'table') {
      const reason: BuildReason | undefined = fullRefresh
        ? 'full refresh'
        : request.dates
          ? 'dates'
          : fingerprintChanged
            ? changedReason
            : inputChanged
              ? upstreamPlans.length > 0
                ? 'upstream'
                : 'new data'
              : undefined;
      const owed = watermark.pending?.[model.name] !== undefined && !request.dates;
      if (reason || owed) {
        // Rebuilt for new data: its rows can change only from the earliest date its inputs did.
        let floor: string | null | undefined;
        if ((reason === 'new data' || reason === 'upstream') && !owed) {
          for (const dep of model.dependsOn) {
            const f = changeFloor(dep);
            if (f !== undefined) floor = earliest(floor, f);
          }
        }
        planned.set(model.name, {
          partitions: null,
          reason: reason ?? 'new data',
          floor: floor ?? null,
        });
      }
      continue;
    }
    let partitions: Set<string>;
    let reason: BuildReason;
    const cumulative = Object.keys(model.cumulative).length > 0;
    if (request.dates) {
      partitions = new Set(request.dates);
      reason = 'dates';
      // A partition of a cumulative model sums everything up to it: the later ones change too.
      if (cumulative) partitions = afterChanges(model, partitions, [...partitions]);
    } else if (fullRefresh || fingerprintChanged) {
      partitions = valuesOf(model);
      reason = fullRefresh ? 'full refresh' : changedReason;
    } else {
      partitions = new Set();
      reason = 'new data';
      let unscopedChanged = false;
      // Partitions from this value on are rebuilt (a lookup input changed).
      let floor: string | undefined;
      // Values of cumulative inputs that changed: the partitions that sum them are rebuilt.
      const cumulativeChanges: string[] = [];
      for (const dep of model.dependsOn) {
        const column = model.scope[dep] ?? model.cumulative[dep];
        const up = planned.get(dep);
        if (column === undefined) {
          const f = changeFloor(dep);
          if (f === undefined) continue;
          reason = 'upstream';
          if (f === null || !model.lookup.includes(dep)) unscopedChanged = true;
          else floor = earliest(floor, f) ?? undefined;
          continue;
        }
        const values = up
          ? (up.partitions ?? [...valuesOf(byName.get(dep)!)])
          : [...(changed.get(`${dep}.${column}`) ?? [])];
        if (up && values.length > 0) reason = 'upstream';
        for (const v of values) partitions.add(v);
        if (model.cumulative[dep] !== undefined) cumulativeChanges.push(...values);
      }
      // An input read whole (not scoped) changed: every partition may depend on it.
      if (unscopedChanged) {
        partitions = valuesOf(model);
        reason = 'upstream';
      } else {
        if (floor !== undefined) partitions = fromFloor(model, partitions, floor);
        partitions = afterChanges(model, partitions, cumulativeChanges);
      }
    }
    const owed = request.dates ? undefined : watermark.pending?.[model.name];
    if (owed === null) partitions = valuesOf(model);
    else for (const v of owed ?? []) partitions.add(v);
    if (partitions.size > 0) {
      const sorted = [...partitions].sort();
      planned.set(model.name, { partitions: sorted, reason, floor: sorted[0]! });
    }
  }

  // A `models` run builds only those; the others' work waits in `pending` for a later run.
  const pending: Record<string, readonly string[] | null> = { ...watermark.pending };
  for (const [name, p] of planned) {
    if (selected(name)) {
      delete pending[name];
    } else {
      const before = pending[name];
      pending[name] =
        p.partitions === null || before === null
          ? null
          : [...new Set([...(before ?? []), ...p.partitions])].sort();
    }
  }

  // What each model of the run stages: read by the models after it and by the checks.
  const stagedAll: Record<string, StagedInput> = {};
  for (const model of models) {
    const p = planned.get(model.name);
    if (!p || !selected(model.name)) continue;
    const complete =
      p.partitions === null || [...valuesOf(model)].every((v) => p.partitions!.includes(v));
    stagedAll[model.name] = {
      stagingTable: stagingTableName(model, runId),
      ...(model.partitionedBy[0] ? { partitionColumn: model.partitionedBy[0] } : {}),
      ...(complete ? {} : { partitions: p.partitions! }),
    };
  }

  // Waves: a model runs after every input rebuilt in the same run.
  const level = new Map<string, number>();
  const waves: Wave[] = [];
  for (const model of models) {
    const p = planned.get(model.name);
    if (!p || !selected(model.name)) continue;
    const staged: Record<string, StagedInput> = {};
    let lvl = 0;
    for (const dep of model.dependsOn) {
      const up = stagedAll[dep];
      if (!up) continue;
      lvl = Math.max(lvl, (level.get(dep) ?? 0) + 1);
      staged[dep] = up;
    }
    level.set(model.name, lvl);
    (waves[lvl] ??= { index: lvl, models: [] }).models.push({
      runId,
      model: model.name,
      layer: model.layer,
      materialization: model.materialization,
      partitions: p.partitions ? [...p.partitions] : null,
      buildId: runId,
      stagingTable: stagingTableName(model, runId),
      staged,
      reason: p.reason,
      replace: ['full refresh', 'model changed', 'first build'].includes(p.reason),
    });
  }

  const highMark = Number.isFinite(newest) ? new Date(newest).toISOString() : watermark.highMark;
  const cut = Number.isFinite(newest) ? newest - opts.overlapSeconds * 1000 : undefined;
  const next: Watermark = {
    highMark,
    recentKeys:
      cut === undefined
        ? []
        : seen
            .filter((s) => s.at > cut)
            .map((s) => s.key)
            .sort(),
    models: {
      ...watermark.models,
      ...Object.fromEntries(
        models.filter((m) => selected(m.name)).map((m) => [m.name, modelFingerprint(m)]),
      ),
    },
    pending,
    runId,
    updatedAt: opts.now.toISOString(),
  };
  return {
    waves: waves.filter(Boolean),
    staged: stagedAll,
    newObjects,
    listed,
    horizon: horizon ?? null,
    next,
    advancesWatermark: !request.dates,
  };
}

/** The earlier of two floors, where `null` (anywhere) wins and `undefined` is no floor yet. */
function earliest(a: string | null | undefined, b: string | null): string | null {
  if (a === null || b === null) return null;
  return a === undefined || b < a ? b : a;
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}
