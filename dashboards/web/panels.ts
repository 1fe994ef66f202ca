/**
 * One panel on the grid: its frame (title, description, state) and its rendering by visual.
 * The element carries its state for tests and scripts: `data-panel-id`, `data-state`
 * (loading | ok | empty | error), `data-rows`, and on stat tiles `data-value` (the raw number).
 */
import { chartOption, createChart, type Chart, type ChartPanel } from './charts.ts';
import { formatCell, formatChange, formatNumber, humanize, thresholdColor } from './format.ts';
import type { DayRange } from './state.ts';
import { daysBetween } from './state.ts';
import type { Theme } from './theme.ts';
import type { Frame, Panel, StatPanel, TablePanel } from './types.ts';

export type PanelState = 'loading' | 'ok' | 'empty' | 'error';

/** Table rows drawn at most (the rest are counted under the table). */
const MAX_TABLE_ROWS = 1000;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

export class PanelView {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly meta: HTMLElement;
  private chart: Chart | null = null;
  private frame: Frame | null = null;
  private range: DayRange | null = null;

  constructor(
    readonly panel: Panel,
    private theme: Theme,
  ) {
    const info = el(
      'button',
      { class: 'info', type: 'button', 'aria-label': `About ${panel.title}` },
      'i',
      el('span', { class: 'tip', role: 'tooltip' }, panel.description),
    );
    this.meta = el('span', { class: 'meta' });
    this.body = el('div', { class: 'body' });
    this.el = el(
      'section',
      {
        class: `panel visual-${panel.visual}`,
        'data-panel-id': panel.id,
        'data-visual': panel.visual,
        'data-state': 'loading',
        style: `--w: ${panel.width}; --h: ${panel.height}`,
        'aria-busy': 'true',
      },
      el('header', {}, el('h2', { title: panel.description }, panel.title), info, this.meta),
      this.body,
    );
  }

  get state(): PanelState {
    return this.el.dataset.state as PanelState;
  }

  loading(): void {
    this.el.dataset.state = 'loading';
    this.el.setAttribute('aria-busy', 'true');
  }

  show(frame: Frame, range: DayRange): void {
    this.frame = frame;
    this.range = range;
    this.el.setAttribute('aria-busy', 'false');
    this.el.dataset.rows = String(frame.rows.length);
    this.meta.textContent = frame.queryMs === null ? '' : `${Math.round(frame.queryMs)} ms`;
    this.meta.title = frame.queryMs === null ? '' : 'query time on the server';
    if (frame.rows.length === 0) {
      this.clear();
      delete this.el.dataset.value;
      this.body.append(el('div', { class: 'empty' }, this.panel.empty ?? 'No data in this range'));
      this.el.dataset.state = 'empty';
      return;
    }
    this.draw();
    this.el.dataset.state = 'ok';
  }

  fail(message: string, status?: number): void {
    this.frame = null;
    this.clear();
    delete this.el.dataset.value;
    this.el.dataset.rows = '0';
    this.el.setAttribute('aria-busy', 'false');
    this.meta.textContent = '';
    const heading = status === undefined ? 'Cannot load' : status >= 500 ? 'Query failed' : 'Error';
    this.body.append(
      el(
        'div',
        { class: 'error', role: 'alert' },
        el('strong', {}, heading),
        el('pre', {}, message),
      ),
    );
    this.el.dataset.state = 'error';
  }

  setTheme(theme: Theme): void {
    if (theme === this.theme) return;
    this.theme = theme;
    if (this.frame && this.frame.rows.length && this.range) this.draw();
  }

  resize(): void {
    if (!this.chart || !this.frame) return;
    this.chart.resize();
    // the pie swaps labels for a legend when narrow
    if (this.panel.visual === 'pie') {
      this.chart.setOption(
        chartOption(this.panel, this.frame, this.theme, this.body.clientWidth, this.range),
        true,
      );
    }
  }

  dispose(): void {
    this.clear();
  }

  private clear(): void {
    this.chart?.dispose();
    this.chart = null;
    this.body.replaceChildren();
  }

  private draw(): void {
    const frame = this.frame!;
    this.clear();
    switch (this.panel.visual) {
      case 'stat':
        this.drawStat(this.panel, frame);
        break;
      case 'table':
        this.drawTable(this.panel, frame);
        break;
      default:
        this.drawChart(this.panel, frame);
    }
  }

  private drawStat(p: StatPanel, f: Frame): void {
    const row = f.rows[0]!;
    const raw = row[p.value];
    const value = typeof raw === 'number' ? raw : null;
    this.el.dataset.value = value === null ? '' : String(value);
    const color = thresholdColor(p.thresholds, value);
    const big = el(
      'div',
      { class: `stat-value${color ? ` c-${color}` : ''}` },
      formatNumber(value, p.unit, { decimals: p.decimals }),
    );
    const parts: HTMLElement[] = [big];
    if (p.delta) {
      const d = row[p.delta];
      const days = this.range ? daysBetween(this.range.from, this.range.to) + 1 : 0;
      const vs = days === 1 ? 'vs the day before' : `vs the ${days} days before`;
      if (typeof d === 'number' && Number.isFinite(d)) {
        const up = d > 0;
        const flat = d === 0;
        const good = flat ? 'flat' : up === (p.good === 'up') ? 'good' : 'bad';
        parts.push(
          el(
            'div',
            { class: `stat-delta ${good}`, 'data-delta': String(d) },
            el('span', { class: 'arrow' }, flat ? '■' : up ? '▲' : '▼'),
            ` ${formatChange(d)} `,
            el('span', { class: 'vs' }, vs),
          ),
        );
      } else {
        parts.push(
          el(
            'div',
            { class: 'stat-delta none', title: 'The days before the range hold no data' },
            '— ',
            el('span', { class: 'vs' }, 'no previous period'),
          ),
        );
      }
    }
    this.body.append(el('div', { class: 'stat' }, ...parts));
  }

  private drawTable(p: TablePanel, f: Frame): void {
    const kinds = new Map(f.columns.map((c) => [c.name, c.kind]));
    const cols = (p.columns ?? f.columns.map((c) => ({ name: c.name, colored: false })))
      .filter((c) => kinds.has(c.name))
      .map((c) => ({
        name: c.name,
        title: ('title' in c && c.title) || p.labels?.[c.name] || humanize(c.name),
        unit: ('unit' in c && c.unit) || p.unit,
        colored: c.colored,
        kind: kinds.get(c.name)!,
      }));
    const head = el(
      'tr',
      {},
      ...cols.map((c) =>
        el('th', { scope: 'col', class: c.kind === 'number' ? 'num' : '' }, c.title),
      ),
    );
    const rows = f.rows.slice(0, MAX_TABLE_ROWS).map((r) =>
      el(
        'tr',
        {},
        ...cols.map((c) => {
          const v = r[c.name] ?? null;
          // a coloured column: numbers by the thresholds (the cell), values by `colors` (the text)
          const fill = c.colored ? thresholdColor(p.thresholds, v) : null;
          const ink = c.colored && !fill && v !== null ? p.colors?.[String(v)] : undefined;
          const cls = [
            c.kind === 'number' ? 'num' : '',
            fill ? `cell-${fill}` : '',
            ink ? `c-${ink} ink` : '',
          ]
            .filter(Boolean)
            .join(' ');
          return el('td', cls ? { class: cls } : {}, formatCell(v, c.kind, c.unit, p.decimals));
        }),
      ),
    );
    const wrap = el(
      'div',
      { class: 'table-wrap', tabindex: '0' },
      el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)),
    );
    this.body.append(wrap);
    if (f.rows.length > MAX_TABLE_ROWS) {
      this.body.append(
        el('div', { class: 'table-more' }, `${f.rows.length - MAX_TABLE_ROWS} more rows not shown`),
      );
    }
  }

  private drawChart(p: ChartPanel, f: Frame): void {
    const box = el('div', { class: 'chart' });
    this.body.append(box);
    this.chart = createChart(box, this.theme);
    this.chart.setOption(chartOption(p, f, this.theme, box.clientWidth, this.range));
  }
}
