/**
 * Small stand-ins for the pipeline's unit tests: models parsed from a few header lines (at a fake
 * path under the repository, as `loadModels` would name them) and a lake held in memory with each
 * object's `lastModified`.
 */
import { join } from 'node:path';
import { REPO_ROOT, parseModel, type Model } from '../../lib/engine/model.ts';
import type { LakeObject, LakeState } from '../../lib/lake/lake-store.ts';

/**
 * A model `athena/models/<layer>/<name>.sql` from its header lines (without the `-- `) and SQL:
 * `defineModel('silver/a', ['materialization: table'], 'SELECT 1 AS x')`.
 */
export function defineModel(layerAndName: string, header: readonly string[], sql: string): Model {
  const text = [...header.map((h) => `-- ${h}`), sql].join('\n');
  return parseModel(join(REPO_ROOT, 'athena/models', `${layerAndName}.sql`), text);
}

interface Stored {
  readonly body: string;
  readonly lastModified: Date;
}

/**
 * A lake in memory: text objects with a `lastModified` (given, or the lake's clock), listed in key
 * order like S3. `putIfAbsent` is atomic (single-threaded JavaScript).
 */
export class MemoryLake implements LakeState {
  readonly objects = new Map<string, Stored>();
  /** The time stamp `put` gives objects written through the LakeState interface. */
  clock = new Date('2026-11-22T12:00:00Z');
  /** The prefixes `list` was called with, in order (clear it to watch one run). */
  readonly listed: string[] = [];
  /** The prefixes `listPrefixes` was called with, in order. */
  readonly prefixesListed: string[] = [];

  /** Adds an object with an explicit `lastModified` (a Bronze object as Firehose wrote it). */
  add(key: string, lastModified: string | Date, body = 'x'): this {
    this.objects.set(key, { body, lastModified: new Date(lastModified) });
    return this;
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    this.objects.set(key, { body: text, lastModified: this.clock });
  }

  async get(key: string): Promise<string | undefined> {
    return this.objects.get(key)?.body;
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    await this.put(key, body);
    return true;
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<LakeObject> {
    this.listed.push(prefix);
    for (const key of [...this.objects.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      const o = this.objects.get(key)!;
      yield { key, size: Buffer.byteLength(o.body), lastModified: o.lastModified };
    }
  }

  /** Like S3's common prefixes with delimiter `/`: the next key segment of each key that has one. */
  async *listPrefixes(prefix: string): AsyncIterable<string> {
    this.prefixesListed.push(prefix);
    const found = new Set<string>();
    for (const key of this.objects.keys()) {
      if (!key.startsWith(prefix)) continue;
      const slash = key.indexOf('/', prefix.length);
      if (slash >= 0) found.add(key.slice(0, slash + 1));
    }
    yield* [...found].sort();
  }

  /** Clears the listing records (`listed`, `prefixesListed`). */
  resetListings(): this {
    this.listed.length = 0;
    this.prefixesListed.length = 0;
    return this;
  }

  /** The object's text parsed as JSON (throws when absent, so a test says what is missing). */
  json<T = unknown>(key: string): T {
    const o = this.objects.get(key);
    if (!o) throw new Error(`no object ${key}`);
    return JSON.parse(o.body) as T;
  }
}
