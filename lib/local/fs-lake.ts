import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LakeObject } from '../build/plan.ts';
import type { LakeStore } from '../lake/lake-store.ts';

/** The lake as a folder: `<root>/<key>`, written atomically (temp file, then rename). */
export class FsLake implements LakeStore {
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
      else if (e.isFile()) yield { key, size: (await stat(join(dir, e.name))).size };
    }
  }
}
