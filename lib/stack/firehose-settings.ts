/**
 * Reads the delivery settings of the one Firehose stream back from a synthesized CloudFormation
 * template, so that the local delivery stand-in behaves exactly as the deployed stream: same
 * prefixes, compression, buffering, de-aggregation, partition query and delimiter.
 *
 * Pure (no aws-cdk-lib import): give it the parsed template JSON (`cdk.out/<stack>.template.json`
 * or `Template.toJSON()`). Fields that are CloudFormation tokens in the template (bucket and role
 * ARNs) are deliberately not part of the result.
 */

export type FirehoseCompression = 'UNCOMPRESSED' | 'GZIP' | 'ZIP' | 'Snappy' | 'HADOOP_SNAPPY';

export interface FirehoseDeaggregation {
  readonly type: 'DELIMITED' | 'JSON';
  /** The decoded delimiter ("\n"); '' for JSON de-aggregation, which needs none. */
  readonly delimiter: string;
}

export interface FirehoseSettings {
  readonly deliveryStreamName: string;
  /** S3 key prefix, with its `!{partitionKeyFromQuery:…}` / `!{timestamp:…}` expressions. */
  readonly prefix: string;
  readonly errorOutputPrefix: string;
  readonly compression: FirehoseCompression;
  readonly bufferSeconds: number;
  readonly bufferMiB: number;
  readonly dynamicPartitioning: boolean;
  readonly deaggregation: FirehoseDeaggregation | null;
  /** The JQ metadata-extraction query, when dynamic partitioning extracts keys with JQ. */
  readonly metadataQuery: string | null;
  /** The decoded delimiter appended to every record ("\n"), or null without that processor. */
  readonly appendDelimiter: string | null;
  /** Object key suffix (".gz"), or null when Firehose picks its default. */
  readonly fileExtension: string | null;
}

const DELIVERY_STREAM_TYPE = 'AWS::KinesisFirehose::DeliveryStream';
const COMPRESSIONS: readonly FirehoseCompression[] = [
  'UNCOMPRESSED',
  'GZIP',
  'ZIP',
  'Snappy',
  'HADOOP_SNAPPY',
];
/** Firehose API defaults for an S3 destination without BufferingHints. */
const DEFAULT_BUFFER_SECONDS = 300;
const DEFAULT_BUFFER_MIB = 5;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(message: string): never {
  throw new Error(`firehoseSettingsFromTemplate: ${message}`);
}

function literalString(v: unknown, what: string): string {
  if (typeof v !== 'string') fail(`${what} is not a literal string in the template`);
  return v;
}

function optionalString(v: unknown, what: string): string | null {
  return v === undefined ? null : literalString(v, what);
}

function optionalNumber(v: unknown, what: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) fail(`${what} is not a number`);
  return n;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true';
}

/** Decodes a JSON-style escaped string ("\\n" → "\n"); returns the input if it is not one. */
function unescape(value: string): string {
  try {
    const decoded: unknown = JSON.parse(`"${value}"`);
    return typeof decoded === 'string' ? decoded : value;
  } catch {
    return value;
  }
}

interface Processor {
  type: string;
  params: Map<string, string>;
}

function processorsOf(destination: Json): Processor[] {
  const processing = destination.ProcessingConfiguration;
  if (!isObject(processing)) return [];
  if (processing.Enabled !== undefined && !bool(processing.Enabled)) return [];
  const list = processing.Processors;
  if (list === undefined) return [];
  if (!Array.isArray(list)) fail('ProcessingConfiguration.Processors is not a list');
  return list.map((p: unknown, i) => {
    if (!isObject(p)) fail(`processor #${i} is not an object`);
    const params = new Map<string, string>();
    const raw = p.Parameters ?? [];
    if (!Array.isArray(raw)) fail(`processor #${i} Parameters is not a list`);
    for (const param of raw) {
      if (!isObject(param)) fail(`processor #${i} has a malformed parameter`);
      const name = literalString(param.ParameterName, `processor #${i} ParameterName`);
      // A token-valued parameter (e.g. a Lambda ARN) is kept out: it is not a delivery setting.
      if (typeof param.ParameterValue === 'string') params.set(name, param.ParameterValue);
    }
    return { type: literalString(p.Type, `processor #${i} Type`), params };
  });
}

/**
 * The settings of the single `AWS::KinesisFirehose::DeliveryStream` in `template`. Throws if
 * the template holds none or several, or if a setting is not a literal value.
 */
export function firehoseSettingsFromTemplate(template: object): FirehoseSettings {
  const resources = (template as Json).Resources;
  if (!isObject(resources)) fail('the template has no Resources section');
  const streams = Object.entries(resources).filter(
    ([, r]) => isObject(r) && r.Type === DELIVERY_STREAM_TYPE,
  );
  if (streams.length !== 1) {
    const ids = streams.map(([id]) => id).join(', ');
    fail(
      `expected exactly one ${DELIVERY_STREAM_TYPE} in the template, found ${streams.length}${ids ? ` (${ids})` : ''}`,
    );
  }
  const [logicalId, resource] = streams[0] as [string, Json];
  const props = resource.Properties;
  if (!isObject(props)) fail(`${logicalId} has no Properties`);
  const dest = props.ExtendedS3DestinationConfiguration;
  if (!isObject(dest)) fail(`${logicalId} has no ExtendedS3DestinationConfiguration`);

  const compression = (dest.CompressionFormat ?? 'UNCOMPRESSED') as FirehoseCompression;
  if (!COMPRESSIONS.includes(compression)) fail(`unknown CompressionFormat ${String(compression)}`);
  const hints = isObject(dest.BufferingHints) ? dest.BufferingHints : {};
  const dynamic = isObject(dest.DynamicPartitioningConfiguration)
    ? bool(dest.DynamicPartitioningConfiguration.Enabled)
    : false;

  const processors = processorsOf(dest);
  const find = (type: string) => processors.find((p) => p.type === type);

  let deaggregation: FirehoseDeaggregation | null = null;
  const deagg = find('RecordDeAggregation');
  if (deagg) {
    const type = deagg.params.get('SubRecordType');
    if (type === 'JSON') deaggregation = { type, delimiter: '' };
    else if (type === 'DELIMITED') {
      const encoded = deagg.params.get('Delimiter');
      if (encoded === undefined) fail('RecordDeAggregation DELIMITED has no Delimiter');
      deaggregation = { type, delimiter: Buffer.from(encoded, 'base64').toString('utf8') };
    } else fail(`unknown RecordDeAggregation SubRecordType ${String(type)}`);
  }

  const metadata = find('MetadataExtraction');
  const append = find('AppendDelimiterToRecord');

  return {
    deliveryStreamName: literalString(props.DeliveryStreamName, 'DeliveryStreamName'),
    // Without a Prefix Firehose uses `YYYY/MM/dd/HH/`: the stand-in should not guess, so ''.
    prefix: optionalString(dest.Prefix, 'Prefix') ?? '',
    errorOutputPrefix: optionalString(dest.ErrorOutputPrefix, 'ErrorOutputPrefix') ?? '',
    compression,
    bufferSeconds: optionalNumber(
      hints.IntervalInSeconds,
      'IntervalInSeconds',
      DEFAULT_BUFFER_SECONDS,
    ),
    bufferMiB: optionalNumber(hints.SizeInMBs, 'SizeInMBs', DEFAULT_BUFFER_MIB),
    dynamicPartitioning: dynamic,
    deaggregation,
    metadataQuery: metadata?.params.get('MetadataExtractionQuery') ?? null,
    // The processor appends "\n" when no Delimiter parameter is given.
    appendDelimiter: append ? unescape(append.params.get('Delimiter') ?? '\\n') : null,
    fileExtension: optionalString(dest.FileExtension, 'FileExtension'),
  };
}
