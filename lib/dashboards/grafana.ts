/**
 * The Grafana renderer of the panel spec: one dashboard JSON per page, for Grafana 10.4+ with the
 * Amazon Athena data source plugin (`grafana-athena-datasource`). Pure: pages in, JSON out;
 * `npm run dashboards` (scripts/dashboards.ts) writes the files to `dashboards/grafana/`.
 *
 * Every panel queries through a dashboard variable of type `datasource` (`${datasource}`), so a
 * dashboard works with whichever Athena data source the user picks; `__inputs` makes the import
 * dialog ask for it and sets the variable's initial value. Panel SQL goes in as it is in the
 * spec, its `$__timeFrom()`-style macros left for the plugin to expand.
 *
 * Field names follow the plugin's query model (grafana/athena-datasource `src/types.ts`:
 * `rawSQL`, `format` as its `FormatOptions` enum, `connectionArgs`) and Grafana's dashboard model
 * (schemaVersion 39, as Grafana 10.4 and 11.0 save it).
 */
import { join } from 'node:path';
import {
  DASHBOARDS_DIR,
  type Color,
  type LoadedPage,
  type LoadedPanel,
  type Panel,
  type Unit,
  type Visual,
} from './panel-spec.ts';

/** Where `npm run dashboards` writes `<page>.json`. */
export const GRAFANA_DIR = join(DASHBOARDS_DIR, 'grafana');

export const ATHENA_PLUGIN_ID = 'grafana-athena-datasource';
export const SCHEMA_VERSION = 39;
/** Every lakehouse dashboard carries this tag; the dashboards link to each other through it. */
export const DASHBOARD_TAG = 'lakehouse';
/** The dashboard variable the panels query through. */
export const DATASOURCE_VARIABLE = 'datasource';
/** The import input that fills the variable (Grafana replaces `${DS_ATHENA}` on import). */
export const DATASOURCE_INPUT = 'DS_ATHENA';
export const DATASOURCE_REF = { type: ATHENA_PLUGIN_ID, uid: `\${${DATASOURCE_VARIABLE}}` };
export const GRID_COLUMNS = 24;

/** The plugin's `FormatOptions` enum: `TimeSeries` = 0, `Table` = 1 (`Logs` = 2). */
export const ATHENA_FORMAT = { timeSeries: 0, table: 1 } as const;

/** `__default`: the region, catalog and database of the data source's settings. */
const DEFAULT_KEY = '__default';

export const PANEL_TYPES = {
  stat: 'stat',
  timeseries: 'timeseries',
  bar: 'barchart',
  pie: 'piechart',
  table: 'table',
} as const satisfies Record<Visual, string>;

const PANEL_NAMES: Record<Visual, string> = {
  stat: 'Stat',
  timeseries: 'Time series',
  bar: 'Bar chart',
  pie: 'Pie chart',
  table: 'Table',
};

/** Grafana's unit ids for the spec's units (`percent` is a ratio: 0.25 → 25%). */
export const GRAFANA_UNITS: Record<Unit, string> = {
  number: 'none',
  count: 'short',
  currency: 'currencyUSD',
  percent: 'percentunit',
  seconds: 's',
  hours: 'h',
  bytes: 'bytes',
};

/** Grafana's named colours; it has no named grey, so a mid grey that reads on both themes. */
export const GRAFANA_COLORS: Record<Color, string> = {
  green: 'green',
  blue: 'blue',
  yellow: 'yellow',
  orange: 'orange',
  red: 'red',
  purple: 'purple',
  gray: '#8e8e8e',
};

// ---------------------------------------------------------------------------------------------
// The JSON model (the subset written here)

export interface GridPos {
  readonly h: number;
  readonly w: number;
  readonly x: number;
  readonly y: number;
}

interface ThresholdsConfig {
  readonly mode: 'absolute';
  readonly steps: readonly { readonly color: string; readonly value: number | null }[];
}

interface FieldProperty {
  readonly id: string;
  readonly value: unknown;
}

interface FieldOverride {
  readonly matcher: { readonly id: 'byName'; readonly options: string };
  readonly properties: readonly FieldProperty[];
}

interface FieldConfig {
  readonly defaults: Record<string, unknown>;
  readonly overrides: readonly FieldOverride[];
}

interface Transformation {
  readonly id: string;
  readonly options: Record<string, unknown>;
}

export interface AthenaTarget {
  readonly refId: string;
  readonly datasource: typeof DATASOURCE_REF;
  readonly format: number;
  readonly rawSQL: string;
  readonly connectionArgs: {
    readonly region: string;
    readonly catalog: string;
    readonly database: string;
    readonly resultReuseEnabled: boolean;
    readonly resultReuseMaxAgeInMinutes: number;
  };
}

export interface GrafanaPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description: string;
  readonly gridPos: GridPos;
  readonly datasource: typeof DATASOURCE_REF;
  readonly targets: readonly AthenaTarget[];
  readonly fieldConfig: FieldConfig;
  readonly options: Record<string, unknown>;
  readonly transformations: readonly Transformation[];
}

export interface GrafanaDashboard {
  readonly __inputs: readonly Record<string, string>[];
  readonly __elements: Record<string, never>;
  readonly __requires: readonly Record<string, string>[];
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly panels: readonly GrafanaPanel[];
  readonly [key: string]: unknown;
}

/** The file `npm run dashboards` writes for a page, and its text. */
export interface GrafanaFile {
  readonly page: string;
  readonly file: string;
  readonly text: string;
}

// ---------------------------------------------------------------------------------------------
// Dashboards

export function dashboardUid(page: string): string {
  return `${DASHBOARD_TAG}-${page}`;
}

/** One dashboard per page, in page order. */
export function grafanaDashboards(pages: readonly LoadedPage[]): GrafanaDashboard[] {
  return pages.map(grafanaDashboard);
}

/** The files for the pages: `<page>.json`, 2-space JSON and a final newline. */
export function grafanaFiles(pages: readonly LoadedPage[]): GrafanaFile[] {
  return grafanaDashboards(pages).map((d, i) => ({
    page: pages[i]!.id,
    file: `${pages[i]!.id}.json`,
    text: `${JSON.stringify(d, null, 2)}\n`,
  }));
}

export function grafanaDashboard(page: LoadedPage): GrafanaDashboard {
  const positions = layout(page.panels);
  const panels = page.panels.map((p, i) => grafanaPanel(p, i + 1, positions[i]!));
  const visuals = [...new Set(page.panels.map((p) => p.visual))].sort();
  return {
    __inputs: [
      {
        name: DATASOURCE_INPUT,
        label: 'Amazon Athena',
        description: 'The Athena data source (the lakehouse workgroup and Glue database)',
        type: 'datasource',
        pluginId: ATHENA_PLUGIN_ID,
        pluginName: 'Amazon Athena',
      },
    ],
    __elements: {},
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.4.0' },
      // 2.9.3: the first release whose query editor works on Grafana 10 (React 18).
      { type: 'datasource', id: ATHENA_PLUGIN_ID, name: 'Amazon Athena', version: '2.9.3' },
      ...visuals.map((v) => ({
        type: 'panel',
        id: PANEL_TYPES[v],
        name: PANEL_NAMES[v],
        version: '',
      })),
    ],
    annotations: { list: [] },
    description: page.description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [
      {
        title: 'Lakehouse',
        type: 'dashboards',
        tags: [DASHBOARD_TAG],
        asDropdown: false,
        includeVars: true,
        keepTime: true,
        icon: 'external link',
        targetBlank: false,
        tooltip: '',
        url: '',
      },
    ],
    liveNow: false,
    panels,
    // Off by default: every refresh runs (and bills) each panel's Athena query; the pipeline
    // publishes every `pipeline.scheduleMinutes` (15) at most.
    refresh: '',
    schemaVersion: SCHEMA_VERSION,
    tags: [DASHBOARD_TAG, page.id],
    templating: { list: [datasourceVariable()] },
    time: { from: 'now-7d', to: 'now' },
    timepicker: { refresh_intervals: ['15m', '30m', '1h', '3h', '6h', '12h', '1d'] },
    // The lake's dates and hours are UTC, and so are the macros' timestamps.
    timezone: 'utc',
    title: `Lakehouse · ${page.title}`,
    uid: dashboardUid(page.id),
    version: 1,
    weekStart: '',
  };
}

function datasourceVariable(): Record<string, unknown> {
  const initial = `\${${DATASOURCE_INPUT}}`;
  return {
    name: DATASOURCE_VARIABLE,
    label: 'Data source',
    type: 'datasource',
    query: ATHENA_PLUGIN_ID,
    current: { selected: false, text: initial, value: initial },
    hide: 0,
    includeAll: false,
    multi: false,
    options: [],
    refresh: 1,
    regex: '',
    skipUrlSync: false,
  };
}

/** Left to right in a 24-column grid; a panel that does not fit starts a row below the tallest. */
export function layout(panels: readonly Pick<Panel, 'width' | 'height'>[]): GridPos[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map(({ width, height }) => {
    if (x + width > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const pos = { h: height, w: width, x, y };
    x += width;
    rowHeight = Math.max(rowHeight, height);
    return pos;
  });
}

// ---------------------------------------------------------------------------------------------
// Panels

type PanelOf<V extends Visual> = Extract<LoadedPanel, { visual: V }>;

/** What a visual adds to the common panel fields. */
interface VisualParts {
  readonly fieldConfig: FieldConfig;
  readonly options: Record<string, unknown>;
  readonly transformations?: readonly Transformation[];
}

export function grafanaPanel(panel: LoadedPanel, id: number, gridPos: GridPos): GrafanaPanel {
  const parts = visualParts(panel);
  const fieldConfig = panel.empty
    ? { ...parts.fieldConfig, defaults: { ...parts.fieldConfig.defaults, noValue: panel.empty } }
    : parts.fieldConfig;
  return {
    id,
    type: PANEL_TYPES[panel.visual],
    title: panel.title,
    description: panel.description,
    gridPos,
    datasource: DATASOURCE_REF,
    targets: [athenaTarget(panel)],
    fieldConfig,
    options: parts.options,
    transformations: parts.transformations ?? [],
  };
}

function visualParts(panel: LoadedPanel): VisualParts {
  switch (panel.visual) {
    case 'stat':
      return statParts(panel);
    case 'timeseries':
      return timeSeriesParts(panel);
    case 'bar':
      return barParts(panel);
    case 'pie':
      return pieParts(panel);
    case 'table':
      return tableParts(panel);
  }
}

/**
 * Time series format only where Grafana must pivot: long rows (`series`) become one series per
 * value of the series column (the plugin's backend turns the long frame wide). Everything else,
 * wide time series included, is a table frame, which every panel reads as it is.
 */
export function athenaFormat(panel: Panel): number {
  return panel.visual === 'timeseries' && panel.series
    ? ATHENA_FORMAT.timeSeries
    : ATHENA_FORMAT.table;
}

function athenaTarget(panel: LoadedPanel): AthenaTarget {
  return {
    refId: 'A',
    datasource: DATASOURCE_REF,
    format: athenaFormat(panel),
    rawSQL: panel.sql,
    connectionArgs: {
      region: DEFAULT_KEY,
      catalog: DEFAULT_KEY,
      database: DEFAULT_KEY,
      // Athena's result reuse: off (the plugin's default). The macros put the time range in the
      // SQL text, so a moving range (`now-7d`) never repeats a query anyway.
      resultReuseEnabled: false,
      resultReuseMaxAgeInMinutes: 60,
    },
  };
}

// --- stat ------------------------------------------------------------------------------------

/** How the delta (a ratio: change vs the previous period) is labelled. */
export const DELTA_LABEL = 'vs previous period';

/**
 * The value, and under it the delta coloured by whether the change is good news. Both are
 * picked by `reduceOptions.fields`, since a stat query may return the columns of several tiles.
 */
function statParts(panel: PanelOf<'stat'>): VisualParts {
  const overrides: FieldOverride[] = [byName(panel.value, [prop('displayName', panel.title)])];
  const shown = [panel.value, panel.title];
  if (panel.delta) {
    overrides.push(deltaOverride(panel.delta, panel.good));
    shown.push(panel.delta, DELTA_LABEL);
  }
  return {
    fieldConfig: {
      defaults: {
        ...numberFormat(panel.unit, panel.decimals),
        color: panel.thresholds ? { mode: 'thresholds' } : { mode: 'fixed', fixedColor: 'text' },
        thresholds: thresholds(panel.thresholds),
        mappings: [],
      },
      overrides,
    },
    options: {
      // Overrides are applied before the fields are picked: match the display names as well.
      reduceOptions: { values: false, calcs: ['lastNotNull'], fields: namesRegex(shown) },
      orientation: 'auto',
      textMode: panel.delta ? 'value_and_name' : 'value',
      colorMode: 'value',
      graphMode: 'none',
      justifyMode: 'auto',
      wideLayout: true,
      showPercentChange: false,
    },
  };
}

/** Green when the change goes the good way, red when not, plain text when there is none. */
function deltaOverride(column: string, good: 'up' | 'down'): FieldOverride {
  const [below, from] = good === 'up' ? (['red', 'green'] as const) : (['green', 'red'] as const);
  return byName(column, [
    prop('displayName', DELTA_LABEL),
    prop('unit', GRAFANA_UNITS.percent),
    prop('decimals', 1),
    prop('color', { mode: 'thresholds' }),
    prop('thresholds', thresholds({ base: below, steps: [{ value: 0, color: from }] })),
    prop('mappings', [{ type: 'value', options: { '0': { color: 'text', index: 0 } } }]),
    // NULL: no data for the period before.
    prop('noValue', '–'),
  ]);
}

// --- time series -----------------------------------------------------------------------------

function timeSeriesParts(panel: PanelOf<'timeseries'>): VisualParts {
  const bars = panel.style === 'bars';
  const overrides: FieldOverride[] = seriesOverrides(panel);
  if (panel.marks) {
    overrides.push(
      byName(panel.marks, [
        prop('custom.drawStyle', 'points'),
        prop('custom.showPoints', 'always'),
        prop('custom.pointSize', 10),
        prop('custom.stacking', { mode: 'none', group: 'A' }),
        prop('color', { mode: 'fixed', fixedColor: GRAFANA_COLORS.red }),
      ]),
    );
  }
  const columns = [panel.time, ...panel.values, ...(panel.marks ? [panel.marks] : [])];
  return {
    fieldConfig: {
      defaults: {
        ...numberFormat(panel.unit, panel.decimals),
        color: { mode: 'palette-classic' },
        thresholds: thresholds(panel.thresholds),
        mappings: [],
        custom: {
          drawStyle: bars ? 'bars' : 'line',
          lineWidth: bars ? 1 : 2,
          fillOpacity: bars ? 80 : 10,
          gradientMode: 'none',
          lineInterpolation: 'linear',
          barAlignment: 0,
          showPoints: 'auto',
          pointSize: 5,
          spanNulls: false,
          stacking: { mode: panel.stack ? 'normal' : 'none', group: 'A' },
          axisPlacement: 'auto',
          axisLabel: '',
          scaleDistribution: { type: 'linear' },
          hideFrom: { legend: false, tooltip: false, viz: false },
          thresholdsStyle: { mode: panel.thresholds ? 'dashed' : 'off' },
        },
      },
      overrides,
    },
    options: {
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] },
      tooltip: { mode: 'multi', sort: 'none' },
    },
    // Wide rows: draw only the spec's columns. Long rows are pivoted by the plugin, whose
    // series carry labels, so they are left as they come.
    transformations: panel.series ? [] : [keepFields(columns)],
  };
}

// --- bar -------------------------------------------------------------------------------------

/** The category field after `groupingToMatrix` (Grafana names it `<row>\<column>`). */
export function matrixRowField(category: string, series: string): string {
  return `${category}\\${series}`;
}

function barParts(panel: PanelOf<'bar'>): VisualParts {
  const value = panel.values[0]!;
  const transformations = panel.series
    ? [
        {
          id: 'groupingToMatrix',
          options: {
            rowField: panel.category,
            columnField: panel.series,
            valueField: value,
            emptyValue: 'null',
          },
        },
      ]
    : [keepFields([panel.category, ...panel.values])];
  const several = panel.values.length > 1 || panel.series !== undefined;
  return {
    fieldConfig: {
      defaults: {
        ...numberFormat(panel.unit, panel.decimals),
        color: panel.thresholds ? { mode: 'thresholds' } : { mode: 'palette-classic' },
        thresholds: thresholds(panel.thresholds),
        mappings: [],
        custom: {
          fillOpacity: 80,
          lineWidth: 1,
          gradientMode: 'none',
          axisPlacement: 'auto',
          axisLabel: '',
          axisCenteredZero: false,
          scaleDistribution: { type: 'linear' },
          hideFrom: { legend: false, tooltip: false, viz: false },
          thresholdsStyle: { mode: 'off' },
        },
      },
      overrides: seriesOverrides(panel),
    },
    options: {
      orientation: panel.horizontal ? 'horizontal' : 'vertical',
      xField: panel.series ? matrixRowField(panel.category, panel.series) : panel.category,
      stacking: panel.stack ? 'normal' : 'none',
      showValue: 'auto',
      groupWidth: 0.7,
      barWidth: 0.97,
      barRadius: 0,
      xTickLabelRotation: 0,
      xTickLabelSpacing: 0,
      fullHighlight: false,
      legend: { showLegend: several, displayMode: 'list', placement: 'bottom', calcs: [] },
      tooltip: { mode: several ? 'multi' : 'single', sort: 'none' },
    },
    transformations,
  };
}

// --- pie -------------------------------------------------------------------------------------

/** One slice per row: the value column, named by the category (the only string field kept). */
function pieParts(panel: PanelOf<'pie'>): VisualParts {
  return {
    fieldConfig: {
      defaults: {
        ...numberFormat(panel.unit, panel.decimals),
        color: { mode: 'palette-classic' },
        mappings: [],
        custom: { hideFrom: { legend: false, tooltip: false, viz: false } },
      },
      overrides: seriesOverrides(panel),
    },
    options: {
      reduceOptions: { values: true, calcs: ['lastNotNull'], fields: namesRegex([panel.value]) },
      pieType: 'pie',
      displayLabels: ['percent'],
      legend: {
        showLegend: true,
        displayMode: 'table',
        placement: 'right',
        values: ['value', 'percent'],
      },
      tooltip: { mode: 'single', sort: 'none' },
    },
    transformations: [keepFields([panel.category, panel.value])],
  };
}

// --- table -----------------------------------------------------------------------------------

/**
 * With `columns`: only those, in that order, under their titles (`organize`); a column's own
 * unit and colouring by the panel's thresholds are overrides on its title (the name it shows
 * once renamed).
 */
function tableParts(panel: PanelOf<'table'>): VisualParts {
  const columns = panel.columns ?? [];
  const names = columns.map((c) => c.name);
  const overrides = columns.flatMap((c) => {
    const props = [
      ...(c.unit ? [prop('unit', GRAFANA_UNITS[c.unit])] : []),
      ...(c.colored ? [prop('custom.cellOptions', { type: 'color-text' })] : []),
    ];
    return props.length ? [byName(c.title ?? panel.labels?.[c.name] ?? c.name, props)] : [];
  });
  return {
    fieldConfig: {
      defaults: {
        ...numberFormat(panel.unit, panel.decimals),
        color: { mode: 'thresholds' },
        thresholds: thresholds(panel.thresholds),
        // A cell's text in a coloured column: its colour from `colors` (e.g. fail → red).
        mappings: textColors(panel.colors),
        custom: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false },
      },
      overrides,
    },
    options: {
      showHeader: true,
      cellHeight: 'sm',
      footer: { show: false, reducer: ['sum'], countRows: false, fields: '' },
    },
    transformations: columns.length
      ? [
          keepFields(names),
          {
            id: 'organize',
            options: {
              excludeByName: {},
              indexByName: Object.fromEntries(names.map((n, i) => [n, i])),
              renameByName: Object.fromEntries(
                columns
                  .filter((c) => c.title ?? panel.labels?.[c.name])
                  .map((c) => [c.name, c.title ?? panel.labels?.[c.name]]),
              ),
            },
          },
        ]
      : [],
  };
}

// ---------------------------------------------------------------------------------------------
// Pieces

/**
 * The spec's display names and fixed colours, per field: a value column, or a series value (the
 * field `groupingToMatrix` or the plugin's pivot names after it), or a pie's category.
 */
function seriesOverrides(panel: Panel): FieldOverride[] {
  const names = new Set([...Object.keys(panel.labels ?? {}), ...Object.keys(panel.colors ?? {})]);
  return [...names].map((name) => {
    const label = panel.labels?.[name];
    const color = panel.colors?.[name];
    return byName(name, [
      ...(label ? [prop('displayName', label)] : []),
      ...(color ? [prop('color', { mode: 'fixed', fixedColor: GRAFANA_COLORS[color] })] : []),
    ]);
  });
}

function textColors(colors: Panel['colors']): unknown[] {
  if (!colors) return [];
  const options = Object.fromEntries(
    Object.entries(colors).map(([text, color], index) => [
      text,
      { color: GRAFANA_COLORS[color], index },
    ]),
  );
  return [{ type: 'value', options }];
}

function numberFormat(unit: Unit, decimals: number | undefined): Record<string, unknown> {
  return { unit: GRAFANA_UNITS[unit], ...(decimals !== undefined ? { decimals } : {}) };
}

/** Absolute thresholds: the base colour from minus infinity (`value: null`), then each step. */
function thresholds(t: Panel['thresholds']): ThresholdsConfig {
  if (!t) return { mode: 'absolute', steps: [{ color: GRAFANA_COLORS.green, value: null }] };
  return {
    mode: 'absolute',
    steps: [
      { color: GRAFANA_COLORS[t.base], value: null },
      ...t.steps.map((s) => ({ color: GRAFANA_COLORS[s.color], value: s.value })),
    ],
  };
}

/** Keeps only these fields (by the names the query returns). */
function keepFields(names: readonly string[]): Transformation {
  return { id: 'filterFieldsByName', options: { include: { names: [...new Set(names)] } } };
}

function byName(name: string, properties: FieldProperty[]): FieldOverride {
  return { matcher: { id: 'byName', options: name }, properties };
}

function prop(id: string, value: unknown): FieldProperty {
  return { id, value };
}

/** A Grafana field regex (`/…/`) matching exactly these names. */
export function namesRegex(names: readonly string[]): string {
  const escaped = [...new Set(names)].map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return `/^(${escaped.join('|')})$/`;
}
