import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
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
}
