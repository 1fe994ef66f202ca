/**
 * The generated Grafana dashboards (lib/dashboards/grafana.ts → dashboards/grafana/<page>.json):
 * the committed files are what `npm run dashboards` writes now, one per page; each file holds
 * the part of Grafana's dashboard model the import relies on (checked with a zod schema of that
 * subset: panel ids, types, a grid without overlaps, every query through the `${datasource}`
 * variable, an `__inputs` entry that asks for an Athena data source); the renderer maps each
 * visual as documented; and every panel's SQL, macros expanded as the plugin does, runs on
 * DuckDB — on an empty lake (every model table an empty typed view) and on a small built shop —
 * returning each column the JSON names.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadDashboards } from '../../lib/dashboards/dashboards.ts';
import {
  ATHENA_FORMAT,
  ATHENA_PLUGIN_ID,
  DATASOURCE_INPUT,
  GRAFANA_DIR,
  GRID_COLUMNS,
  grafanaDashboard,
  grafanaFiles,
  layout,
  matrixRowField,
} from '../../lib/dashboards/grafana.ts';
import { dayRange, expandMacros, type TimeRange } from '../../lib/dashboards/macros.ts';
import { PageSchema, type LoadedPage, type PageInput } from '../../lib/dashboards/panel-spec.ts';
import { DuckDbEngine } from '../../lib/engine/duckdb.ts';
import {
  DQ_RESULTS_PREFIX,
  PIPELINE_RUNS_PREFIX,
  runRecordKey,
  toJsonLines,
} from '../../lib/pipeline/run-records.ts';
import type { SqlEngine } from '../../lib/engine/sql-engine.ts';
import { ShopLake, type ShopEvent, type ShopFixture } from '../helpers/shop-lake.ts';

// ---------------------------------------------------------------------------------------------
// The Grafana model subset the dashboards rely on

const PANEL_TYPES = ['stat', 'timeseries', 'barchart', 'piechart', 'table'] as const;

const DatasourceRef = z
  .object({ type: z.literal(ATHENA_PLUGIN_ID), uid: z.literal('${datasource}') })
  .strict();

const Target = z.object({
  refId: z.string().min(1),
  datasource: DatasourceRef,
  rawSQL: z.string().min(1),
  format: z.union([z.literal(ATHENA_FORMAT.timeSeries), z.literal(ATHENA_FORMAT.table)]),
  connectionArgs: z.object({
    region: z.string().min(1),
    catalog: z.string().min(1),
    database: z.string().min(1),
    resultReuseEnabled: z.boolean().optional(),
    resultReuseMaxAgeInMinutes: z.number().int().positive().optional(),
  }),
});

const GridPos = z
  .object({
    x: z.number().int().min(0),
    y: z.number().int().min(0),
    w: z.number().int().min(1).max(GRID_COLUMNS),
    h: z.number().int().min(1),
  })
  .strict()
  .refine((g) => g.x + g.w <= GRID_COLUMNS, { message: 'the panel overflows the 24 columns' });

const Override = z.object({
  matcher: z.object({ id: z.literal('byName'), options: z.string().min(1) }),
  properties: z.array(z.object({ id: z.string().min(1), value: z.unknown() })).min(1),
});

const Transformation = z.object({
  id: z.string().min(1),
  options: z.record(z.string(), z.unknown()),
});

const Threshold = z.object({
  mode: z.literal('absolute'),
  steps: z
    .array(z.object({ color: z.string().min(1), value: z.number().nullable() }))
    .min(1)
    .refine((s) => s[0]!.value === null && s.slice(1).every((x) => x.value !== null), {
      message: 'the first step is the base (value null), the others have values',
    }),
});

const GrafanaPanel = z.object({
  id: z.number().int().positive(),
  type: z.enum(PANEL_TYPES),
  title: z.string().min(1),
  description: z.string().min(1),
  gridPos: GridPos,
  datasource: DatasourceRef,
  targets: z.array(Target).length(1),
  fieldConfig: z.object({
    defaults: z.looseObject({
      unit: z.string().min(1),
      decimals: z.number().int().min(0).optional(),
      thresholds: Threshold.optional(),
    }),
    overrides: z.array(Override),
  }),
  options: z.record(z.string(), z.unknown()),
  transformations: z.array(Transformation),
});
type GrafanaPanel = z.infer<typeof GrafanaPanel>;

const DashboardInput = z.object({
  name: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  label: z.string().min(1),
  type: z.literal('datasource'),
  pluginId: z.string().min(1),
  pluginName: z.string().min(1),
});

const Variable = z.looseObject({
  name: z.string().min(1),
  type: z.string().min(1),
  query: z.unknown(),
  current: z.looseObject({ value: z.unknown() }),
});

const Dashboard = z
  .looseObject({
    __inputs: z.array(DashboardInput).min(1),
    __requires: z
      .array(
        z.object({
          type: z.enum(['grafana', 'datasource', 'panel']),
          id: z.string(),
          name: z.string(),
          version: z.string(),
        }),
      )
      .min(1),
    uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'a Grafana uid: 1-40 of A-Z a-z 0-9 _ -'),
    title: z.string().min(1),
    description: z.string().min(1),
    tags: z.array(z.string()).min(1),
    schemaVersion: z.number().int().min(36),
    id: z.null(),
    time: z.object({ from: z.string().min(1), to: z.string().min(1) }),
    timezone: z.string(),
    refresh: z.string(),
    templating: z.object({ list: z.array(Variable) }),
    links: z.array(z.looseObject({ type: z.string(), tags: z.array(z.string()).optional() })),
    panels: z.array(GrafanaPanel).min(1),
  })
  .superRefine((d, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    const ids = d.panels.map((p) => p.id);
    if (new Set(ids).size !== ids.length) issue(`panel ids repeat: ${ids.join(', ')}`);
    for (const [i, a] of d.panels.entries()) {
      for (const b of d.panels.slice(i + 1)) {
        const g = a.gridPos;
        const h = b.gridPos;
        if (g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h) {
          issue(`panels ${a.id} and ${b.id} overlap`);
        }
      }
    }
    // The queries' variable exists, is a data source picker for the Athena plugin, and starts
    // at the data source the import dialog asks for.
    const variable = d.templating.list.find((v) => v.name === 'datasource');
    if (variable?.type !== 'datasource' || variable.query !== ATHENA_PLUGIN_ID) {
      issue('no datasource variable `datasource` for grafana-athena-datasource');
    }
    const input = d.__inputs.find((i) => i.pluginId === ATHENA_PLUGIN_ID);
    if (!input) issue('no __inputs entry asks for a grafana-athena-datasource data source');
    else if (variable?.current.value !== `\${${input.name}}`) {
      issue(`the datasource variable does not start at \${${input.name}}`);
    }
    // Every `${NAME}` import placeholder in the JSON has its input (else the import fails).
    const inputs = new Set(d.__inputs.map((i) => i.name));
    const placeholders = JSON.stringify(d).match(/\$\{[A-Z][A-Z0-9_]*\}/g) ?? [];
    for (const p of placeholders) if (!inputs.has(p.slice(2, -1))) issue(`no input for ${p}`);
    const required = new Set(d.__requires.map((r) => `${r.type}:${r.id}`));
    for (const type of new Set(d.panels.map((p) => p.type))) {
      if (!required.has(`panel:${type}`)) issue(`__requires lacks the panel ${type}`);
    }
    if (!required.has(`datasource:${ATHENA_PLUGIN_ID}`)) issue('__requires lacks the plugin');
  });
type Dashboard = z.infer<typeof Dashboard>;

// ---------------------------------------------------------------------------------------------
// Files

const pages = loadDashboards();
const expected = grafanaFiles(pages);
const committedNames = () =>
  readdirSync(GRAFANA_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
function committed(file: string): string {
  const path = join(GRAFANA_DIR, file);
  if (!existsSync(path))
    throw new Error(`dashboards/grafana/${file} is missing: run npm run dashboards`);
  return readFileSync(path, 'utf8');
}

describe('dashboards/grafana/*.json', () => {
  it('holds one file per page and no other', () => {
    expect(
      committedNames(),
      'dashboards/grafana/ does not match the pages: run npm run dashboards',
    ).toEqual(pages.map((p) => `${p.id}.json`).sort());
  });

  it.each(expected.map((f) => [f.file, f.text] as const))(
    '%s is what npm run dashboards writes now',
    (file, text) => {
      expect(
        committed(file) === text,
        `dashboards/grafana/${file} is out of date: run npm run dashboards`,
      ).toBe(true);
    },
  );
});

describe('each dashboard file', () => {
  const parsed = () =>
    expected.map((f) => ({ f, d: Dashboard.parse(JSON.parse(committed(f.file))) }));

  it.each(expected.map((f) => [f.file]))('%s is a Grafana dashboard of the subset', (file) => {
    const result = Dashboard.safeParse(JSON.parse(committed(file)));
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it('has the page uid, title and tag; uids are unique; pages link to each other by that tag', () => {
    const all = parsed();
    for (const { f, d } of all) {
      const page = pages.find((p) => p.id === f.page)!;
      expect(d.uid).toBe(`lakehouse-${page.id}`);
      expect(d.title).toBe(`Lakehouse · ${page.title}`);
      expect(d.tags).toContain('lakehouse');
      expect(d.links).toContainEqual(
        expect.objectContaining({ type: 'dashboards', tags: ['lakehouse'] }),
      );
      expect(d.panels.map((p) => p.title)).toEqual(page.panels.map((p) => p.title));
      expect(d.panels.map((p) => p.targets[0]!.rawSQL)).toEqual(page.panels.map((p) => p.sql));
    }
    expect(new Set(all.map(({ d }) => d.uid)).size).toBe(all.length);
  });

  it('keeps the panel SQL macros for the plugin to expand', () => {
    const sql = parsed().flatMap(({ d }) => d.panels.map((p) => p.targets[0]!.rawSQL));
    expect(sql.some((s) => /\$__(timeFrom|timeTo|timeFilter|dateFilter)\(/.test(s))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The renderer, on pages made up here

/** A page as `loadPages` returns it, with made-up SQL. */
function page(input: PageInput): LoadedPage {
  const p = PageSchema.parse(input);
  return {
    ...p,
    panels: p.panels.map((panel) => ({
      ...panel,
      page: p.id,
      sql: `SELECT 1 AS ${panel.id.replace(/-/g, '_')}`,
      file: `dashboards/sql/${p.id}/${panel.id}.sql`,
    })),
  };
}

const common = { description: 'About it.', width: 12, height: 6 } as const;
const sample = grafanaDashboard(
  page({
    id: 'sample',
    title: 'Sample',
    description: 'Every visual.',
    panels: [
      {
        ...common,
        id: 'errors',
        title: 'Errors',
        visual: 'stat',
        unit: 'count',
        value: 'errors',
        delta: 'errors_change',
        good: 'down',
      },
      {
        ...common,
        id: 'sales',
        title: 'Sales',
        visual: 'timeseries',
        unit: 'currency',
        time: 'time',
        values: ['revenue'],
        series: 'device',
        style: 'bars',
        stack: true,
      },
      {
        ...common,
        width: 24,
        id: 'by-country',
        title: 'By country',
        visual: 'bar',
        category: 'country',
        values: ['sessions'],
        series: 'device',
        horizontal: true,
        stack: true,
      },
      {
        ...common,
        id: 'share',
        title: 'Share',
        visual: 'pie',
        category: 'segment',
        value: 'customers',
      },
      {
        ...common,
        id: 'leads',
        title: 'Leads',
        visual: 'table',
        unit: 'percent',
        decimals: 1,
        thresholds: { base: 'gray', steps: [{ value: 0.5, color: 'orange' }] },
        columns: [
          { name: 'score', title: 'Score', colored: true },
          { name: 'user_id', title: 'User' },
          { name: 'cart_value', unit: 'currency' },
        ],
      },
    ],
  }),
);
const panel = (title: string) => sample.panels.find((p) => p.title === title)!;
const prop = (p: { fieldConfig: { overrides: readonly unknown[] } }, name: string, id: string) =>
  (
    p.fieldConfig.overrides as {
      matcher: { options: string };
      properties: { id: string; value: unknown }[];
    }[]
  )
    .find((o) => o.matcher.options === name)
    ?.properties.find((x) => x.id === id)?.value;

describe('grafanaDashboard', () => {
  it('passes the schema; its datasource variable starts at the import input', () => {
    expect(Dashboard.safeParse(JSON.parse(JSON.stringify(sample))).error?.issues ?? []).toEqual([]);
    expect(JSON.stringify(sample.templating)).toContain(`\${${DATASOURCE_INPUT}}`);
  });

  it('lays panels out left to right, wrapping below the tallest of the row', () => {
    expect(
      layout([
        { width: 6, height: 4 },
        { width: 12, height: 9 },
        { width: 8, height: 3 },
        { width: 24, height: 5 },
        { width: 3, height: 3 },
      ]),
    ).toEqual([
      { x: 0, y: 0, w: 6, h: 4 },
      { x: 6, y: 0, w: 12, h: 9 },
      { x: 0, y: 9, w: 8, h: 3 },
      { x: 0, y: 12, w: 24, h: 5 },
      { x: 0, y: 17, w: 3, h: 3 },
    ]);
  });

  it('maps each visual to its panel type and the table/time series format', () => {
    expect(sample.panels.map((p) => p.type)).toEqual([
      'stat',
      'timeseries',
      'barchart',
      'piechart',
      'table',
    ]);
    expect(sample.panels.map((p) => p.targets[0]!.format)).toEqual([1, 0, 1, 1, 1]);
    expect(sample.panels.map((p) => p.fieldConfig.defaults.unit)).toEqual([
      'short',
      'currencyUSD',
      'none',
      'none',
      'percentunit',
    ]);
  });

  it('stat: the delta is a second value in percent, red when it rises for a good=down metric', () => {
    const p = panel('Errors');
    expect(p.options.reduceOptions).toMatchObject({ values: false, calcs: ['lastNotNull'] });
    const fields = new RegExp((p.options.reduceOptions as { fields: string }).fields.slice(1, -1));
    expect(
      ['errors', 'errors_change', 'Errors', 'vs previous period'].every((n) => fields.test(n)),
    ).toBe(true);
    expect(fields.test('errors_other')).toBe(false);
    expect(prop(p, 'errors_change', 'unit')).toBe('percentunit');
    expect(prop(p, 'errors_change', 'thresholds')).toEqual({
      mode: 'absolute',
      steps: [
        { color: 'green', value: null },
        { color: 'red', value: 0 },
      ],
    });
  });

  it('time series: bars, stacked; long rows pivoted by the plugin, so no field filter', () => {
    const p = panel('Sales');
    expect(p.fieldConfig.defaults.custom).toMatchObject({
      drawStyle: 'bars',
      stacking: { mode: 'normal' },
    });
    expect(p.transformations).toEqual([]);
  });

  it('time series: marks are points over the lines', () => {
    const overview = grafanaDashboard(
      page({
        id: 'marks',
        title: 'Marks',
        description: 'Marks.',
        panels: [
          {
            ...common,
            id: 'rev',
            title: 'Revenue',
            visual: 'timeseries',
            time: 'time',
            values: ['revenue'],
            marks: 'anomaly',
          },
        ],
      }),
    );
    const p = overview.panels[0]!;
    expect(p.targets[0]!.format).toBe(ATHENA_FORMAT.table);
    expect(prop(p, 'anomaly', 'custom.drawStyle')).toBe('points');
    expect(prop(p, 'anomaly', 'custom.pointSize')).toBeGreaterThan(5);
    expect(p.transformations).toEqual([
      { id: 'filterFieldsByName', options: { include: { names: ['time', 'revenue', 'anomaly'] } } },
    ]);
  });

  it('labels and colours: display names and fixed colours per field; cell text colours in tables', () => {
    const d = grafanaDashboard(
      page({
        id: 'named',
        title: 'Named',
        description: 'Named.',
        panels: [
          {
            ...common,
            id: 'checks',
            title: 'Checks',
            visual: 'timeseries',
            time: 'time',
            values: ['failed', 'passed'],
            labels: { failed: 'Failed' },
            colors: { failed: 'red', passed: 'gray' },
          },
          {
            ...common,
            id: 'runs',
            title: 'Runs',
            visual: 'table',
            colors: { FAILED: 'red' },
            empty: 'No run',
            columns: [{ name: 'status', colored: true }],
          },
        ],
      }),
    );
    const [series, table] = d.panels;
    expect(prop(series!, 'failed', 'displayName')).toBe('Failed');
    expect(prop(series!, 'failed', 'color')).toEqual({ mode: 'fixed', fixedColor: 'red' });
    expect(prop(series!, 'passed', 'color')).toEqual({ mode: 'fixed', fixedColor: '#8e8e8e' });
    expect(prop(series!, 'passed', 'displayName')).toBeUndefined();
    expect(table!.fieldConfig.defaults.mappings).toEqual([
      { type: 'value', options: { FAILED: { color: 'red', index: 0 } } },
    ]);
    expect(prop(table!, 'status', 'custom.cellOptions')).toEqual({ type: 'color-text' });
    expect(table!.fieldConfig.defaults.noValue).toBe('No run');
    expect(series!.fieldConfig.defaults.noValue).toBeUndefined();
  });

  it('bar: long rows become a matrix whose row field is the x axis', () => {
    const p = panel('By country');
    expect(p.transformations[0]).toEqual({
      id: 'groupingToMatrix',
      options: {
        rowField: 'country',
        columnField: 'device',
        valueField: 'sessions',
        emptyValue: 'null',
      },
    });
    expect(p.options).toMatchObject({
      orientation: 'horizontal',
      stacking: 'normal',
      xField: matrixRowField('country', 'device'),
    });
  });

  it('pie: one slice per row, named by the category', () => {
    const p = panel('Share');
    expect(p.options.reduceOptions).toMatchObject({ values: true, fields: '/^(customers)$/' });
    expect(p.transformations).toEqual([
      { id: 'filterFieldsByName', options: { include: { names: ['segment', 'customers'] } } },
    ]);
  });

  it('table: picks, orders and renames the columns; units and colours per column title', () => {
    const p = panel('Leads');
    expect(p.transformations).toEqual([
      {
        id: 'filterFieldsByName',
        options: { include: { names: ['score', 'user_id', 'cart_value'] } },
      },
      {
        id: 'organize',
        options: {
          excludeByName: {},
          indexByName: { score: 0, user_id: 1, cart_value: 2 },
          renameByName: { score: 'Score', user_id: 'User' },
        },
      },
    ]);
    expect(prop(p, 'Score', 'custom.cellOptions')).toEqual({ type: 'color-text' });
    expect(prop(p, 'cart_value', 'unit')).toBe('currencyUSD');
    expect(p.fieldConfig.defaults).toMatchObject({
      decimals: 1,
      thresholds: {
        steps: [
          { color: '#8e8e8e', value: null },
          { color: 'orange', value: 0.5 },
        ],
      },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The panel SQL on DuckDB

/** The columns of the query result that the panel's JSON names (filters, fields, overrides). */
function namedColumns(p: GrafanaPanel): string[] {
  const names = new Set<string>();
  for (const t of p.transformations) {
    const o = t.options as Record<string, unknown>;
    if (t.id === 'filterFieldsByName') {
      for (const n of (o.include as { names: string[] }).names) names.add(n);
    } else if (t.id === 'groupingToMatrix') {
      for (const k of ['rowField', 'columnField', 'valueField']) names.add(String(o[k]));
    } else if (t.id === 'organize') {
      for (const n of Object.keys(o.indexByName as object)) names.add(n);
    }
  }
  const xField = p.options.xField;
  if (typeof xField === 'string' && !xField.includes('\\')) names.add(xField);
  // Table overrides match the renamed titles; after a pivot (long rows: the plugin's time series
  // format, or groupingToMatrix) they match series values; the others match the query's columns.
  const pivoted =
    p.targets[0]!.format === 0 || p.transformations.some((t) => t.id === 'groupingToMatrix');
  if (p.type !== 'table' && !pivoted) {
    for (const o of p.fieldConfig.overrides) names.add(o.matcher.options);
  }
  return [...names];
}

const dashboards: Dashboard[] = expected.map((f) => Dashboard.parse(JSON.parse(f.text)));
const queries = dashboards.flatMap((d) =>
  d.panels.map((p) => ({ name: `${d.uid} #${p.id} ${p.title}`, panel: p })),
);

async function runPanel(engine: SqlEngine, p: GrafanaPanel, range: TimeRange) {
  const result = await engine.query(expandMacros(p.targets[0]!.rawSQL, range));
  const columns = result.columns.map((c) => c.name);
  const missing = namedColumns(p).filter((n) => !columns.includes(n));
  expect(
    missing,
    `the JSON names columns the query does not return (it returns ${columns.join(', ')})`,
  ).toEqual([]);
  return result;
}

describe('every panel query on an empty lake (tables exist, no rows)', () => {
  const root = mkdtempSync(join(tmpdir(), 'grafana-empty-lake-'));
  let engine: DuckDbEngine;
  beforeAll(async () => {
    engine = await DuckDbEngine.open({ lakeRoot: root, database: 'ecommerce_lakehouse' });
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('names only columns it can see', () => {
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(namedColumns(q.panel).length, q.name).toBeGreaterThan(0);
  });

  it.each(queries.map((q) => [q.name, q.panel] as const))('%s', async (_name, p) => {
    await runPanel(engine, p, dayRange('2026-11-16', '2026-11-22'));
  });
});

// A small shop over three days: every day two sessions buy, one leaves its cart.
const DAYS = ['2026-11-20', '2026-11-21', '2026-11-22'];
const PRODUCTS = [
  { id: 'p1', category: 'Home', price: 20 },
  { id: 'p2', category: 'Toys', price: 5 },
  { id: 'p3', category: 'Garden', price: 12 },
];
const SESSIONS = [
  { user: 'c1', device: 'desktop', country: 'DE', source: 'organic', buys: true },
  { user: 'c2', device: 'mobile', country: 'FR', source: 'email', campaign: 'bf', buys: true },
  { user: 'c3', device: 'tablet', country: 'DE', source: 'paid_search', buys: false },
];

function shopEvents(): ShopEvent[] {
  const events: ShopEvent[] = [];
  for (const [d, day] of DAYS.entries()) {
    for (const [s, session] of SESSIONS.entries()) {
      const product = PRODUCTS[(d + s) % PRODUCTS.length]!;
      const base = {
        user: session.user,
        session: `s${d}${s}`,
        product: product.id,
        category: product.category,
        price: product.price,
        device: session.device,
        country: session.country,
        source: session.source,
        campaign: session.campaign ?? null,
      };
      const at = (minute: number) => `${day}T${String(9 + s * 3).padStart(2, '0')}:0${minute}:00Z`;
      events.push({ ...base, id: `v${d}${s}`, ts: at(0) });
      events.push({ ...base, id: `c${d}${s}`, type: 'add_to_cart', ts: at(1), quantity: d + 1 });
      if (session.buys) {
        events.push({
          ...base,
          id: `b${d}${s}`,
          type: 'purchase',
          ts: at(2),
          quantity: d + 1,
          order: `o${d}${s}`,
        });
      }
    }
  }
  return events;
}

const SHOP: ShopFixture = {
  events: shopEvents(),
  customers: {
    '2026-11-19': SESSIONS.map((s, i) => ({
      id: s.user,
      country: s.country,
      signup: `2026-0${i + 1}-01`,
      updated: `2026-0${i + 1}-01T00:00:00Z`,
    })),
  },
  products: {
    '2026-11-19': PRODUCTS.map((p) => ({ ...p, updated: '2025-01-01T00:00:00Z' })),
  },
};

/** One succeeded pipeline run a day, with a passing and a warning Silver check. */
function writeRunRecords(root: string): void {
  const write = (key: string, rows: object[]) => {
    mkdirSync(dirname(join(root, key)), { recursive: true });
    writeFileSync(join(root, key), toJsonLines(rows));
  };
  for (const day of DAYS) {
    const id = `${day}T23:00:00Z-run`;
    const at = `${day}T23:00:00.000Z`;
    write(runRecordKey(PIPELINE_RUNS_PREFIX, day, id), [
      {
        run_id: id,
        execution_name: 'run',
        status: 'SUCCEEDED',
        started_at: at,
        finished_at: `${day}T23:05:00.000Z`,
        duration_seconds: 300,
        window_start: null,
        window_end: at,
        request: 'scheduled',
        new_objects: 3,
        listed_objects: 3,
        models_built: 20,
        partitions_written: 20,
        partitions_removed: 0,
        rows_written: 100,
        bytes_scanned: 1048576,
        error: null,
      },
    ]);
    const check = (name: string, status: string, observed: number) => ({
      run_id: id,
      checked_at: at,
      layer: 'silver',
      table_name: 'silver_events',
      check_name: name,
      kind: 'range',
      column_name: null,
      partition: day,
      observed,
      threshold: 0.05,
      severity: 'warn',
      status,
      failing_rows: Math.round(observed * 10),
      rows_checked: 10,
      message: `silver_events.${name} ${status}`,
    });
    write(runRecordKey(DQ_RESULTS_PREFIX, day, `${id}-silver`), [
      check('late_arrivals', 'warn', 0.1),
      check('duplicate_rate', 'pass', 0),
    ]);
  }
}

describe('every panel query on a small built shop', () => {
  let lake: ShopLake;
  const rows = new Map<string, number>();
  beforeAll(async () => {
    lake = await ShopLake.open(SHOP);
    writeRunRecords(lake.root);
    // The record views were made when the engine opened, before the records were written.
    await lake.engine.refresh();
    await lake.build();
  });
  afterAll(async () => {
    await lake?.close();
  });

  it.each(queries.map((q) => [q.name, q.panel] as const))('%s', async (name, p) => {
    const result = await runPanel(lake.engine, p, dayRange(DAYS[0]!, DAYS.at(-1)!));
    rows.set(name, result.rows.length);
  });

  it('every page draws something; the overview panels all do', () => {
    for (const d of dashboards) {
      const drawn = d.panels.filter((p) => (rows.get(`${d.uid} #${p.id} ${p.title}`) ?? 0) > 0);
      expect(drawn.length, `${d.uid}: no panel returned rows`).toBeGreaterThan(0);
    }
    const overview = queries.filter((q) => q.name.startsWith('lakehouse-overview '));
    expect(overview.length).toBeGreaterThan(0);
    for (const q of overview) expect(rows.get(q.name), q.name).toBeGreaterThan(0);
  });
});
