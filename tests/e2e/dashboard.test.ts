/**
 * The local dashboard (`lakehouse serve`) in a real browser: Debian's chromium driven by
 * playwright-core (which never downloads one). The lake is the real local pipeline's, on a small
 * generated shop: `lakehouse ingest` (6 days) then `lakehouse run`, so every page — the Gold
 * marts, RFM, the data-quality results and the pipeline's run records — has something to show.
 *
 * Without chromium (`apt-get install chromium`, or CHROMIUM_PATH) the suite is skipped, and says
 * so. Screenshots of every page land in test-results/dashboards/.
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../../lib/cli/doctor-command.ts';
import { databaseName, loadConfig } from '../../lib/config.ts';
import { loadDashboards } from '../../lib/dashboards/dashboards.ts';
import type { LoadedPage } from '../../lib/dashboards/panel-spec.ts';
import { startDashboardServer } from '../../lib/dashboards/server.ts';
import { REPO_ROOT } from '../../lib/engine/model.ts';
import { PIPELINE_RUNS_PREFIX } from '../../lib/pipeline/run-records.ts';
import {
  LAPTOP,
  PHONE,
  launchChromium,
  newContext,
  settle,
  waitForPanels,
  type ContextOptions,
} from '../../scripts/screenshots.ts';
import { runLakehouse } from '../helpers/lakehouse-cli.ts';

const CHROMIUM = chromiumPath();
if (!CHROMIUM) {
  console.warn(
    'tests/e2e/dashboard.test.ts: SKIPPED — no chromium at /usr/bin/chromium (or CHROMIUM_PATH); ' +
      'install it with `apt-get install chromium` to run the browser tests.',
  );
}

const SHOTS = join(REPO_ROOT, 'test-results', 'dashboards');
/** The panel whose SQL the broken-page test replaces (it shares its SQL with no other panel). */
const BROKEN_PANEL = 'revenue-by-day';
const BROKEN_SQL = 'SELECT nope FROM daily_kpis';

/** A browser page that records console errors and warnings and uncaught exceptions. */
interface Tab {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly problems: string[];
}

describe.skipIf(!CHROMIUM)('the local dashboard in chromium', () => {
  const pages = loadDashboards();
  let work: string;
  let home: string;
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  let database: string;
  /** The lake's first and last day with data. */
  let lake: { first: string; last: string };
  /** The UTC day the pipeline ran (the health page's runs and checks are dated by it). */
  let runDay: string;
  const tabs: Tab[] = [];

  async function open(url: string, opts: ContextOptions = {}): Promise<Tab> {
    const context = await newContext(browser, opts);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') {
        problems.push(`console.${m.type()}: ${m.text()}`);
      }
    });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    const tab = { page, context, problems };
    tabs.push(tab);
    await page.goto(url);
    return tab;
  }

  /** Whole days: `day` plus `n`. */
  const addDays = (day: string, n: number) =>
    new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

  function describePanels(panels: Awaited<ReturnType<typeof waitForPanels>>): string {
    return panels
      .map((p) => `${p.id} (${p.state}, ${p.rows} rows): ${p.text.replace(/\s+/g, ' ')}`)
      .join('\n  ');
  }

  beforeAll(async () => {
    const t0 = performance.now();
    work = mkdtempSync(join(tmpdir(), 'lakehouse-e2e-'));
    home = join(work, 'home');
    const cli = (...args: string[]) => {
      const r = runLakehouse(args, { cwd: work, timeoutMs: 150_000 });
      expect(r.code, `lakehouse ${args.join(' ')}:\n${r.stderr}\n${r.stdout}`).toBe(0);
    };
    // ends at the start of this hour (as `npm start` does), so the runs' dates sit next to the
    // data's; 2 % malformed lines make the per-reason quarantine check warn (a DQ problem to list)
    cli(
      'ingest',
      ...['--events', '6000', '--days', '6', '--seed', '7', '--mess', 'malformed_json=0.02'],
      ...['--lake', home, '--json'],
    );
    cli('run', '--lake', home, '--json');
    runDay = new Date().toISOString().slice(0, 10);
    const t1 = performance.now();
    database = databaseName(loadConfig({}, { cwd: work }));
    server = await startDashboardServer({ lakeRoot: join(home, 'lake'), database, port: 0 });
    browser = await launchChromium(CHROMIUM!);
    const api = (await (await fetch(`${server.url}api/dashboards`)).json()) as {
      range: { first: string | null; last: string | null };
    };
    expect(api.range.first && api.range.last, 'the lake has days').toBeTruthy();
    lake = { first: api.range.first!, last: api.range.last! };
    mkdirSync(SHOTS, { recursive: true });
    console.log(
      `e2e lake built in ${((t1 - t0) / 1000).toFixed(1)} s; server and chromium up in ` +
        `${((performance.now() - t1) / 1000).toFixed(1)} s`,
    );
  }, 300_000);

  afterAll(async () => {
    for (const t of tabs) await t.context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('draws every panel of every page with rows, and no console errors', async () => {
    const notOk: string[] = [];
    // every day with data and the day of the runs
    const range = `from=${lake.first}&to=${runDay > lake.last ? runDay : lake.last}`;
    for (const spec of pages) {
      const tab = await open(`${server.url}#/${spec.id}?${range}`);
      const panels = await waitForPanels(tab.page, spec.id);
      expect(panels.map((p) => p.id)).toEqual(spec.panels.map((p) => p.id));
      for (const p of panels) {
        if (p.state !== 'ok' || !(p.rows > 0)) notOk.push(`${spec.id}/${describePanels([p])}`);
      }
      await settle(tab.page);
      await tab.page.screenshot({ path: join(SHOTS, `${spec.id}.png`), fullPage: true });
      expect(tab.problems, `console on page ${spec.id}`).toEqual([]);
    }
    expect(notOk, `panels without data:\n  ${notOk.join('\n  ')}`).toEqual([]);
  });

  it('keeps the page and range in the URL hash, and a new range changes the stat tiles', async () => {
    const tab = await open(`${server.url}#/overview`);
    const { page } = tab;
    await waitForPanels(page, 'overview');
    // 6 or 7 days of data: the default is the last 3 days (3 more before them to compare with)
    expect(page.url()).toContain(
      `#/overview?range=3d&from=${addDays(lake.last, -2)}&to=${lake.last}`,
    );
    const revenue = page.locator('[data-panel-id="revenue"]');
    const before = Number(await revenue.getAttribute('data-value'));
    expect(before).toBeGreaterThan(0);
    await expect
      .poll(() => revenue.locator('.stat-delta').getAttribute('data-delta'))
      .not.toBeNull();

    await page.selectOption('#range-preset', '1d');
    await waitForPanels(page, 'overview');
    expect(page.url()).toContain(`range=1d&from=${lake.last}&to=${lake.last}`);
    const oneDay = Number(await revenue.getAttribute('data-value'));
    expect(oneDay).toBeGreaterThan(0);
    expect(oneDay).toBeLessThan(before);

    // all data: no earlier days to compare with
    await page.selectOption('#range-preset', 'all');
    await waitForPanels(page, 'overview');
    expect(Number(await revenue.getAttribute('data-value'))).toBeGreaterThan(before);
    expect(await revenue.locator('.stat-delta').innerText()).toContain('no previous period');

    // a custom range from the date inputs, kept through a reload
    const [from, to] = [addDays(lake.first, 1), addDays(lake.first, 2)];
    await page.fill('#range-from', from);
    await page.fill('#range-to', to);
    await page.locator('#range-to').dispatchEvent('change');
    await waitForPanels(page, 'overview');
    expect(page.url()).toMatch(new RegExp(`#/overview\\?from=${from}&to=${to}$`));
    const custom = await revenue.getAttribute('data-value');
    await page.reload();
    await waitForPanels(page, 'overview');
    expect(await page.inputValue('#range-preset')).toBe('custom');
    expect(await revenue.getAttribute('data-value')).toBe(custom);

    // a tab keeps the range
    await page.click('#tabs a[data-page="funnel"]');
    await waitForPanels(page, 'funnel');
    expect(page.url()).toMatch(new RegExp(`#/funnel\\?from=${from}&to=${to}$`));
    expect(tab.problems).toEqual([]);
  });

  it('switches between the light and the dark theme and remembers the choice', async () => {
    const tab = await open(`${server.url}#/overview`, { theme: 'light' });
    const { page } = tab;
    await waitForPanels(page, 'overview');
    const html = page.locator('html');
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(await html.getAttribute('data-theme')).toBe('light');
    const light = await background();

    await page.click('#theme-toggle');
    expect(await html.getAttribute('data-theme')).toBe('dark');
    expect(await background()).not.toBe(light);
    await waitForPanels(page, 'overview');
    await settle(page);
    await page.screenshot({ path: join(SHOTS, 'overview-dark.png'), fullPage: true });

    await page.reload();
    await waitForPanels(page, 'overview');
    expect(await html.getAttribute('data-theme')).toBe('dark');
    await page.click('#theme-toggle');
    expect(await html.getAttribute('data-theme')).toBe('light');
    expect(tab.problems).toEqual([]);
  });

  it('shows every panel full width on a phone', async () => {
    const tab = await open(`${server.url}#/overview`, { viewport: PHONE, deviceScaleFactor: 2 });
    const { page } = tab;
    const panels = await waitForPanels(page, 'overview');
    expect(panels.every((p) => p.state === 'ok')).toBe(true);
    const grid = (await page.locator('#grid').boundingBox())!;
    for (const p of await page.locator('#grid [data-panel-id]').all()) {
      const box = (await p.boundingBox())!;
      // the grid's padding is 12 px either side
      expect(
        Math.abs(box.width - (grid.width - 24)),
        String(await p.getAttribute('data-panel-id')),
      ).toBeLessThan(2);
    }
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(overflow).toBeLessThanOrEqual(PHONE.width);
    await settle(page);
    await page.screenshot({ path: join(SHOTS, 'overview-phone.png'), fullPage: true });
    expect(tab.problems).toEqual([]);

    // and a laptop lays the same panels out side by side
    await page.setViewportSize(LAPTOP);
    await expect
      .poll(async () => (await page.locator('[data-panel-id="revenue"]').boundingBox())!.width)
      .toBeLessThan(LAPTOP.width / 3);
  });

  it('auto-refresh polls the lake and reloads the panels when it publishes', async () => {
    const tab = await open(`${server.url}#/overview?refresh=10s`);
    const { page } = tab;
    await waitForPanels(page, 'overview');
    expect(await page.inputValue('#refresh')).toBe('10s');
    expect(page.url()).toContain('refresh=10s');
    // a build publishes: a catalog document is replaced (here: its modification time moves)
    const catalog = join(home, 'lake', '_catalog');
    const doc = readdirSync(catalog).find((n) => n.endsWith('.json'))!;
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(catalog, doc), later, later);
    const version = page.waitForRequest((r) => r.url().includes('/api/version'), {
      timeout: 20_000,
    });
    const reload = page.waitForRequest((r) => r.url().includes('/api/panels/'), {
      timeout: 20_000,
    });
    await version;
    await reload;
    const panels = await waitForPanels(page, 'overview');
    expect(
      panels.filter((p) => p.state !== 'ok'),
      describePanels(panels),
    ).toEqual([]);
    expect(tab.problems).toEqual([]);
  });

  it("shows a panel's SQL error inside that panel while the others draw", async () => {
    const broken: LoadedPage[] = pages.map((p) => ({
      ...p,
      panels: p.panels.map((x) => (x.id === BROKEN_PANEL ? { ...x, sql: BROKEN_SQL } : x)),
    }));
    const page = broken.find((p) => p.panels.some((x) => x.id === BROKEN_PANEL))!;
    const other = await startDashboardServer({
      lakeRoot: join(home, 'lake'),
      database,
      port: 0,
      pages: broken,
    });
    try {
      const api = await fetch(
        `${other.url}api/panels/${BROKEN_PANEL}?from=${lake.first}&to=${lake.last}`,
      );
      expect(api.status).toBe(500);
      const { error } = (await api.json()) as { error: string };
      expect(error).toMatch(/nope/);

      const tab = await open(`${other.url}#/${page.id}?from=${lake.first}&to=${lake.last}`);
      const panels = await waitForPanels(tab.page, page.id);
      const failed = panels.find((p) => p.id === BROKEN_PANEL)!;
      expect(failed.state).toBe('error');
      const shown = await tab.page
        .locator(`[data-panel-id="${BROKEN_PANEL}"] .error pre`)
        .innerText();
      expect(shown).toBe(error);
      const others = panels.filter((p) => p.id !== BROKEN_PANEL);
      expect(others.length).toBeGreaterThan(0);
      expect(
        others.filter((p) => p.state !== 'ok'),
        describePanels(others),
      ).toEqual([]);
      // the browser reports the failed request itself; nothing else may go wrong
      expect(
        tab.problems.filter((m) => !/Failed to load resource: .*status of 500/.test(m)),
      ).toEqual([]);
    } finally {
      await other.close();
    }
  });
  it('Data health counts its presets back from a run dated after the last data day', async () => {
    // A run just after midnight: its record is dated the day after the data it built.
    const runs = join(home, 'lake', PIPELINE_RUNS_PREFIX);
    const newest = readdirSync(runs).sort().at(-1)!;
    const record = readFileSync(join(runs, newest, readdirSync(join(runs, newest))[0]!), 'utf8');
    const later = addDays(runDay > lake.last ? runDay : lake.last, 1);
    const laterDir = join(runs, `run_date=${later}`);
    mkdirSync(laterDir, { recursive: true });
    const run = {
      ...JSON.parse(record.split('\n')[0]!),
      run_id: `${later}T000500Z-after-midnight`,
    };
    run.started_at = `${later}T00:05:00.000Z`;
    run.finished_at = `${later}T00:05:40.000Z`;
    writeFileSync(join(laterDir, 'after-midnight.json'), `${JSON.stringify(run)}\n`);
    try {
      const health = await open(`${server.url}#/health`);
      await waitForPanels(health.page, 'health');
      // (Whether the run's row shows depends on the clock: a range reaching into the future
      // ends now. The panel's own SQL is tested in tests/integration/dashboard-health.test.ts.)
      expect(health.page.url()).toContain(`to=${later}`);
      expect(await health.page.inputValue('#range-to')).toBe(later);
      // The sales pages still end on the last data day.
      const overview = await open(`${server.url}#/overview`);
      await waitForPanels(overview.page, 'overview');
      expect(overview.page.url()).toContain(`to=${lake.last}`);
      expect([...health.problems, ...overview.problems]).toEqual([]);
    } finally {
      rmSync(laterDir, { recursive: true, force: true });
    }
  });
});
