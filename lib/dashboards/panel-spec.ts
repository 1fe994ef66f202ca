/**
 * The dashboards' single source: pages of typed panels (`dashboards/pages/*.ts`), each panel's
 * SQL in `dashboards/sql/<page>/<panel>.sql`. Two renderers read it: `grafana.ts` writes the
 * Grafana dashboards (Athena data source) and `lakehouse serve` draws the same pages on DuckDB.
 *
 * Panel SQL is a bare Athena (Trino) query over the Gold, RFM and DQ tables, following the dialect
 * rules of the models. The time range arrives through the Athena data source's own macros
 * (`$__timeFrom()`, `$__timeTo()`, `$__dateFilter(col)`, `$__timeFilter(col)`), which Grafana
 * expands in the account and `macros.ts` expands, to the same text, locally.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from '../engine/model.ts';

export const DASHBOARDS_DIR = join(REPO_ROOT, 'dashboards');
export const PANEL_SQL_DIR = join(DASHBOARDS_DIR, 'sql');

/** How a number is shown. `percent` is a ratio (0.25 → 25%). */
export const UNITS = [
  'number',
  'count',
  'currency',
  'percent',
  'seconds',
  'hours',
  'bytes',
] as const;
export type Unit = (typeof UNITS)[number];

export const COLORS = ['green', 'blue', 'yellow', 'orange', 'red', 'purple', 'gray'] as const;
export type Color = (typeof COLORS)[number];

const id = z.string().regex(/^[a-z][a-z0-9-]*$/, 'kebab-case: a-z, 0-9 and -');
const column = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case column name');

/** Colour by value: `base` below the first step, each step's colour from its value up. */
const Thresholds = z
  .object({
    base: z.enum(COLORS),
    steps: z.array(z.object({ value: z.number(), color: z.enum(COLORS) })).min(1),
  })
  .refine((t) => t.steps.every((s, i) => i === 0 || s.value > t.steps[i - 1]!.value), {
    message: 'threshold steps must ascend',
  });

const common = {
  /** Unique across all pages; names the SQL file `dashboards/sql/<page>/<id>.sql`. */
  id,
  title: z.string().min(1),
  /** One or two sentences: what the panel shows and how to read it (a tooltip in both renderers). */
  description: z.string().min(1),
  /**
   * The SQL file, when panels share one (e.g. the stat tiles of one KPI query): its name in the
   * page's folder. Default: the panel's id.
   */
  query: id.optional(),
  unit: z.enum(UNITS).default('number'),
  decimals: z.number().int().min(0).max(4).optional(),
  thresholds: Thresholds.optional(),
  /**
   * Display names: of the columns drawn (legend, tooltip, table header unless the column has a
   * title) or, with `series`, of the series column's values. Default: the names themselves.
   */
  labels: z.record(z.string(), z.string().min(1)).optional(),
  /**
   * Fixed colours: of a value column or a `series` value (charts), of a category (pie), or of a
   * cell's text in a table column marked `colored` (e.g. `{ fail: 'red' }`). Default: the palette.
   */
  colors: z.record(z.string(), z.enum(COLORS)).optional(),
  /** What an empty answer means, instead of "No data in this range" (e.g. "No check failed"). */
  empty: z.string().min(1).optional(),
  /** Width in a 24-column grid (a phone shows every panel full width). */
  width: z.number().int().min(3).max(24),
  /** Height in grid rows of 30 px (Grafana's unit). */
  height: z.number().int().min(3).max(20),
};

/** One number (the first row's `value`), with the change vs the previous period under it. */
const Stat = z.object({
  ...common,
  visual: z.literal('stat'),
  value: column,
  /** A ratio column: (current − previous) / previous; NULL when there is no previous period. */
  delta: column.optional(),
  /** Whether a rise is good news (green) or bad (red). Default: up. */
  good: z.enum(['up', 'down']).default('up'),
});

/** Lines or bars over a `time` column (TIMESTAMP). */
const TimeSeries = z.object({
  ...common,
  visual: z.literal('timeseries'),
  time: column,
  /** Numeric columns, one series each (wide rows) — or one column split by `series` (long rows). */
  values: z.array(column).min(1),
  series: column.optional(),
  style: z.enum(['line', 'bars']).default('line'),
  stack: z.boolean().default(false),
  /** A numeric column drawn as points on top (e.g. anomalies); NULL where there is none. */
  marks: column.optional(),
});

/** Bars per category (the rows' order is kept). */
const Bar = z.object({
  ...common,
  visual: z.literal('bar'),
  category: column,
  values: z.array(column).min(1),
  /** Long rows: one bar series per value of this column (exactly one entry in `values`). */
  series: column.optional(),
  horizontal: z.boolean().default(false),
  stack: z.boolean().default(false),
});

const Pie = z.object({
  ...common,
  visual: z.literal('pie'),
  category: column,
  value: column,
});

/** Rows as they come; `columns` picks, orders and formats them (default: all, as numbers). */
const Table = z.object({
  ...common,
  visual: z.literal('table'),
  columns: z
    .array(
      z.object({
        name: column,
        title: z.string().optional(),
        unit: z.enum(UNITS).optional(),
        /** Colour the cell by the panel's thresholds. */
        colored: z.boolean().default(false),
      }),
    )
    .min(1)
    .optional(),
});

export const PanelSchema = z
  .discriminatedUnion('visual', [Stat, TimeSeries, Bar, Pie, Table])
  .superRefine((p, ctx) => {
    if ((p.visual === 'timeseries' || p.visual === 'bar') && p.series && p.values.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: '`series` (long rows) takes exactly one value column',
      });
    }
  });

export const PageSchema = z.object({
  /** The Grafana dashboard's uid suffix and the local URL (`#/<id>`). */
  id,
  title: z.string().min(1),
  description: z.string().min(1),
  /**
   * What the local time picker's "last N days" count back from: the lake's last day with data,
   * or, for a page about pipeline runs, the newest run's day when that is later (a run just
   * after midnight is dated the day after the data it built). Grafana counts back from now.
   */
  anchor: z.enum(['data', 'runs']).default('data'),
  panels: z.array(PanelSchema).min(1),
});

export type PanelInput = z.input<typeof PanelSchema>;
export type PageInput = z.input<typeof PageSchema>;
export type Panel = z.output<typeof PanelSchema>;
export type Page = z.output<typeof PageSchema>;
export type Visual = Panel['visual'];

/** A panel with its SQL read from its file. */
export type LoadedPanel = Panel & {
  readonly page: string;
  readonly sql: string;
  readonly file: string;
};
export interface LoadedPage extends Omit<Page, 'panels'> {
  readonly panels: readonly LoadedPanel[];
}

/** The panel's SQL file, relative to the repository. */
export function panelSqlFile(page: string, panel: string): string {
  return join('dashboards', 'sql', page, `${panel}.sql`);
}

/**
 * Validates the pages and reads each panel's SQL. Throws one error listing every problem: a bad
 * field, a duplicate id, a missing SQL file.
 */
export function loadPages(inputs: readonly PageInput[], root = REPO_ROOT): LoadedPage[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const pages: LoadedPage[] = [];
  for (const [i, input] of inputs.entries()) {
    const parsed = PageSchema.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`page ${input.id ?? i}: ${issue.path.join('.')}: ${issue.message}`);
      }
      continue;
    }
    const page = parsed.data;
    if (seen.has(page.id)) problems.push(`page ${page.id}: the id is used twice`);
    seen.set(page.id, 'page');
    const panels: LoadedPanel[] = [];
    for (const panel of page.panels) {
      const where = `${page.id}/${panel.id}`;
      if (seen.has(panel.id)) problems.push(`${where}: the id ${panel.id} is used twice`);
      seen.set(panel.id, where);
      const file = panelSqlFile(page.id, panel.query ?? panel.id);
      const path = join(root, file);
      if (!existsSync(path)) {
        problems.push(`${where}: no SQL file ${file}`);
        continue;
      }
      const sql = readFileSync(path, 'utf8').trim().replace(/;\s*$/, '');
      panels.push({ ...panel, page: page.id, sql, file });
    }
    pages.push({ ...page, panels });
  }
  if (problems.length) throw new Error(`dashboard spec: ${problems.join('; ')}`);
  return pages;
}

/** The columns a panel reads from its SQL's result (the test checks that they exist). */
export function panelColumns(p: Panel): string[] {
  switch (p.visual) {
    case 'stat':
      return [p.value, ...(p.delta ? [p.delta] : [])];
    case 'timeseries':
      return [p.time, ...p.values, ...(p.series ? [p.series] : []), ...(p.marks ? [p.marks] : [])];
    case 'bar':
      return [p.category, ...p.values, ...(p.series ? [p.series] : [])];
    case 'pie':
      return [p.category, p.value];
    case 'table':
      return (p.columns ?? []).map((c) => c.name);
  }
}
