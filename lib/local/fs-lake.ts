import { link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LakeObject, LakeState } from '../lake/lake-store.ts';

/** The lake as a folder: `<root>/<key>`, written atomically (temp file, then rename). */
export class FsLake implements LakeState {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  path(key: string): string {
    const p = resolve(join(this.root, key));
    if (p !== this.root && !p.startsWith(this.root + sep)) {
      throw new Error(`lake key escapes the lake folder: ${key}`);
    }
    return p;
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, target);
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Writes a temporary file, then hard-links it into place: `link` fails if the key exists. */
  async putIfAbsent(key: string, body: string): Promise<boolean> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, body);
    try {
      await link(tmp, target);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  /**
   * Objects under a key prefix (ending in `/`), like an S3 listing: files only, temporary files
   * of writes in progress (`*.tmp`, dot-folders) left out.
   */
  async *list(prefix: string): AsyncIterable<LakeObject> {
    const dir = this.path(prefix);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.') || e.name.endsWith('.tmp')) continue;
      const key = `${prefix}${e.name}`;
      if (e.isDirectory()) yield* this.list(`${key}/`);
      else if (e.isFile()) {
        const st = await stat(join(dir, e.name));
        yield { key, size: st.size, lastModified: st.mtime };
      }
    }
  }

  /**
   * The folders directly under a key prefix (ending in `/`), as `${prefix}<name>/`, like S3's
   * common prefixes; dot-folders (writes in progress) left out. Unlike S3, an empty folder is
   * listed too.
   */
  async *listPrefixes(prefix: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(this.path(prefix), { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    const names = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    for (const name of names) yield `${prefix}${name}/`;
  }
}
