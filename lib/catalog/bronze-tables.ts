/**
 * The Bronze tables, described once. The CDK catalog construct turns each into a Glue table with
 * partition projection (no crawler, no MSCK REPAIR); the DuckDB engine turns each into a view
 * over the same keys under `./.lakehouse/lake`. Both expose the same column names, and partition
 * columns are strings on both engines, as Athena reads them.
 *
 * Event-like inputs (`format: 'lines'`) are one string column `raw` per line, so nothing is
 * dropped by a SerDe: Silver parses the text and quarantines what fails. The source object is
 * Athena's `"$path"` pseudo-column; the DuckDB views expose a column of the same name.
 */
import {
  BRONZE_ERRORS_PREFIX,
  BRONZE_EVENTS_PREFIX,
  BRONZE_REFERENCE_PREFIX,
} from '../lake-layout.ts';
import { CUSTOMER_COLUMNS } from '../events/schema.ts';

export type PartitionProjection =
  /** Dates `yyyy-MM-dd` from `range[0]` to `range[1]` (Athena date projection syntax, e.g. `NOW+30DAYS`). */
  | { type: 'date'; range: readonly [string, string] }
  /** Zero-padded integers (e.g. hours 00-23). */
  | { type: 'integer'; range: readonly [number, number]; digits: number }
  | { type: 'enum'; values: readonly string[] };

export interface BronzeColumn {
  readonly name: string;
  readonly comment: string;
}

export interface BronzePartition {
  readonly name: string;
  readonly comment: string;
  readonly projection: PartitionProjection;
  /**
   * How the value appears in the object key: `hive` (default) as `name=value/`, `value` as the
   * bare `value/` (Firehose writes its error output type that way: `bronze/_errors/processing-failed/`).
   */
  readonly keyStyle?: 'hive' | 'value';
}

export interface BronzeTable {
  readonly name: string;
  readonly description: string;
  /** Key prefix under the lake root, ending in `/`; partitions follow (see `partitionKeyTemplate`). */
  readonly prefix: string;
  /**
   * `lines`: each line of each object is one row with the text in `raw` (objects may be gzip,
   * recognised by a `.gz` name). `csv`: RFC 4180 with a header row; every column a string.
   */
  readonly format: 'lines' | 'csv';
  /** Data columns, all `string`. */
  readonly columns: readonly BronzeColumn[];
  readonly partitions: readonly BronzePartition[];
  /**
   * Name pattern of the objects the writers put there (Firehose objects end in `.gz`, the
   * exports in `.csv` / `.jsonl`). Athena reads every object under the prefix; the local engine
   * reads these, so a write in progress (`*.tmp`) is never half-read.
   */
  readonly objects: string;
}

/** First date partition projection enumerates; late data older than this is still stored but not projected. */
export const PROJECTION_START_DATE = '2020-01-01';
/** Future-dated events (clock skew) land in future partitions: project this far ahead. */
export const PROJECTION_END = 'NOW+60DAYS';

const dateProjection: PartitionProjection = {
  type: 'date',
  range: [PROJECTION_START_DATE, PROJECTION_END],
};

const RAW: BronzeColumn = { name: 'raw', comment: 'One line exactly as it arrived (UTF-8 text)' };

export const BRONZE_TABLES = [
  {
    name: 'bronze_events',
    description: 'Clickstream and order events as delivered by Firehose: one raw NDJSON line a row',
    prefix: BRONZE_EVENTS_PREFIX,
    objects: '*.gz',
    format: 'lines',
    columns: [RAW],
    partitions: [
      {
        name: 'dt',
        comment: 'UTC date of event_timestamp (yyyy-MM-dd)',
        projection: dateProjection,
      },
      {
        name: 'hour',
        comment: 'UTC hour of event_timestamp (00-23)',
        projection: { type: 'integer', range: [0, 23], digits: 2 },
      },
    ],
  },
  {
    name: 'bronze_delivery_errors',
    description:
      'Records Firehose could not deliver (e.g. no partition keys): one JSON error document a row, rawData base64',
    prefix: BRONZE_ERRORS_PREFIX,
    objects: '*.gz',
    format: 'lines',
    columns: [RAW],
    partitions: [
      {
        name: 'error_type',
        comment: 'Firehose error output type',
        projection: { type: 'enum', values: ['processing-failed', 'format-conversion-failed'] },
        keyStyle: 'value',
      },
      { name: 'dt', comment: 'UTC arrival date (yyyy-MM-dd)', projection: dateProjection },
    ],
  },
  {
    name: 'bronze_customers',
    description: 'Customer snapshots exported by the CRM (CSV with a header row)',
    prefix: `${BRONZE_REFERENCE_PREFIX}customers/`,
    objects: '*.csv',
    format: 'csv',
    columns: CUSTOMER_COLUMNS.map((name) => ({ name, comment: `${name} as exported` })),
    partitions: [
      {
        name: 'snapshot_date',
        comment: 'Date of the export (yyyy-MM-dd)',
        projection: dateProjection,
      },
    ],
  },
  {
    name: 'bronze_products',
    description: 'Product snapshots exported by the ERP: one raw JSON line a row',
    prefix: `${BRONZE_REFERENCE_PREFIX}products/`,
    objects: '*.jsonl',
    format: 'lines',
    columns: [RAW],
    partitions: [
      {
        name: 'snapshot_date',
        comment: 'Date of the export (yyyy-MM-dd)',
        projection: dateProjection,
      },
    ],
  },
] as const satisfies readonly BronzeTable[];

export type BronzeTableName = (typeof BRONZE_TABLES)[number]['name'];

/** The name Athena (and the local views) give the object a row came from. */
export const SOURCE_FILE_COLUMN = '$path';

/** The key segment of one partition for `value` (`dt=2024-05-01/`, or `processing-failed/`). */
export function partitionKeySegment(partition: BronzePartition, value: string): string {
  return partition.keyStyle === 'value' ? `${value}/` : `${partition.name}=${value}/`;
}

/**
 * Key prefix of a table's partitions, each value replaced by `${name}` (the placeholder syntax of
 * Athena's `storage.location.template`): `bronze/events/dt=${dt}/hour=${hour}/`.
 */
export function partitionKeyTemplate(table: BronzeTable): string {
  return (
    table.prefix + table.partitions.map((p) => partitionKeySegment(p, `\${${p.name}}`)).join('')
  );
}

/**
 * The value of partition `column` that an object key of `table` carries, or `undefined` when the
 * key is not an object the engines read (wrong depth, a folder, a missing value).
 */
export function partitionValueOf(
  table: BronzeTable,
  key: string,
  column: string,
): string | undefined {
  if (!key.startsWith(table.prefix)) return undefined;
  const index = table.partitions.findIndex((p) => p.name === column);
  if (index < 0) throw new Error(`${table.name} has no partition column ${column}`);
  const p = table.partitions[index]!;
  // Only objects at the depth the engines read: one segment per partition, then a file name.
  const segments = key.slice(table.prefix.length).split('/');
  if (segments.length !== table.partitions.length + 1 || segments[segments.length - 1] === '') {
    return undefined;
  }
  const segment = segments[index]!;
  const value =
    p.keyStyle === 'value'
      ? segment
      : segment.startsWith(`${column}=`)
        ? segment.slice(column.length + 1)
        : undefined;
  return value === '' ? undefined : value;
}
