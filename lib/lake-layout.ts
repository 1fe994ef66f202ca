/**
 * Storage keys, identical in S3 and under `./.lakehouse/lake` (see DESIGN.md, "Storage keys").
 * The Firehose prefixes below are what the CDK stack deploys; the local delivery stand-in reads
 * them back from the synthesized template rather than from here.
 */
export const BRONZE_PREFIX = 'bronze/';
export const BRONZE_EVENTS_PREFIX = 'bronze/events/';
export const BRONZE_ERRORS_PREFIX = 'bronze/_errors/';
export const BRONZE_REFERENCE_PREFIX = 'bronze/reference/';

/** Firehose S3 prefix with dynamic partitioning by event time (keys from the JQ query). */
export const FIREHOSE_EVENTS_PREFIX =
  'bronze/events/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/';
/** Firehose prefix without dynamic partitioning (LocalStack): arrival time instead. */
export const FIREHOSE_EVENTS_PREFIX_ARRIVAL =
  'bronze/events/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/';
/** Firehose error output prefix; error-output-type is e.g. `processing-failed`. */
export const FIREHOSE_ERROR_PREFIX =
  'bronze/_errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';

export type ReferenceKind = 'customers' | 'products';

/** Key of one reference snapshot export (CSV for customers, JSON lines for products). */
export function referenceKey(kind: ReferenceKind, snapshotDate: string): string {
  const file = kind === 'customers' ? 'customers.csv' : 'products.jsonl';
  return `${BRONZE_REFERENCE_PREFIX}${kind}/snapshot_date=${snapshotDate}/${file}`;
}

/**
 * Firehose JQ (1.6) metadata-extraction query: UTC `dt` and `hour` from `event_timestamp`, which
 * carries an explicit offset (`Z` or `±hh:mm`, optional fraction). A record whose timestamp does
 * not match yields no keys, and Firehose routes it to the error prefix.
 */
export const FIREHOSE_PARTITION_QUERY =
  '.event_timestamp' +
  ' | capture("^(?<d>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})([.][0-9]+)?(?<z>Z|(?<s>[+-])(?<h>[0-9]{2}):(?<m>[0-9]{2}))$")' +
  ' | ((.d + "Z" | fromdateiso8601) - (if .z == "Z" then 0 else ((.h | tonumber) * 3600 + (.m | tonumber) * 60) * (if .s == "-" then -1 else 1 end) end))' +
  ' | {dt: strftime("%Y-%m-%d"), hour: strftime("%H")}';
