/**
 * The local dashboard (`lakehouse serve`): the pages of the panel spec, each panel's rows
 * fetched from the server as Arrow for the chosen days and drawn with ECharts (charts) or HTML
 * (stat tiles, tables). State lives in the URL hash, so links and reloads keep it.
 */
import { ApiError, fetchDashboards, fetchPanel, fetchVersion } from './api.ts';
import { PanelView } from './panels.ts';
import {
  PRESETS,
  REFRESH,
  formatHash,
  isDate,
  parseHash,
  resolveRange,
  type DayRange,
  type ViewState,
} from './state.ts';
import { applyTheme, initialTheme, type Theme } from './theme.ts';
import type { Dashboards, Frame, LakeRange, Page } from './types.ts';

function $<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`index.html has no #${id}`);
  return e as T;
}

function option(value: string, text: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

class App {
  private lake: LakeRange;
  private version: string;
  private state: ViewState | null = null;
  private shown: { page: string; range: DayRange } | null = null;
  private views: PanelView[] = [];
  private theme: Theme = initialTheme();
  private generation = 0;
  private inFlight: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerFor: string | null = null;
  private resizeQueued = false;

  private readonly tabs = $<HTMLElement>('tabs');
  private readonly grid = $<HTMLElement>('grid');
  private readonly preset = $<HTMLSelectElement>('range-preset');
  private readonly from = $<HTMLInputElement>('range-from');
  private readonly to = $<HTMLInputElement>('range-to');
  private readonly refresh = $<HTMLSelectElement>('refresh');
  private readonly themeButton = $<HTMLButtonElement>('theme-toggle');
  private readonly description = $<HTMLElement>('page-description');
  private readonly lakeInfo = $<HTMLElement>('lake-range');

  constructor(private readonly dash: Dashboards) {
    this.lake = dash.range;
    this.version = dash.version;
  }

  private get pages(): readonly Page[] {
    return this.dash.pages;
  }

  start(): void {
    applyTheme(this.theme, false);
    this.updateThemeButton();
    $<HTMLElement>('title').textContent = this.dash.title;
    for (const p of this.pages) {
      const a = document.createElement('a');
      a.textContent = p.title;
      a.dataset.page = p.id;
      a.href = `#/${p.id}`;
      this.tabs.append(a);
    }
    for (const p of PRESETS) this.preset.append(option(p.id, p.label));
    this.preset.append(option('custom', 'Custom'));
    for (const r of REFRESH) this.refresh.append(option(r.id, r.label));
    this.updateLakeInfo();

    this.tabs.addEventListener('click', (e) => {
      const a = (e.target as HTMLElement).closest('a');
      if (!a?.dataset.page || !this.state) return;
      e.preventDefault();
      this.navigate({ ...this.state, page: a.dataset.page });
    });
    this.preset.addEventListener('change', () => {
      if (!this.state) return;
      const id = this.preset.value;
      const p = PRESETS.find((x) => x.id === id);
      const range = p
        ? { kind: 'preset' as const, preset: p.id }
        : {
            kind: 'custom' as const,
            ...resolveRange(this.state.range, this.lakeFor(this.state.page)),
          };
      this.navigate({ ...this.state, range });
    });
    const onDate = () => {
      if (!this.state || !isDate(this.from.value) || !isDate(this.to.value)) return;
      const [from, to] = [this.from.value, this.to.value].sort() as [string, string];
      this.navigate({ ...this.state, range: { kind: 'custom', from, to } });
    };
    this.from.addEventListener('change', onDate);
    this.to.addEventListener('change', onDate);
    this.refresh.addEventListener('change', () => {
      const r = REFRESH.find((x) => x.id === this.refresh.value);
      if (this.state && r) this.navigate({ ...this.state, refresh: r.id });
    });
    this.themeButton.addEventListener('click', () => {
      this.theme = this.theme === 'dark' ? 'light' : 'dark';
      applyTheme(this.theme, true);
      this.updateThemeButton();
      for (const v of this.views) v.setTheme(this.theme);
    });
    // Back and Forward, and links or edits of the URL
    window.addEventListener('popstate', () => this.fromHash());
    window.addEventListener('hashchange', () => this.fromHash());
    window.addEventListener('resize', () => {
      if (this.resizeQueued) return;
      this.resizeQueued = true;
      requestAnimationFrame(() => {
        this.resizeQueued = false;
        for (const v of this.views) v.resize();
      });
    });
    this.fromHash();
  }

  /**
   * The days a page's presets count back from: the lake's, ending at the newest run's day on a
   * page anchored to runs when that run is dated after the last data day.
   */
  private lakeFor(pageId: string): LakeRange {
    const page = this.pages.find((p) => p.id === pageId);
    const { first, last, lastRun } = this.lake;
    if (page?.anchor !== 'runs' || !last || !lastRun || lastRun <= last) return this.lake;
    return { first, last: lastRun, lastRun };
  }

  private ids(): string[] {
    return this.pages.map((p) => p.id);
  }

  private fromHash(): void {
    const state = parseHash(location.hash, this.ids(), this.lake);
    const canonical = formatHash(state, this.lakeFor(state.page));
    if (canonical !== location.hash) history.replaceState(null, '', canonical);
    this.apply(state);
  }

  /** A new view from the controls: a history entry (Back returns), applied at once. */
  private navigate(state: ViewState): void {
    const hash = formatHash(state, this.lakeFor(state.page));
    if (hash !== location.hash) history.pushState(null, '', hash);
    this.apply(state);
  }

  private apply(state: ViewState, force = false): void {
    this.state = state;
    const range = resolveRange(state.range, this.lakeFor(state.page));
    const page = this.pages.find((p) => p.id === state.page);
    if (!page) return;
    const pageChanged = this.shown?.page !== page.id;
    const rangeChanged = this.shown?.range.from !== range.from || this.shown?.range.to !== range.to;
    if (pageChanged) this.build(page);
    this.shown = { page: page.id, range };
    this.updateControls(page, state, range);
    if (pageChanged || rangeChanged || force) this.load(range);
    this.schedule(state.refresh);
  }

  private build(page: Page): void {
    this.inFlight?.abort();
    for (const v of this.views) v.dispose();
    this.views = page.panels.map((p) => new PanelView(p, this.theme));
    this.grid.replaceChildren(...this.views.map((v) => v.el));
    this.grid.dataset.page = page.id;
    document.title = `${page.title} · ${this.dash.title}`;
    this.description.textContent = page.description;
    window.scrollTo(0, 0);
  }

  /** Fetches every panel for the days; panels with the same SQL share one request. */
  private load(range: DayRange): void {
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    const generation = ++this.generation;
    const requests = new Map<string, Promise<Frame>>();
    for (const view of this.views) {
      view.loading();
      const key = view.panel.sql;
      let request = requests.get(key);
      if (!request) {
        request = fetchPanel(view.panel.id, range.from, range.to, controller.signal);
        requests.set(key, request);
      }
      request.then(
        (frame) => {
          if (generation === this.generation) view.show(frame, range);
        },
        (err: unknown) => {
          if (generation !== this.generation || controller.signal.aborted) return;
          if (err instanceof ApiError) view.fail(err.message, err.status);
          else view.fail(err instanceof Error ? err.message : String(err));
        },
      );
    }
  }

  /** Auto-refresh: poll the lake's version; on a change, take its new days and reload. */
  private schedule(refresh: ViewState['refresh']): void {
    if (this.timerFor === refresh) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerFor = refresh;
    const seconds = REFRESH.find((r) => r.id === refresh)?.seconds ?? 0;
    if (!seconds) return;
    const tick = async () => {
      try {
        const v = await fetchVersion();
        if (this.timerFor !== refresh) return;
        this.setConnection(true);
        const lakeMoved =
          v.range.first !== this.lake.first ||
          v.range.last !== this.lake.last ||
          v.range.lastRun !== this.lake.lastRun;
        if (v.version !== this.version || lakeMoved) {
          this.version = v.version;
          this.lake = v.range;
          this.updateLakeInfo();
          if (this.state) {
            // a relative range moves with the new last day
            history.replaceState(null, '', formatHash(this.state, this.lakeFor(this.state.page)));
            this.apply(this.state, true);
          }
        }
      } catch {
        this.setConnection(false);
      }
      if (this.timerFor === refresh) this.timer = setTimeout(tick, seconds * 1000);
    };
    this.timer = setTimeout(tick, seconds * 1000);
  }

  private setConnection(ok: boolean): void {
    document.body.classList.toggle('offline', !ok);
  }

  private updateControls(page: Page, state: ViewState, range: DayRange): void {
    for (const a of this.tabs.querySelectorAll<HTMLAnchorElement>('a')) {
      const current = a.dataset.page === page.id;
      a.href = formatHash(
        { ...state, page: a.dataset.page ?? '' },
        this.lakeFor(a.dataset.page ?? ''),
      );
      if (current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    this.preset.value = state.range.kind === 'preset' ? state.range.preset : 'custom';
    this.from.value = range.from;
    this.to.value = range.to;
    this.refresh.value = state.refresh;
  }

  private updateLakeInfo(): void {
    const { first, last } = this.lake;
    this.lakeInfo.textContent =
      first && last ? `Data ${first} – ${last}` : 'The lake holds no data yet';
    if (first) this.from.min = this.to.min = first;
    if (last) this.from.max = this.to.max = last;
  }

  private updateThemeButton(): void {
    const dark = this.theme === 'dark';
    this.themeButton.textContent = dark ? '☀ Light' : '☾ Dark';
    this.themeButton.setAttribute('aria-pressed', String(dark));
    this.themeButton.title = dark ? 'Switch to the light theme' : 'Switch to the dark theme';
  }
}

async function main(): Promise<void> {
  applyTheme(initialTheme(), false);
  try {
    const dash = await fetchDashboards();
    new App(dash).start();
  } catch (err) {
    const box = $<HTMLElement>('fatal');
    box.hidden = false;
    box.textContent = `Cannot load the dashboards: ${err instanceof Error ? err.message : String(err)}`;
  }
}

void main();
