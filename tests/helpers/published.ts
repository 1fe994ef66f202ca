/** What the local lake publishes, as digests: to prove a run changed nothing, or something. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * md5 of every published Parquet file, keyed by table/partition/file name (build id left out).
 * Staging tables (`<model>__stg_<run>`) are in the catalog too, but nothing reads them.
 */
export function publishedDigests(lake: string): Record<string, string> {
  const out: Record<string, string> = {};
  const files = readdirSync(join(lake, '_catalog')).filter(
    (n) => n.endsWith('.json') && !n.includes('__stg_'),
  );
  for (const f of files) {
    const entry = JSON.parse(readFileSync(join(lake, '_catalog', f), 'utf8')) as {
      table: string;
      location?: string;
      partitions: Record<string, { location: string }>;
    };
    const locations = entry.location
      ? { '': entry.location }
      : Object.fromEntries(Object.entries(entry.partitions).map(([v, p]) => [v, p.location]));
    for (const [v, loc] of Object.entries(locations)) {
      for (const file of readdirSync(join(lake, loc))) {
        const bytes = readFileSync(join(lake, loc, file));
        out[`${entry.table}/${v}/${file}`] = createHash('md5').update(bytes).digest('hex');
      }
    }
  }
  return out;
}
