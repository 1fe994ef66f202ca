#!/usr/bin/env tsx
/**
 * `npm run dashboards`: writes the Grafana dashboards of the panel spec (dashboards/pages/*.ts)
 * to dashboards/grafana/<page>.json, one per page, and deletes the files of pages that no longer
 * exist. A spec error (a bad field, a missing SQL file) is one line and exit code 1.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadDashboards } from '../lib/dashboards/dashboards.ts';
import { GRAFANA_DIR, grafanaFiles, type GrafanaFile } from '../lib/dashboards/grafana.ts';
import { REPO_ROOT } from '../lib/engine/model.ts';

let files: GrafanaFile[];
try {
  files = grafanaFiles(loadDashboards());
} catch (e) {
  console.error(`dashboards: ${(e as Error).message}`);
  process.exit(1);
}

const dir = relative(REPO_ROOT, GRAFANA_DIR);
mkdirSync(GRAFANA_DIR, { recursive: true });
for (const f of files) {
  const path = join(GRAFANA_DIR, f.file);
  const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  writeFileSync(path, f.text);
  const panels = (JSON.parse(f.text) as { panels: unknown[] }).panels.length;
  const state = before === undefined ? 'new' : before === f.text ? 'unchanged' : 'updated';
  console.log(`${join(dir, f.file)}: ${panels} panels (${state})`);
}
const keep = new Set(files.map((f) => f.file));
for (const name of readdirSync(GRAFANA_DIR)) {
  if (name.endsWith('.json') && !keep.has(name)) {
    rmSync(join(GRAFANA_DIR, name));
    console.log(`${join(dir, name)}: deleted (no page ${name.replace(/\.json$/, '')})`);
  }
}
