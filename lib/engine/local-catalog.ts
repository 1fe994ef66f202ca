/**
 * The laptop's Glue Data Catalog: one JSON document per built table under `<lake>/_catalog/`,
 * naming the columns and, for each partition (or for the whole table), the lake key prefix of
 * the data that is published. A build writes its data under a fresh prefix, then replaces the
 * document with one rename: readers see the old table or the new one, never a mix. Data no
 * document points at (an interrupted build, a superseded version) is garbage.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isAlive } from '../local/process-alive.ts';
import { LAYERS, MATERIALIZATIONS } from './model.ts';
import { STAGING_MARK } from './statements.ts';

export const CATALOG_DIR = '_catalog';

const TableEntrySchema = z.object({
  table: z.string(),
  layer: z.enum(LAYERS),
  materialization: z.enum(MATERIALIZATIONS),
  partitionedBy: z.array(z.string()),
  /** Data columns (partition columns excluded), with DuckDB type names. */
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  /** `table`: key prefix of the published data. */
  location: z.string().optional(),
  /** `partition_overwrite`: partition value → key prefix, and its row count. */
  partitions: z
    .record(z.string(), z.object({ location: z.string(), rows: z.number() }))
    .default({}),
  rows: z.number().optional(),
  buildId: z.string(),
  updatedAt: z.string(),
});
export type TableEntry = z.infer<typeof TableEntrySchema>;

export class LocalCatalog {
  readonly dir: string;
  constructor(readonly lakeRoot: string) {
    this.dir = join(lakeRoot, CATALOG_DIR);
  }

  private file(table: string): string {
    return join(this.dir, `${table}.json`);
  }

  get(table: string): TableEntry | undefined {
    const file = this.file(table);
    if (!existsSync(file)) return undefined;
    try {
      return TableEntrySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      throw new Error(`local catalog entry ${file} is unreadable: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  list(): TableEntry[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => this.get(f.slice(0, -5))!)
      .filter(Boolean);
  }

  /** Replaces the table's entry atomically (write a temporary file, then rename over). */
  put(entry: TableEntry): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${entry.table}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(entry, null, 2) + '\n');
    renameSync(tmp, this.file(entry.table));
  }

  remove(table: string): void {
    rmSync(this.file(table), { force: true });
  }

  /**
   * Takes the table's build lock (one build of a table at a time); a lock left by a process that
   * is gone is taken over. Returns the release function.
   */
  lock(table: string): () => void {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${table}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (createExclusive(file, String(process.pid))) {
        // Ctrl-C exits through process.exit: the lock goes with the process.
        const remove = () => rmSync(file, { force: true });
        process.once('exit', remove);
        return () => {
          process.removeListener('exit', remove);
          remove();
        };
      }
      const pid = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new Error(`${table} is being built by process ${pid} (lock ${file})`);
      }
      rmSync(file, { force: true });
    }
    throw new Error(`cannot lock ${table} (${file})`);
  }

  /**
   * Deletes build folders under `<layer>/<table>/` that the entry does not reference, except
   * `keep` (the build in progress).
   */
  collectGarbage(layer: string, table: string, keep?: string): string[] {
    const root = join(this.lakeRoot, layer, table);
    if (!existsSync(root)) return [];
    // The published entry and this table's staging entries (builds not yet published).
    const entries = [
      this.get(table),
      ...this.list().filter((e) => e.table.startsWith(`${table}${STAGING_MARK}`)),
    ];
    const live = new Set<string>();
    for (const entry of entries) {
      if (entry?.location) live.add(buildOf(entry.location));
      for (const p of Object.values(entry?.partitions ?? {})) live.add(buildOf(p.location));
    }
    const removed: string[] = [];
    for (const name of readdirSync(root)) {
      if (live.has(name) || name === keep) continue;
      rmSync(join(root, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }
}

/** `silver/silver_events/<build>/dt=…/` → `<build>`. */
function buildOf(location: string): string {
  return location.split('/')[2] ?? '';
}

/** Creates `file` with `text` unless it exists; false when it does. */
function createExclusive(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  writeSync(fd, text);
  closeSync(fd);
  return true;
}
