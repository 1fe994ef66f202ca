#!/usr/bin/env tsx
/**
 * `npm run screenshots [-- --lake <dir>] [--out <dir>] [--range <range>]`: starts the local
 * dashboard on a lake (default `.lakehouse/lake`, the one `npm start` fills) and saves each page
 * as the README shows it: `<page>.png` at 1440 px wide, full page, light theme;
 * `overview-dark.png`; and `overview-phone.png` at 390×844. `--range` is a preset of the time
 * picker (1d, 3d, 7d, 14d, 30d, all) or `YYYY-MM-DD..YYYY-MM-DD`; default: the dashboard's own. Chromium is Debian's (`apt-get install chromium`, or
 * CHROMIUM_PATH); playwright-core drives it and never downloads a browser.
 *
 * The browser helpers here are the e2e suite's too (tests/e2e/dashboard.test.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumPath } from '../lib/cli/doctor-command.ts';
import { databaseName, loadConfig } from '../lib/config.ts';
import { startDashboardServer } from '../lib/dashboards/server.ts';
import { REPO_ROOT } from '../lib/engine/model.ts';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const LAPTOP = { width: 1440, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

export interface ContextOptions {
  theme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
}

/** A fresh context (no saved theme): the theme comes from prefers-color-scheme. */
export function newContext(browser: Browser, opts: ContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: opts.viewport ?? LAPTOP,
    deviceScaleFactor: opts.deviceScaleFactor ?? 1,
    colorScheme: opts.theme ?? 'light',
    timezoneId: 'UTC',
    locale: 'en-US',
  });
}

/** The states of the page's panels once none is loading: id → state (and rows). */
export interface PanelStatus {
  readonly id: string;
  readonly state: string;
  readonly rows: number;
  readonly text: string;
}

/** Waits until the grid shows `page` and none of its panels is loading; returns their states. */
export async function waitForPanels(
  page: Page,
  pageId?: string,
  timeoutMs = 60_000,
): Promise<PanelStatus[]> {
  const selector = pageId ? `#grid[data-page="${pageId}"]` : '#grid[data-page]';
  await page.waitForSelector(selector, { timeout: timeoutMs });
  await page.waitForFunction(
    `(() => {
      const panels = [...document.querySelectorAll('#grid [data-panel-id]')];
      return panels.length > 0 && panels.every((p) => p.dataset.state !== 'loading');
    })()`,
    undefined,
    { timeout: timeoutMs, polling: 100 },
  );
  const panels = page.locator('#grid [data-panel-id]');
  const out: PanelStatus[] = [];
  for (const p of await panels.all()) {
    out.push({
      id: (await p.getAttribute('data-panel-id')) ?? '',
      state: (await p.getAttribute('data-state')) ?? '',
      rows: Number((await p.getAttribute('data-rows')) ?? 0),
      text: (await p.innerText()).slice(0, 400),
    });
  }
  return out;
}

/** Lets the charts' entry animations finish before a screenshot. */
export async function settle(page: Page): Promise<void> {
  await page.waitForTimeout(600);
}

/** The page ids the dashboard's tabs list. */
export async function pageIds(page: Page): Promise<string[]> {
  const ids = await page
    .locator('#tabs a[data-page]')
    .evaluateAll((as) => as.map((a) => a.getAttribute('data-page') ?? ''));
  return ids.filter(Boolean);
}

async function shoot(
  browser: Browser,
  url: string,
  file: string,
  opts: ContextOptions & { pageId: string; query: string },
): Promise<PanelStatus[]> {
  const context = await newContext(browser, opts);
  try {
    const page = await context.newPage();
    await page.goto(`${url}#/${opts.pageId}${opts.query}`);
    const panels = await waitForPanels(page, opts.pageId);
    await settle(page);
    await page.screenshot({ path: file, fullPage: true });
    return panels;
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lake: { type: 'string', default: join(REPO_ROOT, '.lakehouse', 'lake') },
      out: { type: 'string', default: join(REPO_ROOT, 'dashboards', 'screenshots') },
      range: { type: 'string' },
    },
  });
  let query = '';
  if (values.range) {
    const custom = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(values.range);
    if (custom) query = `?from=${custom[1]}&to=${custom[2]}`;
    else if (/^(1d|3d|7d|14d|30d|all)$/.test(values.range)) query = `?range=${values.range}`;
    else
      throw new Error(
        `--range: a preset (1d, 3d, 7d, 14d, 30d, all) or FROM..TO, not ${values.range}`,
      );
  }
  let lakeRoot = resolve(values.lake);
  // a lake home (`.lakehouse`) holds the lake in `lake/`
  if (!existsSync(join(lakeRoot, '_catalog')) && existsSync(join(lakeRoot, 'lake', '_catalog'))) {
    lakeRoot = join(lakeRoot, 'lake');
  }
  if (!existsSync(join(lakeRoot, '_catalog'))) {
    throw new Error(`${lakeRoot} holds no built lake; run \`npm start\` first`);
  }
  const executable = chromiumPath();
  if (!executable) {
    throw new Error('no chromium: apt-get install chromium, or set CHROMIUM_PATH');
  }
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const started = performance.now();
  const server = await startDashboardServer({
    lakeRoot,
    database: databaseName(loadConfig()),
    port: 0,
  });
  const browser = await launchChromium(executable);
  try {
    const probe = await newContext(browser);
    const first = await probe.newPage();
    await first.goto(server.url);
    await first.waitForSelector('#tabs a[data-page]');
    const ids = await pageIds(first);
    await probe.close();
    type Shot = [string, ContextOptions & { pageId: string; query: string }];
    const shots: Shot[] = [
      ...ids.map((id): Shot => [`${id}.png`, { pageId: id, query }]),
      [`${ids[0]}-dark.png`, { pageId: ids[0]!, query, theme: 'dark' }],
      [`${ids[0]}-phone.png`, { pageId: ids[0]!, query, viewport: PHONE, deviceScaleFactor: 2 }],
    ];
    for (const [name, opts] of shots) {
      const panels = await shoot(browser, server.url, join(out, name), opts);
      const bad = panels.filter((p) => p.state !== 'ok');
      const note = bad.length
        ? ` — not ok: ${bad.map((p) => `${p.id} (${p.state}: ${p.text.replace(/\s+/g, ' ')})`).join('; ')}`
        : '';
      console.log(`${join(values.out, name)}: ${panels.length} panels${note}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(`screenshots: ${(err as Error).message}`);
    process.exit(1);
  });
}
