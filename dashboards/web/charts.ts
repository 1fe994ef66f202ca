/**
 * The ECharts side: only the charts and components the panels use are registered, and each
 * chart panel's rows become one option.
 */
import { BarChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import type {
  BarSeriesOption,
  LineSeriesOption,
  PieSeriesOption,
  ScatterSeriesOption,
} from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import type {
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { formatNumber, formatTime, humanize } from './format.ts';
import type { DayRange } from './state.ts';
import { CHART_COLORS, type Theme } from './theme.ts';
import type { BarPanel, Cell, Frame, PiePanel, TimeSeriesPanel, Unit } from './types.ts';

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  CanvasRenderer,
]);

type Option = echarts.ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | PieSeriesOption
  | ScatterSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
>;

export type ChartPanel = TimeSeriesPanel | BarPanel | PiePanel;
export type Chart = echarts.ECharts;

const num = (v: Cell | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

function label(v: Cell | undefined, kind: string | undefined): string {
  if (v === null || v === undefined) return '(none)';
  if (kind === 'time' && typeof v === 'number') return formatTime(v);
  return String(v);
}

/** Distinct values in first-seen order. */
function distinct<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

function base(theme: Theme, unit: Unit, decimals: number | undefined, legend: boolean): Option {
  const c = CHART_COLORS[theme];
  return {
    backgroundColor: 'transparent',
    color: [...c.series],
    useUTC: true,
    animationDuration: 300,
    animationDurationUpdate: 200,
    textStyle: { fontFamily: 'inherit', color: c.text },
    tooltip: {
      confine: true,
      valueFormatter: (v) =>
        formatNumber(typeof v === 'number' ? v : v == null ? null : Number(v), unit, {
          decimals,
        }),
    },
    legend: legend
      ? {
          show: true,
          type: 'scroll',
          top: 0,
          left: 0,
          itemWidth: 14,
          itemHeight: 8,
          icon: 'roundRect',
          textStyle: { color: c.muted },
        }
      : { show: false },
  };
}

/** The plot area with its axis labels inside the chart (nothing clipped at the edges). */
function gridBox(legend: boolean): GridComponentOption {
  return {
    left: 2,
    right: 14,
    top: legend ? 32 : 10,
    bottom: 2,
    outerBoundsMode: 'same',
    outerBoundsContain: 'axisLabel',
  };
}

/** One drawn series: a value column (wide rows) or a value of the series column (long rows). */
interface Drawn {
  readonly key: string;
  readonly column: boolean;
  readonly values: (number | null)[];
}

/** The spec's name for a column or a series value (`labels`), else a readable default. */
function nameOf(p: ChartPanel, key: string, column: boolean): string {
  return p.labels?.[key] ?? (column ? humanize(key) : key);
}

/** The spec's fixed colour for a column, series value or category (`colors`), if any. */
function colorOf(p: ChartPanel, key: string, theme: Theme): string | undefined {
  const c = p.colors?.[key];
  return c ? CHART_COLORS[theme].named[c] : undefined;
}

function valueAxis(theme: Theme, unit: Unit) {
  const c = CHART_COLORS[theme];
  return {
    type: 'value' as const,
    axisLabel: {
      color: c.muted,
      formatter: (v: number) => formatNumber(v, unit, { compact: true }),
      hideOverlap: true,
    },
    splitLine: { lineStyle: { color: c.grid } },
  };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The time axis spans the chosen days (and any data outside them): daily points sit mid-way in
 * half a day of margin either side, finer points fill the days.
 */
function timeExtent(times: readonly number[], range: DayRange | null, daily: boolean) {
  let lo = times[0] ?? Number.NaN;
  let hi = times.at(-1) ?? Number.NaN;
  if (range) {
    const from = Date.parse(`${range.from}T00:00:00Z`);
    const to = Date.parse(`${range.to}T00:00:00Z`);
    lo = Number.isNaN(lo) ? from : Math.min(lo, from);
    hi = Number.isNaN(hi) ? (daily ? to : to + DAY) : Math.max(hi, daily ? to : to + DAY);
  }
  if (Number.isNaN(lo) || Number.isNaN(hi)) return {};
  return daily ? { min: lo - DAY / 2, max: hi + DAY / 2 } : { min: lo, max: hi };
}

function timeSeriesOption(
  p: TimeSeriesPanel,
  f: Frame,
  theme: Theme,
  range: DayRange | null,
): Option {
  const c = CHART_COLORS[theme];
  const kind: 'line' | 'bar' = p.style === 'bars' ? 'bar' : 'line';
  const times = distinct(
    f.rows.map((r) => num(r[p.time])).filter((t): t is number => t !== null),
  ).sort((a, b) => a - b);
  let lines: Drawn[];
  if (p.series) {
    const col = p.values[0]!;
    const seriesKind = f.columns.find((x) => x.name === p.series)?.kind;
    const names = distinct(f.rows.map((r) => label(r[p.series!], seriesKind)));
    const at = new Map(times.map((t, i) => [t, i]));
    const grid = new Map(
      names.map((n) => [n, times.map(() => (p.stack ? 0 : null)) as (number | null)[]]),
    );
    for (const r of f.rows) {
      const t = num(r[p.time]);
      if (t === null) continue;
      grid.get(label(r[p.series], seriesKind))![at.get(t)!] = num(r[col]);
    }
    lines = [...grid.entries()].map(([key, values]) => ({ key, column: false, values }));
  } else {
    const byTime = new Map<number, Readonly<Record<string, Cell>>>();
    for (const r of f.rows) {
      const t = num(r[p.time]);
      if (t !== null && !byTime.has(t)) byTime.set(t, r);
    }
    lines = p.values.map((col) => ({
      key: col,
      column: true,
      values: times.map((t) => num(byTime.get(t)?.[col])),
    }));
  }
  const showSymbol = times.length <= 31;
  const daily = times.length > 0 && times.every((t) => t % DAY === 0);
  const series: Option['series'] = lines.map((line) => {
    const name = nameOf(p, line.key, line.column);
    const color = colorOf(p, line.key, theme);
    const data = times.map((t, j) => [t, line.values[j] ?? null]);
    return kind === 'line'
      ? ({
          type: 'line',
          name,
          data,
          showSymbol,
          symbolSize: 5,
          ...(color ? { itemStyle: { color } } : {}),
          lineStyle: { width: 2 },
          emphasis: { focus: 'series' },
          ...(p.stack ? { stack: 'total', areaStyle: { opacity: 0.35 } } : {}),
        } satisfies LineSeriesOption)
      : ({
          type: 'bar',
          name,
          data,
          barMaxWidth: 28,
          emphasis: { focus: 'series' },
          ...(color ? { itemStyle: { color } } : {}),
          ...(p.stack ? { stack: 'total' } : {}),
        } satisfies BarSeriesOption);
  });
  if (p.marks) {
    const marks = f.rows
      .map((r) => [num(r[p.time]), num(r[p.marks!])] as const)
      .filter((m): m is readonly [number, number] => m[0] !== null && m[1] !== null)
      .map(([t, v]) => [t, v]);
    series.push({
      type: 'scatter',
      name: nameOf(p, p.marks, true),
      data: marks,
      symbol: 'diamond',
      symbolSize: 13,
      z: 10,
      itemStyle: {
        color: colorOf(p, p.marks, theme) ?? c.named.red,
        borderColor: c.panel,
        borderWidth: 1.5,
      },
    } satisfies ScatterSeriesOption);
  }
  const legend = series.length > 1;
  return {
    ...base(theme, p.unit, p.decimals, legend),
    tooltip: { ...base(theme, p.unit, p.decimals, legend).tooltip, trigger: 'axis' },
    grid: gridBox(legend),
    xAxis: {
      type: 'time',
      ...timeExtent(times, range, daily),
      ...(daily ? { minInterval: DAY } : {}),
      axisLabel: {
        color: c.muted,
        hideOverlap: true,
        ...(daily ? { formatter: '{MMM} {d}' } : {}),
      },
      axisLine: { lineStyle: { color: c.grid } },
      axisPointer: { label: { formatter: (x) => formatTime(Number(x.value)) } },
      splitLine: { show: false },
    },
    yAxis: valueAxis(theme, p.unit),
    series,
  };
}

function barOption(p: BarPanel, f: Frame, theme: Theme): Option {
  const c = CHART_COLORS[theme];
  const catKind = f.columns.find((x) => x.name === p.category)?.kind;
  const categories = distinct(f.rows.map((r) => label(r[p.category], catKind)));
  const index = new Map(categories.map((k, i) => [k, i]));
  let bars: Drawn[];
  if (p.series) {
    const col = p.values[0]!;
    const seriesKind = f.columns.find((x) => x.name === p.series)?.kind;
    const names = distinct(f.rows.map((r) => label(r[p.series!], seriesKind)));
    const grid = new Map(names.map((n) => [n, categories.map(() => null) as (number | null)[]]));
    for (const r of f.rows) {
      grid.get(label(r[p.series], seriesKind))![index.get(label(r[p.category], catKind))!] = num(
        r[col],
      );
    }
    bars = [...grid.entries()].map(([key, values]) => ({ key, column: false, values }));
  } else {
    bars = p.values.map((col) => {
      const values: (number | null)[] = categories.map(() => null);
      for (const r of f.rows) {
        const i = index.get(label(r[p.category], catKind))!;
        if (values[i] === null) values[i] = num(r[col]);
      }
      return { key: col, column: true, values };
    });
  }
  const legend = bars.length > 1;
  const categoryAxis = {
    type: 'category' as const,
    data: categories,
    inverse: p.horizontal,
    axisTick: { show: false },
    axisLine: { lineStyle: { color: c.grid } },
    axisLabel: {
      color: c.muted,
      hideOverlap: true,
      ...(p.horizontal ? { width: 140, overflow: 'truncate' as const } : {}),
    },
  };
  return {
    ...base(theme, p.unit, p.decimals, legend),
    tooltip: {
      ...base(theme, p.unit, p.decimals, legend).tooltip,
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
    },
    grid: gridBox(legend),
    xAxis: p.horizontal ? valueAxis(theme, p.unit) : categoryAxis,
    yAxis: p.horizontal ? categoryAxis : valueAxis(theme, p.unit),
    series: bars.map((bar) => ({
      type: 'bar',
      name: nameOf(p, bar.key, bar.column),
      data: bar.values,
      barMaxWidth: 36,
      emphasis: { focus: 'series' },
      itemStyle: {
        borderRadius: p.stack ? 0 : p.horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0],
        ...(colorOf(p, bar.key, theme) ? { color: colorOf(p, bar.key, theme) } : {}),
      },
      ...(p.stack ? { stack: 'total' } : {}),
    })),
  };
}

function pieOption(p: PiePanel, f: Frame, theme: Theme, compact: boolean): Option {
  const c = CHART_COLORS[theme];
  const catKind = f.columns.find((x) => x.name === p.category)?.kind;
  const data = f.rows.flatMap((r) => {
    const value = num(r[p.value]);
    if (value === null) return [];
    const key = label(r[p.category], catKind);
    const color = colorOf(p, key, theme);
    return [{ name: nameOf(p, key, false), value, ...(color ? { itemStyle: { color } } : {}) }];
  });
  const fmt = (v: number) => formatNumber(v, p.unit, { decimals: p.decimals });
  return {
    ...base(theme, p.unit, p.decimals, compact),
    legend: compact
      ? {
          type: 'scroll',
          orient: 'vertical',
          right: 0,
          top: 'middle',
          textStyle: { color: c.muted },
        }
      : { show: false },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (params) => {
        const x = params as unknown as { name: string; value: number; percent: number };
        return `${escapeHtml(x.name)}<br><b>${fmt(x.value)}</b> (${x.percent.toFixed(1)}%)`;
      },
    },
    series: [
      {
        type: 'pie',
        radius: ['45%', '70%'],
        center: compact ? ['35%', '50%'] : ['50%', '52%'],
        data,
        avoidLabelOverlap: true,
        minShowLabelAngle: 4,
        itemStyle: { borderColor: c.panel, borderWidth: 2, borderRadius: 3 },
        label: compact
          ? { show: false }
          : { color: c.text, formatter: '{b}\n{d}%', lineHeight: 15 },
        labelLine: { length: 8, length2: 8 },
        labelLayout: { hideOverlap: true },
      },
    ],
  };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function chartOption(
  p: ChartPanel,
  f: Frame,
  theme: Theme,
  width: number,
  range: DayRange | null,
): Option {
  switch (p.visual) {
    case 'timeseries':
      return timeSeriesOption(p, f, theme, range);
    case 'bar':
      return barOption(p, f, theme);
    case 'pie':
      return pieOption(p, f, theme, width < 360);
  }
}

export function createChart(el: HTMLElement, theme: Theme): Chart {
  return echarts.init(el, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
}
