/**
 * SQL models: one `.sql` file per table under `athena/models/<layer>/`, a bare `SELECT` in
 * Athena (Trino) SQL preceded by a small header of `-- key: value` comment lines, the one place
 * a model's config lives:
 *
 * ```sql
 * -- materialization: partition_overwrite
 * -- partitioned_by: dt
 * -- depends_on: bronze_events, bronze_delivery_errors
 * -- scope: bronze_events.dt, bronze_delivery_errors.dt
 * -- description: Typed, standardized, deduplicated events
 * SELECT ...
 * ```
 *
 * - `materialization`: `table` (rebuilt whole) or `partition_overwrite` (only the listed values
 *   of the partition column are rebuilt; other partitions are left alone).
 * - `partitioned_by`: the partition column (one; it must be the last column of the SELECT, as
 *   Athena CTAS requires). Required for `partition_overwrite`.
 * - `depends_on`: tables the model reads (Bronze tables or other models).
 * - `scope`: inputs read only for the partitions being built, as `table.column`: the adapter
 *   shadows each such table with a CTE filtered to `column IN (<partitions>)`.
 * - `cumulative`: inputs read up to the partitions being built, as `table.column` (a model whose
 *   partition D sums everything up to D, like an RFM snapshot): the adapter filters them to
 *   `column <= <newest partition being built>`, and a change in the input's partition F rebuilds
 *   every partition of the model from F on.
 * - `window_days`: with `cumulative` inputs, how far back they are read: from the oldest
 *   partition being built less this many days (partition values are dates), so a partition D
 *   reads D − N … D; a change in the input's partition F then rebuilds F … F + N only. For
 *   trailing windows (a 7-day lead score, the previous snapshot), whose cost must not grow with
 *   history.
 * - `lookup`: inputs read whole whose rows are valid from a point in time (SCD type 2
 *   dimensions). A change in one rebuilds the partitions from the earliest date the change can
 *   touch (the earliest partition of its own inputs that changed) on, not every partition.
 * - `description`: one line for the catalog.
 *
 * The model's name is its file name; its layer is its folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const LAYERS = ['silver', 'gold', 'rfm', 'dq'] as const;
export type Layer = (typeof LAYERS)[number];
export const MATERIALIZATIONS = ['table', 'partition_overwrite'] as const;
export type Materialization = (typeof MATERIALIZATIONS)[number];

/** Repository root (this file is lib/engine/model.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ATHENA_DIR = join(REPO_ROOT, 'athena');
export const MODELS_DIR = join(ATHENA_DIR, 'models');

const IDENT = /^[a-z][a-z0-9_]*$/;
/** A comma-separated header value whose items match `item`. */
const commaList = (item: RegExp, what: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(item, what)));
const list = commaList(IDENT, 'lowercase identifier');
const tableColumns = commaList(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'table.column').default([]);

const HeaderSchema = z
  .object({
    materialization: z.enum(MATERIALIZATIONS),
    partitioned_by: list.pipe(z.array(z.string()).max(1, 'one partition column')).default([]),
    depends_on: list.default([]),
    scope: tableColumns,
    cumulative: tableColumns,
    window_days: z.coerce.number().int().positive().max(3660).optional(),
    lookup: list.default([]),
    description: z.string().default(''),
  })
  .strict();

export interface Model {
  readonly name: string;
  readonly layer: Layer;
  readonly materialization: Materialization;
  /** Zero or one column. */
  readonly partitionedBy: readonly string[];
  readonly dependsOn: readonly string[];
  /** Input table → the column that is filtered to the partitions being built. */
  readonly scope: Readonly<Record<string, string>>;
  /** Input table → the column filtered to `<=` the newest partition being built. */
  readonly cumulative: Readonly<Record<string, string>>;
  /** How many days before the oldest partition built the cumulative inputs are read from. */
  readonly windowDays?: number;
  /** Inputs read whole whose changes rebuild only the partitions from the change's date on. */
  readonly lookup: readonly string[];
  readonly description: string;
  /** Path relative to the repository root. */
  readonly file: string;
  /** The SQL after the header: a bare query (SELECT or WITH … SELECT), no trailing `;`. */
  readonly sql: string;
}

export class ModelError extends Error {
  override readonly name = 'ModelError';
}

/** Parses one model file's text. `file` is used for the name, the layer and messages. */
export function parseModel(file: string, text: string): Model {
  const rel = relative(REPO_ROOT, resolve(file));
  const layer = basename(dirname(file));
  if (!(LAYERS as readonly string[]).includes(layer)) {
    throw new ModelError(`${rel}: a model lives in athena/models/{${LAYERS.join(',')}}/`);
  }
  const name = basename(file, '.sql');
  if (!IDENT.test(name)) throw new ModelError(`${rel}: file name must be a lowercase identifier`);
  const lines = text.split('\n');
  const header: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const m = /^--\s*([a-z_]+)\s*:\s*(.*?)\s*$/.exec(lines[i]!);
    if (!m) break;
    if (m[1]! in header) throw new ModelError(`${rel}:${i + 1}: '${m[1]}' given twice`);
    header[m[1]!] = m[2]!;
  }
  const parsed = HeaderSchema.safeParse(header);
  if (!parsed.success) {
    const why = parsed.error.issues.map((x) => `${x.path.join('.') || 'header'}: ${x.message}`);
    throw new ModelError(`${rel}: bad model header (${why.join('; ')})`);
  }
  const h = parsed.data;
  if (h.materialization === 'partition_overwrite' && h.partitioned_by.length === 0) {
    throw new ModelError(`${rel}: partition_overwrite needs partitioned_by`);
  }
  const pairs = (key: 'scope' | 'cumulative'): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const s of h[key]) {
      const [table, column] = s.split('.') as [string, string];
      if (!h.depends_on.includes(table)) {
        throw new ModelError(`${rel}: ${key} names ${table}, which is not in depends_on`);
      }
      out[table] = column;
    }
    return out;
  };
  const scope = pairs('scope');
  const cumulative = pairs('cumulative');
  for (const table of h.lookup) {
    if (!h.depends_on.includes(table)) {
      throw new ModelError(`${rel}: lookup names ${table}, which is not in depends_on`);
    }
  }
  const twice = [...Object.keys(scope), ...Object.keys(cumulative), ...h.lookup].filter(
    (t, i, all) => all.indexOf(t) !== i,
  );
  if (twice.length > 0) {
    throw new ModelError(
      `${rel}: ${twice[0]} is given more than one of scope, cumulative and lookup`,
    );
  }
  if (h.window_days !== undefined && Object.keys(cumulative).length === 0) {
    throw new ModelError(`${rel}: window_days applies to cumulative inputs, and there are none`);
  }
  const partitionInputs = Object.keys(scope).length + Object.keys(cumulative).length;
  if (h.materialization === 'partition_overwrite' && partitionInputs === 0) {
    throw new ModelError(
      `${rel}: partition_overwrite needs a scope (table.column): the partitions a run rebuilds are those its scoped inputs changed`,
    );
  }
  if ((partitionInputs > 0 || h.lookup.length > 0) && h.materialization !== 'partition_overwrite') {
    throw new ModelError(
      `${rel}: scope, cumulative and lookup only apply to partition_overwrite models`,
    );
  }
  const sql = lines.slice(i).join('\n').trim().replace(/;\s*$/, '');
  if (!/^(select|with)\b/i.test(sql.replace(/^(--[^\n]*\n\s*)+/, ''))) {
    throw new ModelError(`${rel}: a model is a bare SELECT (or WITH … SELECT)`);
  }
  return {
    name,
    layer: layer as Layer,
    materialization: h.materialization,
    partitionedBy: h.partitioned_by,
    dependsOn: h.depends_on,
    scope,
    cumulative,
    ...(h.window_days !== undefined ? { windowDays: h.window_days } : {}),
    lookup: h.lookup,
    description: h.description,
    file: rel,
    sql,
  };
}

/** Every model under `dir` (default `athena/models`), in dependency order (inputs first). */
export function loadModels(dir: string = MODELS_DIR): Model[] {
  const models: Model[] = [];
  for (const layer of LAYERS) {
    let files: string[];
    try {
      files = readdirSync(join(dir, layer)).filter((f) => f.endsWith('.sql'));
    } catch {
      continue;
    }
    for (const f of files.sort()) {
      const path = join(dir, layer, f);
      models.push(parseModel(path, readFileSync(path, 'utf8')));
    }
  }
  return orderByDependencies(models);
}

/** Topological order; throws on a cycle or on two models with one name. */
export function orderByDependencies(models: readonly Model[]): Model[] {
  const byName = new Map<string, Model>();
  for (const m of models) {
    if (byName.has(m.name)) throw new ModelError(`two models named ${m.name}`);
    byName.set(m.name, m);
  }
  const out: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: Model, path: string[]): void => {
    const s = state.get(m.name);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new ModelError(`dependency cycle: ${[...path, m.name].join(' → ')}`);
    state.set(m.name, 'visiting');
    for (const d of m.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep, [...path, m.name]);
    }
    state.set(m.name, 'done');
    out.push(m);
  };
  for (const m of models) visit(m, []);
  return out;
}
