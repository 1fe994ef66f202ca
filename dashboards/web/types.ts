/**
 * What the dashboard server sends (`GET /api/dashboards`): the panel spec of
 * `lib/dashboards/panel-spec.ts` after its defaults, each panel with its page and SQL. Written
 * out here rather than imported, so the browser code needs neither zod nor Node's types;
 * `lib/dashboards/web-bundle.ts` checks at compile time that the spec's panels fit these types.
 */

export type Unit = 'number' | 'count' | 'currency' | 'percent' | 'seconds' | 'hours' | 'bytes';
export type Color = 'green' | 'blue' | 'yellow' | 'orange' | 'red' | 'purple' | 'gray';

export interface Thresholds {
  readonly base: Color;
  readonly steps: readonly { readonly value: number; readonly color: Color }[];
}

interface Common {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly unit: Unit;
  readonly decimals?: number | undefined;
  readonly thresholds?: Thresholds | undefined;
  /**
   * Display names: of the columns drawn (legend, tooltip, table header unless the column has a
   * title) or, with `series`, of the series column's values.
   */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /**
   * Fixed colours: of a value column or a `series` value (charts), of a category (pie), or of a
   * cell's text in a table column marked `colored`.
   */
  readonly colors?: Readonly<Record<string, Color>> | undefined;
  /** What an empty answer means, instead of "No data in this range". */
  readonly empty?: string | undefined;
  /** 1–24 columns. */
  readonly width: number;
  /** Rows of 30 px. */
  readonly height: number;
  readonly page: string;
  readonly sql: string;
}

export interface StatPanel extends Common {
  readonly visual: 'stat';
  readonly value: string;
  readonly delta?: string | undefined;
  readonly good: 'up' | 'down';
}

export interface TimeSeriesPanel extends Common {
  readonly visual: 'timeseries';
  readonly time: string;
  readonly values: readonly string[];
  readonly series?: string | undefined;
  readonly style: 'line' | 'bars';
  readonly stack: boolean;
  readonly marks?: string | undefined;
}

export interface BarPanel extends Common {
  readonly visual: 'bar';
  readonly category: string;
  readonly values: readonly string[];
  readonly series?: string | undefined;
  readonly horizontal: boolean;
  readonly stack: boolean;
}

export interface PiePanel extends Common {
  readonly visual: 'pie';
  readonly category: string;
  readonly value: string;
}

export interface TableColumn {
  readonly name: string;
  readonly title?: string | undefined;
  readonly unit?: Unit | undefined;
  readonly colored: boolean;
}

export interface TablePanel extends Common {
  readonly visual: 'table';
  readonly columns?: readonly TableColumn[] | undefined;
}

export type Panel = StatPanel | TimeSeriesPanel | BarPanel | PiePanel | TablePanel;

export interface Page {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** What "last N days" counts back from: the last data day, or the newest run's day if later. */
  readonly anchor: 'data' | 'runs';
  readonly panels: readonly Panel[];
}

/**
 * First and last day with data in the lake (`YYYY-MM-DD`; null while it is empty), and the day
 * the newest pipeline run started (`lastRun`, when the server says).
 */
export interface LakeRange {
  readonly first: string | null;
  readonly last: string | null;
  readonly lastRun?: string | null;
}

export interface Dashboards {
  readonly pages: readonly Page[];
  readonly range: LakeRange;
  readonly version: string;
  readonly title: string;
}

export interface VersionInfo {
  readonly version: string;
  readonly range: LakeRange;
}

/** A panel's result, decoded from Arrow. */
export type ColumnKind = 'number' | 'time' | 'string' | 'bool' | 'other';
export type Cell = number | string | boolean | null;

export interface Frame {
  readonly columns: readonly { readonly name: string; readonly kind: ColumnKind }[];
  readonly rows: readonly Readonly<Record<string, Cell>>[];
  /** The server's X-Query-Ms. */
  readonly queryMs: number | null;
}
