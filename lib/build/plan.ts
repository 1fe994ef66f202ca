/**
 * What to rebuild: the partitions whose inputs changed since they were last built.
 *
 * Every partition of a model has a fingerprint: a hash of the model's SQL and of what its scoped
 * inputs hold for that partition value (for a Bronze table, the objects under the partition,
 * by key and size; for a model, where its published partition lives, which changes with each
 * build). A partition is due when its fingerprint differs from the one recorded at its last
 * successful build, so new objects (late events included), a rebuilt upstream partition or an
 * edited model all trigger exactly the partitions they touch, and a re-run with nothing new does
 * nothing.
 */
import { createHash } from 'node:crypto';
import { BRONZE_TABLES } from '../catalog/bronze-tables.ts';
import type { Model } from '../engine/model.ts';

/** One object of the lake. */
export interface LakeObject {
  readonly key: string;
  readonly size: number;
}

/** Lists lake objects under a key prefix (the filesystem lake now; S3 later). */
export interface LakeLister {
  list(prefix: string): AsyncIterable<LakeObject>;
}

/** Published partitions of built tables: table → partition value → location. */
export type PublishedPartitions = (table: string) => Readonly<Record<string, string>> | undefined;

/** Recorded fingerprints: model → partition value ('' for a whole table) → fingerprint. */
export type BuildState = Record<string, Record<string, string>>;

export interface ModelPlan {
  readonly model: Model;
  /** Partition values to rebuild (sorted); for a `table` model, `['']` or nothing. */
  readonly partitions: readonly string[];
  /** Fingerprints to record once the build succeeds. */
  readonly fingerprints: Readonly<Record<string, string>>;
}

const hash = (parts: readonly string[]) =>
  createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);

/**
 * Fingerprint per value of `column` for a Bronze table: objects grouped by the value of that
 * partition in their key.
 */
export async function bronzeFingerprints(
  lister: LakeLister,
  table: string,
  column: string,
): Promise<Map<string, string>> {
  const t = BRONZE_TABLES.find((b) => b.name === table);
  if (!t) throw new Error(`unknown Bronze table ${table}`);
  const index = t.partitions.findIndex((p) => p.name === column);
  if (index < 0) throw new Error(`${table} has no partition column ${column}`);
  const p = t.partitions[index]!;
  const byValue = new Map<string, string[]>();
  for await (const o of lister.list(t.prefix)) {
    // Only objects at the depth the engines read: one segment per partition, then a file name.
    const segments = o.key.slice(t.prefix.length).split('/');
    if (segments.length !== t.partitions.length + 1 || segments[segments.length - 1] === '') {
      continue;
    }
    const segment = segments[index]!;
    const value =
      'keyStyle' in p && p.keyStyle === 'value'
        ? segment
        : segment.startsWith(`${column}=`)
          ? segment.slice(column.length + 1)
          : undefined;
    if (value === undefined || value === '') continue;
    let list = byValue.get(value);
    if (!list) byValue.set(value, (list = []));
    list.push(`${o.key}\t${o.size}`);
  }
  return new Map([...byValue].map(([v, objs]) => [v, hash(objs.sort())]));
}

export interface PlanContext {
  readonly lister: LakeLister;
  readonly published: PublishedPartitions;
  readonly state: BuildState;
  /** Restricts partitioned models to these values (e.g. `--dates`) and forces them. */
  readonly only?: readonly string[];
}

/**
 * A planner that caches Bronze listings for one run. Plan a model right before building it,
 * once its upstream models are published, so that what it records matches what the next run
 * will see.
 */
export function createPlanner(ctx: PlanContext) {
  const bronzeCache = new Map<string, Map<string, string>>();

  /** Fingerprint of each partition of an input along `column` (Bronze objects or a model). */
  const inputFingerprints = async (table: string, column?: string) => {
    const bronze = BRONZE_TABLES.find((b) => b.name === table);
    if (bronze) {
      const c = column ?? bronze.partitions[0]!.name;
      const k = `${table}.${c}`;
      let m = bronzeCache.get(k);
      if (!m) bronzeCache.set(k, (m = await bronzeFingerprints(ctx.lister, table, c)));
      return m;
    }
    return new Map<string, string>(Object.entries(ctx.published(table) ?? {}));
  };

  return async function planModel(model: Model): Promise<ModelPlan> {
    const { only, state } = ctx;
    const fingerprints: Record<string, string> = {};
    if (model.materialization === 'partition_overwrite') {
      const inputs = await Promise.all(
        Object.entries(model.scope).map(
          async ([t, c]) => [t, await inputFingerprints(t, c)] as const,
        ),
      );
      const values = new Set<string>(only ?? []);
      if (!only) for (const [, m] of inputs) for (const v of m.keys()) values.add(v);
      for (const v of values) {
        fingerprints[v] = hash([model.sql, ...inputs.map(([t, m]) => `${t}:${m.get(v) ?? ''}`)]);
      }
    } else {
      const parts: string[] = [model.sql];
      for (const t of model.dependsOn) {
        const m = await inputFingerprints(t);
        parts.push(`${t}:${hash([...m].sort().map(([k, v]) => `${k}=${v}`))}`);
      }
      fingerprints[''] = hash(parts);
    }
    const previous = state[model.name] ?? {};
    const partitions = Object.keys(fingerprints)
      .filter((v) => only !== undefined || previous[v] !== fingerprints[v])
      .sort();
    return { model, partitions, fingerprints };
  };
}
