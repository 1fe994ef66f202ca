/**
 * Saved queries: `athena/queries/<name>.sql`, one bare query each, led by `--` comment lines that
 * describe it. The stack deploys them as Athena named queries in the workgroup (the console's
 * "Saved queries"); the CLI and the bench run the same files locally.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ATHENA_DIR } from '../engine/model.ts';

export const SAVED_QUERIES_DIR = join(ATHENA_DIR, 'queries');

export interface SavedQuery {
  readonly name: string;
  /** The leading comment lines, joined (Athena allows 1024 characters). */
  readonly description: string;
  /** The file's text without a trailing `;`. */
  readonly sql: string;
}

/** One saved query's text by name (`athena/queries/<name>.sql`). */
export function savedQuery(name: string): string {
  return readFileSync(join(SAVED_QUERIES_DIR, `${name}.sql`), 'utf8')
    .trim()
    .replace(/;\s*$/, '');
}

/** Every saved query, by name. */
export function listSavedQueries(): SavedQuery[] {
  return readdirSync(SAVED_QUERIES_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const sql = savedQuery(name);
      const description = sql
        .split('\n')
        .filter((l) => l.startsWith('--'))
        .map((l) => l.replace(/^--\s?/, '').trim())
        .join(' ')
        .slice(0, 1024);
      return { name, description, sql };
    });
}
