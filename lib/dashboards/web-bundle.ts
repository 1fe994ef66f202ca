/**
 * The local dashboard's browser app (`dashboards/web/`), bundled in memory for the server:
 * `main.ts` and what it imports (ECharts' core with the charts it uses, Apache Arrow's reader)
 * as one minified ES module, with the page and its stylesheet as they are on disk. No files are
 * written; esbuild's JS API needs no install script.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import type * as Web from '../../dashboards/web/types.ts';
import { DASHBOARDS_DIR, type LoadedPage, type LoadedPanel } from './panel-spec.ts';

export const WEB_DIR = join(DASHBOARDS_DIR, 'web');

// The browser's copy of the spec types must accept what the server sends.
type Fits<A, B> = [A] extends [B] ? true : false;
const _panelsFit: Fits<LoadedPanel, Web.Panel> = true;
const _pagesFit: Fits<Omit<LoadedPage, 'panels'>, Omit<Web.Page, 'panels'>> = true;
void _panelsFit;
void _pagesFit;

export interface WebApp {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

export async function bundleWebApp(): Promise<WebApp> {
  const [result, html, css] = await Promise.all([
    build({
      entryPoints: [join(WEB_DIR, 'main.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
    }),
    readFile(join(WEB_DIR, 'index.html'), 'utf8'),
    readFile(join(WEB_DIR, 'style.css'), 'utf8'),
  ]);
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no bundle for dashboards/web/main.ts');
  return { html, js, css };
}
