/**
 * The Silver models on a small hand-written Bronze lake, one fixture per rule in the model
 * headers (athena/models/silver/*.sql). Every line says next to it what Silver must make of it
 * (its verdict, or the row it becomes), and every expected value was worked out by hand from
 * the header rules: nothing here was pasted from a run.
 *
 * Dates: events of 2026-11-20 (D1) and 2026-11-21 (D2); reference snapshots of the same days.
 * The last `describe` holds edge cases found while writing these fixtures (each was a bug once).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../lib/engine/duckdb.ts';
import { loadModels, type Model } from '../../lib/engine/model.ts';
import type { MaterializeResult } from '../../lib/engine/sql-engine.ts';

const D1 = '2026-11-20';
const D2 = '2026-11-21';
const ERROR_SOURCE = 'delivery_error:processing-failed';

const models = loadModels();
function model(name: string): Model {
  const m = models.find((x) => x.name === name);
  if (!m) throw new Error(`no model ${name}`);
  return m;
}

type Row = Record<string, unknown>;

/** Rows in a canonical order (keys sorted, then rows by their JSON), to compare as multisets. */
function canonical(rows: readonly Row[]): Row[] {
  const text = (r: Row) => JSON.stringify(r, Object.keys(r).sort());
  return [...rows].sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}

function writeObject(root: string, key: string, body: string | Buffer): void {
  const file = join(root, key);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, body);
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

type Reason =
  | 'malformed_json'
  | 'missing_field'
  | 'bad_type'
  | 'bad_enum'
  | 'bad_value'
  | 'future_timestamp'
  | 'delivery_failed';

/** One Bronze line and its expected fate. */
interface Line {
  readonly raw: string;
  /** event_id as Silver reads it (trimmed text); null when absent, not text, or unparsable. */
  readonly id: string | null;
  /** null: a valid line. */
  readonly reason: Reason | null;
  readonly detail: string | null;
}

/** A valid page view; `ev` starts every event from it. */
const BASE = {
  schema_version: 1,
  event_type: 'page_view',
  event_timestamp: '2026-11-20T10:05:00Z',
  user_id: 'c001',
  session_id: 's001',
  product_id: 'p001',
  product_name: 'Desk Lamp',
  product_category: 'Home',
  product_price: 12.5,
  quantity: null,
  order_id: null,
  device_type: 'desktop',
  country: 'DE',
  traffic_source: 'organic',
  campaign_id: null,
  payment_method: null,
};

/** One event as a JSON line: BASE with `changes` applied (a value `undefined` removes the key). */
function ev(eventId: unknown, changes: Record<string, unknown> = {}): string {
  return JSON.stringify({ event_id: eventId, ...BASE, ...changes });
}

const valid = (id: string, raw: string): Line => ({ raw, id, reason: null, detail: null });
const fails = (reason: Reason, detail: string | null, id: string | null, raw: string): Line => ({
  raw,
  id,
  reason,
  detail,
});

interface EventObject {
  readonly key: string;
  readonly dt: string;
  /** The arrival time in the object name, as silver reads it (arrival_ts). */
  readonly arrival: string;
  readonly lines: readonly Line[];
}

const eventsKey = (dt: string, hour: string, name: string) =>
  `bronze/events/dt=${dt}/hour=${hour}/${name}.gz`;
const uuid = (n: string) => `00000000-0000-4000-8000-${n.padStart(12, '0')}`;

const PURCHASE = { event_type: 'purchase', quantity: 1, order_id: 'o-1', payment_method: 'paypal' };

/** D1, hour 10, arrived 10:20:00: most of the rules. */
const F1: EventObject = {
  key: eventsKey(D1, '10', `lakehouse-events-1-2026-11-20-10-20-00-${uuid('1')}`),
  dt: D1,
  arrival: '2026-11-20 10:20:00',
  lines: [
    // A clean page view: the quantity it carries becomes NULL; campaign_id kept.
    valid('pv-clean', ev('pv-clean', { quantity: 3, campaign_id: 'bf-2026' })),
    // add_to_cart without quantity → 1; remove_from_cart with quantity null → 1.
    valid('atc-no-qty', ev('atc-no-qty', { event_type: 'add_to_cart', quantity: undefined })),
    valid('rfc-null-qty', ev('rfc-null-qty', { event_type: 'remove_from_cart', quantity: null })),
    // A purchase keeps order_id and payment_method.
    valid(
      'buy-1',
      ev('buy-1', {
        event_type: 'purchase',
        product_price: 24.99,
        quantity: 2,
        order_id: 'o-100',
        payment_method: 'credit_card',
      }),
    ),
    // Not a purchase: order_id and payment_method are dropped (NULL).
    valid(
      'atc-order',
      ev('atc-order', {
        event_type: 'add_to_cart',
        quantity: 1,
        order_id: 'o-101',
        payment_method: 'paypal',
      }),
    ),
    // On a page view quantity, order_id and payment_method are not checked at all.
    valid('pv-junk', ev('pv-junk', { quantity: 'two', order_id: 42, payment_method: 'bitcoin' })),
    // Casing and whitespace standardize; campaign_id '  ' → NULL.
    valid(
      'std-1',
      ev(' std-1 ', {
        event_type: ' Purchase ',
        user_id: ' c002 ',
        product_name: '  Desk Lamp ',
        product_category: ' Home',
        quantity: undefined,
        order_id: ' o-200 ',
        device_type: 'MOBILE',
        country: ' de ',
        traffic_source: ' Email ',
        campaign_id: '  ',
        payment_method: ' PayPal ',
      }),
    ),
    // Purchase-only required fields: absent, null, empty, not in the enum.
    fails(
      'missing_field',
      'order_id',
      'buy-no-order',
      ev('buy-no-order', { ...PURCHASE, order_id: undefined }),
    ),
    fails(
      'missing_field',
      'payment_method',
      'buy-no-pay',
      ev('buy-no-pay', { ...PURCHASE, payment_method: null }),
    ),
    fails(
      'bad_value',
      'order_id',
      'buy-empty-order',
      ev('buy-empty-order', { ...PURCHASE, order_id: '' }),
    ),
    fails(
      'bad_enum',
      'payment_method',
      'buy-bitcoin',
      ev('buy-bitcoin', { ...PURCHASE, payment_method: 'bitcoin' }),
    ),
    // Not a JSON object: truncated, an array, an empty line (read as NULL: raw stays NULL).
    fails('malformed_json', null, null, '{"event_id":"trunc-1","schema_version":1,"event_ty'),
    fails('malformed_json', null, null, '[{"event_id":"arr-1","event_type":"page_view"}]'),
    fails('malformed_json', null, null, ''),
    // Each required field missing (user_id as an explicit null).
    fails('missing_field', 'event_id', null, ev(undefined)),
    fails('missing_field', 'schema_version', 'm-sv', ev('m-sv', { schema_version: undefined })),
    fails('missing_field', 'event_type', 'm-et', ev('m-et', { event_type: undefined })),
    fails('missing_field', 'event_timestamp', 'm-ts', ev('m-ts', { event_timestamp: undefined })),
    fails('missing_field', 'user_id', 'm-user', ev('m-user', { user_id: null })),
    fails('missing_field', 'session_id', 'm-sess', ev('m-sess', { session_id: undefined })),
    fails('missing_field', 'product_id', 'm-pid', ev('m-pid', { product_id: undefined })),
    fails('missing_field', 'product_name', 'm-pname', ev('m-pname', { product_name: undefined })),
    fails(
      'missing_field',
      'product_category',
      'm-pcat',
      ev('m-pcat', { product_category: undefined }),
    ),
    fails('missing_field', 'product_price', 'm-price', ev('m-price', { product_price: undefined })),
    fails('missing_field', 'device_type', 'm-dev', ev('m-dev', { device_type: undefined })),
    fails('missing_field', 'country', 'm-country', ev('m-country', { country: undefined })),
    fails('missing_field', 'traffic_source', 'm-ts2', ev('m-ts2', { traffic_source: undefined })),
    // Wrong JSON types.
    fails('bad_type', 'product_price', 'bt-price', ev('bt-price', { product_price: '12.50 EUR' })),
    fails(
      'bad_type',
      'quantity',
      'bt-qty',
      ev('bt-qty', { event_type: 'add_to_cart', quantity: 'two' }),
    ),
    fails('bad_type', 'event_id', null, ev(12345)),
    fails('bad_type', 'schema_version', 'bt-sv', ev('bt-sv', { schema_version: '1' })),
    fails('bad_type', 'event_timestamp', 'bt-ts', ev('bt-ts', { event_timestamp: 1763633100 })),
    fails('bad_type', 'device_type', 'bt-dev', ev('bt-dev', { device_type: true })),
    fails('bad_type', 'campaign_id', 'bt-camp', ev('bt-camp', { campaign_id: 42 })),
    // Not in the contract's enums.
    fails('bad_enum', 'event_type', 'be-click', ev('be-click', { event_type: 'click' })),
    fails('bad_enum', 'device_type', 'be-dev', ev('be-dev', { device_type: 'smartwatch' })),
    fails('bad_enum', 'traffic_source', 'be-src', ev('be-src', { traffic_source: 'tv' })),
    // Bad values.
    fails('bad_value', 'product_price', 'bv-price0', ev('bv-price0', { product_price: 0 })),
    fails('bad_value', 'product_price', 'bv-price-neg', ev('bv-price-neg', { product_price: -3 })),
    fails(
      'bad_value',
      'quantity',
      'bv-qty0',
      ev('bv-qty0', { event_type: 'add_to_cart', quantity: 0 }),
    ),
    fails(
      'bad_value',
      'quantity',
      'bv-qty-frac',
      ev('bv-qty-frac', { event_type: 'add_to_cart', quantity: 1.5 }),
    ),
    fails('bad_value', 'schema_version', 'bv-sv2', ev('bv-sv2', { schema_version: 2 })),
    fails('bad_value', 'country', 'bv-country', ev('bv-country', { country: 'Germany' })),
    fails(
      'bad_value',
      'event_timestamp',
      'bv-ts-space',
      ev('bv-ts-space', { event_timestamp: '2026-11-20 10:00:00' }),
    ),
    fails(
      'bad_value',
      'event_timestamp',
      'bv-ts-local',
      ev('bv-ts-local', { event_timestamp: '2026-11-20T10:00:00' }),
    ),
    fails('bad_value', 'user_id', 'bv-user', ev('bv-user', { user_id: '   ' })),
    // Two problems: the earlier category wins; within a category, the field first alphabetically.
    fails(
      'missing_field',
      'user_id',
      'prec-1',
      ev('prec-1', { user_id: undefined, product_price: 0 }),
    ),
    fails(
      'missing_field',
      'device_type',
      'prec-2',
      ev('prec-2', { session_id: undefined, device_type: undefined }),
    ),
    fails(
      'bad_type',
      'product_price',
      'prec-3',
      ev('prec-3', { event_type: 'click', product_price: '12.50 EUR' }),
    ),
    fails(
      'bad_enum',
      'device_type',
      'prec-4',
      ev('prec-4', { device_type: 'watch', country: 'Germany' }),
    ),
    fails(
      'bad_value',
      'product_price',
      'prec-5',
      ev('prec-5', { schema_version: 2, product_price: 0 }),
    ),
    // Duplicates. dup-a: the copy in F3 arrived earlier (10:12) and wins although its key sorts after.
    valid('dup-a', ev('dup-a')),
    // dup-k: F4 arrived in the same second; this key sorts first and wins.
    valid('dup-k', ev('dup-k')),
    // dup-s: twice in this object, told apart by content: the smaller price (5.00) wins.
    valid('dup-s', ev('dup-s', { product_price: 9.99 })),
    valid('dup-s', ev('dup-s', { product_price: 5 })),
    // dup-i: twice, identical: one row.
    valid('dup-i', ev('dup-i')),
    valid('dup-i', ev('dup-i')),
    // dup-bad: a bad line delivered twice (also in F3): both copies are quarantined.
    fails('bad_value', 'product_price', 'dup-bad', ev('dup-bad', { product_price: -3 })),
    // dup-mix: the earlier copy (F3) is bad; this valid one is the row.
    valid('dup-mix', ev('dup-mix')),
    // cross-1: the same event_id on D2 too; dedup is within a date, so both stay.
    valid('cross-1', ev('cross-1')),
  ],
};

/** D1, hour 10, arrived 10:12:00 (earlier than F1) under a key that sorts after F1's. */
const F3: EventObject = {
  key: eventsKey(D1, '10', `zz-events-1-2026-11-20-10-12-00-${uuid('3')}`),
  dt: D1,
  arrival: '2026-11-20 10:12:00',
  lines: [
    valid('dup-a', ev('dup-a')),
    fails('bad_value', 'product_price', 'dup-bad', ev('dup-bad', { product_price: -3 })),
    fails('bad_type', 'product_price', 'dup-mix', ev('dup-mix', { product_price: '12.50 EUR' })),
    // 12:59+02:00 is 10:59Z, 47 minutes after arrival: valid (read naively, 12:59 would be future).
    valid('tz-ok', ev('tz-ok', { event_timestamp: '2026-11-20T12:59:00+02:00' })),
  ],
};

/** D1, hour 10, arrived 10:20:00 like F1, under a key that sorts after F1's. */
const F4: EventObject = {
  key: eventsKey(D1, '10', `lakehouse-events-1-2026-11-20-10-20-00-${uuid('4')}`),
  dt: D1,
  arrival: '2026-11-20 10:20:00',
  lines: [valid('dup-k', ev('dup-k'))],
};

/** D1, hour 11, arrived 10:00:00: the future-timestamp tolerance (1 hour). */
const F5: EventObject = {
  key: eventsKey(D1, '11', `lakehouse-events-1-2026-11-20-10-00-00-${uuid('5')}`),
  dt: D1,
  arrival: '2026-11-20 10:00:00',
  lines: [
    fails(
      'future_timestamp',
      'event_timestamp',
      'fut-over',
      ev('fut-over', { event_timestamp: '2026-11-20T11:00:01Z' }),
    ),
    valid('fut-edge', ev('fut-edge', { event_timestamp: '2026-11-20T11:00:00Z' })),
    // Invalid and in the future: validation comes first.
    fails(
      'bad_value',
      'country',
      'fut-country',
      ev('fut-country', { event_timestamp: '2026-11-20T11:30:00Z', country: 'Germany' }),
    ),
  ],
};

/** D1, hour 23, arrived 23:40:00: an offset that moves the event back across midnight. */
const F6: EventObject = {
  key: eventsKey(D1, '23', `lakehouse-events-1-2026-11-20-23-40-00-${uuid('6')}`),
  dt: D1,
  arrival: '2026-11-20 23:40:00',
  lines: [valid('tz-plus2', ev('tz-plus2', { event_timestamp: '2026-11-21T01:30:00+02:00' }))],
};

/** D2, hour 01, arrived 01:40:00. */
const G1: EventObject = {
  key: eventsKey(D2, '01', `lakehouse-events-1-2026-11-21-01-40-00-${uuid('11')}`),
  dt: D2,
  arrival: '2026-11-21 01:40:00',
  lines: [
    valid('tz-minus2', ev('tz-minus2', { event_timestamp: '2026-11-20T23:30:00-02:00' })),
    valid('cross-1', ev('cross-1', { event_timestamp: '2026-11-21T01:10:00Z' })),
    valid(
      'd2-buy',
      ev('d2-buy', {
        ...PURCHASE,
        event_timestamp: '2026-11-21T01:20:00Z',
        quantity: undefined,
        order_id: 'o-300',
        payment_method: 'apple_pay',
      }),
    ),
    fails('malformed_json', null, null, '{"event_id":"d2-trunc","event_type":"page_view"'),
    fails('malformed_json', null, null, '   '),
  ],
};

const EVENT_OBJECTS = [F1, F3, F4, F5, F6, G1];

/** The document Firehose writes for a record it could not deliver (see lib/local/delivery.ts). */
function errorDocument(line: string, arrivalMs: number, rawData?: string): string {
  return JSON.stringify({
    attemptsMade: 1,
    arrivalTimestamp: arrivalMs,
    errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
    errorMessage: 'Non JSON record provided',
    attemptEndingTimestamp: arrivalMs + 1000,
    rawData: rawData ?? Buffer.from(line, 'utf8').toString('base64'),
    sequenceNumber: '49650000000000000000000000000000000000000000000000000001',
    subSequenceNumber: 0,
    dynamicPartitioningKeys: null,
  });
}

const errorsKey = (dt: string, name: string) =>
  `bronze/_errors/processing-failed/dt=${dt}/${name}.gz`;

/** D1 (the arrival date), arrived 10:30:00: the future check applies to delivery errors too. */
const E1: EventObject = {
  key: errorsKey(D1, `lakehouse-events-1-2026-11-20-10-30-00-${uuid('e1')}`),
  dt: D1,
  arrival: '2026-11-20 10:30:00',
  lines: [
    fails(
      'future_timestamp',
      'event_timestamp',
      'err-future',
      ev('err-future', { event_timestamp: '2026-11-20T12:00:00Z' }),
    ),
  ],
};

/** D2, arrived 00:05:00 on D2: dt is the arrival date, not the event's (23:50 on D1). */
const E2: EventObject = {
  key: errorsKey(D2, `lakehouse-events-1-2026-11-21-00-05-00-${uuid('e2')}`),
  dt: D2,
  arrival: '2026-11-21 00:05:00',
  lines: [
    fails(
      'delivery_failed',
      null,
      'err-ok',
      ev('err-ok', { event_timestamp: '2026-11-20T23:50:00Z' }),
    ),
    fails(
      'missing_field',
      'event_timestamp',
      'err-no-ts',
      ev('err-no-ts', { event_timestamp: undefined }),
    ),
  ],
};

const ERROR_OBJECTS = [E1, E2];

function writeEvents(root: string): void {
  for (const o of EVENT_OBJECTS) {
    writeObject(root, o.key, gzipSync(o.lines.map((l) => `${l.raw}\n`).join('')));
  }
  for (const o of ERROR_OBJECTS) {
    const ms = Date.parse(o.arrival.replace(' ', 'T') + 'Z');
    writeObject(
      root,
      o.key,
      gzipSync(o.lines.map((l) => `${errorDocument(l.raw, ms)}\n`).join('')),
    );
  }
}

/** silver_events row of a valid line, from the BASE event's values (written out by hand). */
function silverRow(id: string, from: EventObject, changes: Row = {}): Row {
  return {
    event_id: id,
    schema_version: 1,
    event_type: 'page_view',
    event_ts: '2026-11-20 10:05:00',
    event_tz_offset: 'Z',
    user_id: 'c001',
    session_id: 's001',
    product_id: 'p001',
    product_name: 'Desk Lamp',
    product_category: 'Home',
    product_price: '12.50',
    quantity: null,
    order_id: null,
    device_type: 'desktop',
    country: 'DE',
    traffic_source: 'organic',
    campaign_id: null,
    payment_method: null,
    arrival_ts: from.arrival,
    source_file: from.key,
    dt: from.dt,
    ...changes,
  };
}

const EXPECTED_EVENTS: Row[] = [
  silverRow('pv-clean', F1, { campaign_id: 'bf-2026' }),
  silverRow('atc-no-qty', F1, { event_type: 'add_to_cart', quantity: 1 }),
  silverRow('rfc-null-qty', F1, { event_type: 'remove_from_cart', quantity: 1 }),
  silverRow('buy-1', F1, {
    event_type: 'purchase',
    product_price: '24.99',
    quantity: 2,
    order_id: 'o-100',
    payment_method: 'credit_card',
  }),
  silverRow('atc-order', F1, { event_type: 'add_to_cart', quantity: 1 }),
  silverRow('pv-junk', F1),
  silverRow('std-1', F1, {
    event_type: 'purchase',
    user_id: 'c002',
    quantity: 1,
    order_id: 'o-200',
    device_type: 'mobile',
    traffic_source: 'email',
    payment_method: 'paypal',
  }),
  silverRow('dup-a', F3),
  silverRow('dup-k', F1),
  silverRow('dup-s', F1, { product_price: '5.00' }),
  silverRow('dup-i', F1),
  silverRow('dup-mix', F1),
  silverRow('cross-1', F1),
  silverRow('tz-ok', F3, { event_ts: '2026-11-20 10:59:00', event_tz_offset: '+02:00' }),
  silverRow('fut-edge', F5, { event_ts: '2026-11-20 11:00:00' }),
  silverRow('tz-plus2', F6, { event_ts: '2026-11-20 23:30:00', event_tz_offset: '+02:00' }),
  silverRow('tz-minus2', G1, { event_ts: '2026-11-21 01:30:00', event_tz_offset: '-02:00' }),
  silverRow('cross-1', G1, { event_ts: '2026-11-21 01:10:00' }),
  silverRow('d2-buy', G1, {
    event_type: 'purchase',
    event_ts: '2026-11-21 01:20:00',
    quantity: 1,
    order_id: 'o-300',
    payment_method: 'apple_pay',
  }),
];

/** silver_event_lines verdict columns of every line, straight from the tables above. */
function expectedVerdicts(): Row[] {
  const rows: Row[] = [];
  for (const [objects, source] of [
    [EVENT_OBJECTS, 'firehose'],
    [ERROR_OBJECTS, ERROR_SOURCE],
  ] as const) {
    for (const o of objects) {
      for (const l of o.lines) {
        rows.push({
          dt: o.dt,
          source,
          source_file: o.key,
          arrival_ts: o.arrival,
          event_id: l.id,
          reason: l.reason,
          detail: l.detail,
          // Kept for failed lines only; the empty line reads as NULL.
          raw: l.reason === null || l.raw === '' ? null : l.raw,
        });
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Reference snapshots
// ---------------------------------------------------------------------------------------------

const CUSTOMERS_HEADER =
  'customer_id,first_name,last_name,email,country,signup_date,loyalty_tier,updated_at';

const CUSTOMERS: Record<string, string> = {
  [D1]: [
    CUSTOMERS_HEADER,
    'c001,Anna,Schmidt,Anna.Schmidt@Example.COM,de,2024-01-15,Gold,2026-11-01T10:00:00Z',
    'c002,BOB,"  Smith, Jr.  ", bob@example.org ,US, 2023-06-01 ,silver,2026-11-02T08:00:00+01:00',
    'c003,  Carla  ,McDonald,a@,gb,2025-02-30,bronze,2026-11-03T00:00:00Z',
    `c004,"Dana ""DJ""",O'NEIL,a.example.com,fr,2022-12-31,GOLD,2026-11-04T00:00:00Z`,
    'c005,J,LI,a@@b.com,cn,2021-01-01,Bronze,2026-11-05T00:00:00Z',
    'c006,Eve,Stone,a b@c.com,ie,2020-05-05,silver,2026-11-06T00:00:00Z',
    'c007,Finn,Berg,,se,2020-05-05,silver,2026-11-07T00:00:00Z',
    'c008,Gus,Old,gus.old@example.com,nl,2019-01-01,bronze,2026-10-01T00:00:00Z',
    'c008,Gus,New,gus.new@example.com,nl,2019-01-01,silver,2026-11-08T00:00:00Z',
    'c009,Hal,Tie,zed@example.com,dk,2019-01-01,bronze,2026-11-09T00:00:00Z',
    'c009,Hal,Tie,abe@example.com,dk,2019-01-01,bronze,2026-11-09T00:00:00Z',
    ',Nobody,Blank,nobody@example.com,de,2020-01-01,bronze,2026-11-01T00:00:00Z',
    '   ,Nobody,Spaces,nobody2@example.com,de,2020-01-01,bronze,2026-11-01T00:00:00Z',
  ].join('\n'),
  [D2]: [
    CUSTOMERS_HEADER,
    'c001,Anna,Schmidt-Weber,anna.weber+news@mail.example.co.uk,DE,2024-01-15,platinum,2026-11-21T09:00:00Z',
    'c010,ZOË,ÅSTRÖM,Zoe@Example.SE,se,2026-11-21,bronze,2026-11-21T09:30:00Z',
  ].join('\n'),
};

const EXPECTED_CUSTOMERS: Row[] = [
  {
    customer_id: 'c001',
    first_name: 'Anna',
    last_name: 'Schmidt',
    email: 'anna.schmidt@example.com',
    email_is_valid: true,
    email_raw: 'Anna.Schmidt@Example.COM',
    country: 'DE',
    signup_date: '2024-01-15',
    loyalty_tier: 'gold',
    updated_at: '2026-11-01 10:00:00',
    snapshot_date: D1,
  },
  {
    // ALL CAPS first name → capitalized; quoted last name with a comma, trimmed; email trimmed
    // (email_raw keeps the export's text); updated_at converted to UTC.
    customer_id: 'c002',
    first_name: 'Bob',
    last_name: 'Smith, Jr.',
    email: 'bob@example.org',
    email_is_valid: true,
    email_raw: ' bob@example.org ',
    country: 'US',
    signup_date: '2023-06-01',
    loyalty_tier: 'silver',
    updated_at: '2026-11-02 07:00:00',
    snapshot_date: D1,
  },
  {
    // Padded name trimmed, "McDonald" kept, 'a@' invalid, Feb 30 not a date.
    customer_id: 'c003',
    first_name: 'Carla',
    last_name: 'McDonald',
    email: null,
    email_is_valid: false,
    email_raw: 'a@',
    country: 'GB',
    signup_date: null,
    loyalty_tier: 'bronze',
    updated_at: '2026-11-03 00:00:00',
    snapshot_date: D1,
  },
  {
    customer_id: 'c004',
    first_name: 'Dana "DJ"',
    last_name: "O'neil",
    email: null,
    email_is_valid: false,
    email_raw: 'a.example.com',
    country: 'FR',
    signup_date: '2022-12-31',
    loyalty_tier: 'gold',
    updated_at: '2026-11-04 00:00:00',
    snapshot_date: D1,
  },
  {
    // A one-letter name is not "written all in capitals"; "LI" is.
    customer_id: 'c005',
    first_name: 'J',
    last_name: 'Li',
    email: null,
    email_is_valid: false,
    email_raw: 'a@@b.com',
    country: 'CN',
    signup_date: '2021-01-01',
    loyalty_tier: 'bronze',
    updated_at: '2026-11-05 00:00:00',
    snapshot_date: D1,
  },
  {
    customer_id: 'c006',
    first_name: 'Eve',
    last_name: 'Stone',
    email: null,
    email_is_valid: false,
    email_raw: 'a b@c.com',
    country: 'IE',
    signup_date: '2020-05-05',
    loyalty_tier: 'silver',
    updated_at: '2026-11-06 00:00:00',
    snapshot_date: D1,
  },
  {
    // No email at all: not valid, nothing to keep.
    customer_id: 'c007',
    first_name: 'Finn',
    last_name: 'Berg',
    email: null,
    email_is_valid: false,
    email_raw: null,
    country: 'SE',
    signup_date: '2020-05-05',
    loyalty_tier: 'silver',
    updated_at: '2026-11-07 00:00:00',
    snapshot_date: D1,
  },
  {
    // Twice in the export: the later updated_at wins.
    customer_id: 'c008',
    first_name: 'Gus',
    last_name: 'New',
    email: 'gus.new@example.com',
    email_is_valid: true,
    email_raw: 'gus.new@example.com',
    country: 'NL',
    signup_date: '2019-01-01',
    loyalty_tier: 'silver',
    updated_at: '2026-11-08 00:00:00',
    snapshot_date: D1,
  },
  {
    // Twice with the same updated_at: the smaller email wins.
    customer_id: 'c009',
    first_name: 'Hal',
    last_name: 'Tie',
    email: 'abe@example.com',
    email_is_valid: true,
    email_raw: 'abe@example.com',
    country: 'DK',
    signup_date: '2019-01-01',
    loyalty_tier: 'bronze',
    updated_at: '2026-11-09 00:00:00',
    snapshot_date: D1,
  },
  {
    customer_id: 'c001',
    first_name: 'Anna',
    last_name: 'Schmidt-Weber',
    email: 'anna.weber+news@mail.example.co.uk',
    email_is_valid: true,
    email_raw: 'anna.weber+news@mail.example.co.uk',
    country: 'DE',
    signup_date: '2024-01-15',
    loyalty_tier: 'platinum',
    updated_at: '2026-11-21 09:00:00',
    snapshot_date: D2,
  },
  {
    customer_id: 'c010',
    first_name: 'Zoë',
    last_name: 'Åström',
    email: 'zoe@example.se',
    email_is_valid: true,
    email_raw: 'Zoe@Example.SE',
    country: 'SE',
    signup_date: '2026-11-21',
    loyalty_tier: 'bronze',
    updated_at: '2026-11-21 09:30:00',
    snapshot_date: D2,
  },
];

const PRODUCTS: Record<string, string> = {
  [D1]: [
    '{"product_id":"p001","product_name":"  Desk Lamp ","category":" Home ","price":12.5,"updated_at":"2026-11-01T00:00:00Z"}',
    '{"product_id":"p002","product_name":"Mug","category":"Kitchen","price":0,"updated_at":"2026-11-01T00:00:00Z"}',
    '{"product_id":"p003","product_name":"Pen","category":"Office","price":-1.5,"updated_at":"2026-11-01T00:00:00Z"}',
    '{"product_id":"p004","product_name":"Chair","category":"Home","updated_at":"2026-11-01T00:00:00Z"}',
    '{"product_id":"p005","product_name":"Old Name","category":"Books","price":10,"updated_at":"2026-10-01T00:00:00Z"}',
    '{"product_id":"p005","product_name":"New Name","category":"Books","price":11,"updated_at":"2026-11-05T12:00:00+02:00"}',
    '{"product_id":"p006","product_name":"Zebra","category":"Toys","price":3,"updated_at":"2026-11-01T00:00:00Z"}',
    '{"product_id":"p006","product_name":"Alpaca","category":"Toys","price":4,"updated_at":"2026-11-01T00:00:00Z"}',
    '{"product_id":"p007","product_name":"Broken",',
    '[{"product_id":"p008","product_name":"In An Array"}]',
    '',
    '{"product_id":"  ","product_name":"Blank Id","category":"X","price":1,"updated_at":"2026-11-01T00:00:00Z"}',
    '{"product_name":"No Id","category":"X","price":1,"updated_at":"2026-11-01T00:00:00Z"}',
    ' {"product_id":" p009 ","product_name":"Lamp","category":"Home","price":19.99,"updated_at":"2026-11-01T00:00:00Z"}',
  ].join('\n'),
  [D2]: [
    '{"product_id":"p001","product_name":"Desk Lamp","category":"Home","price":13,"updated_at":"2026-11-21T08:00:00Z"}',
    '{"product_id":"p002","product_name":"Mug","category":"Kitchen","price":7.5,"updated_at":"2026-11-21T08:00:00Z"}',
  ].join('\n'),
};

const product = (
  id: string,
  name: string,
  category: string,
  price: string | null,
  updated: string,
  snapshot: string,
): Row => ({
  product_id: id,
  product_name: name,
  category,
  price,
  price_is_valid: price !== null,
  updated_at: updated,
  snapshot_date: snapshot,
});

const EXPECTED_PRODUCTS: Row[] = [
  product('p001', 'Desk Lamp', 'Home', '12.50', '2026-11-01 00:00:00', D1), // trimmed
  product('p002', 'Mug', 'Kitchen', null, '2026-11-01 00:00:00', D1), // price 0
  product('p003', 'Pen', 'Office', null, '2026-11-01 00:00:00', D1), // price -1.5
  product('p004', 'Chair', 'Home', null, '2026-11-01 00:00:00', D1), // no price
  product('p005', 'New Name', 'Books', '11.00', '2026-11-05 10:00:00', D1), // latest updated_at
  product('p006', 'Alpaca', 'Toys', '4.00', '2026-11-01 00:00:00', D1), // tie: smaller name
  product('p009', 'Lamp', 'Home', '19.99', '2026-11-01 00:00:00', D1), // id trimmed
  product('p001', 'Desk Lamp', 'Home', '13.00', '2026-11-21 08:00:00', D2),
  product('p002', 'Mug', 'Kitchen', '7.50', '2026-11-21 08:00:00', D2),
];

// ---------------------------------------------------------------------------------------------

describe('Silver models on a hand-written Bronze fixture', () => {
  const root = mkdtempSync(join(tmpdir(), 'silver-models-'));
  let engine: DuckDbEngine;
  const built: Record<string, MaterializeResult> = {};

  beforeAll(async () => {
    writeEvents(root);
    for (const [date, csv] of Object.entries(CUSTOMERS)) {
      writeObject(
        root,
        `bronze/reference/customers/snapshot_date=${date}/customers.csv`,
        csv + '\n',
      );
    }
    for (const [date, lines] of Object.entries(PRODUCTS)) {
      writeObject(
        root,
        `bronze/reference/products/snapshot_date=${date}/products.jsonl`,
        lines + '\n',
      );
    }
    engine = await DuckDbEngine.open({ lakeRoot: root, database: 'lakehouse_test' });
    for (const name of [
      'silver_event_lines',
      'silver_events',
      'silver_quarantine',
      'silver_customers',
      'silver_products',
    ]) {
      built[name] = await engine.materialize({
        model: model(name),
        partitions: [D1, D2],
        buildId: 'b1',
      });
    }
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const rows = async (sql: string) => (await engine.query(sql)).rows;

  it('writes the partitions with the hand-counted rows', () => {
    const parts = (name: string) => built[name]!.partitions;
    // D1: 70 lines (F1 60, F3 4, F4 1, F5 3, F6 1, E1 1); D2: 7 (G1 5, E2 2).
    expect(parts('silver_event_lines')).toEqual([
      { value: D1, rows: 70 },
      { value: D2, rows: 7 },
    ]);
    // D1: 20 valid lines, 4 of them repeats (dup-a, dup-k, dup-s, dup-i); D2: 3.
    expect(parts('silver_events')).toEqual([
      { value: D1, rows: 16 },
      { value: D2, rows: 3 },
    ]);
    expect(parts('silver_quarantine')).toEqual([
      { value: D1, rows: 50 },
      { value: D2, rows: 4 },
    ]);
    expect(parts('silver_customers')).toEqual([
      { value: D1, rows: 9 },
      { value: D2, rows: 2 },
    ]);
    expect(parts('silver_products')).toEqual([
      { value: D1, rows: 7 },
      { value: D2, rows: 2 },
    ]);
  });

  it('silver_event_lines: one row per Bronze line with its verdict, source and arrival', async () => {
    const actual = await rows(`
      SELECT dt, source, source_file, CAST(arrival_ts AS VARCHAR) AS arrival_ts, event_id,
             reason, detail, raw
      FROM silver_event_lines`);
    expect(canonical(actual)).toEqual(canonical(expectedVerdicts()));
  });

  it('silver_event_lines: a rejected line keeps its typed values (delivery error, future event)', async () => {
    const actual = await rows(`
      SELECT event_id, reason, schema_version, event_type, CAST(event_ts AS VARCHAR) AS event_ts,
             event_tz_offset, product_price, quantity, country, dt
      FROM silver_event_lines WHERE event_id IN ('err-ok', 'fut-over') ORDER BY event_id`);
    expect(actual).toEqual([
      {
        event_id: 'err-ok',
        reason: 'delivery_failed',
        schema_version: 1,
        event_type: 'page_view',
        event_ts: '2026-11-20 23:50:00',
        event_tz_offset: 'Z',
        product_price: '12.50',
        quantity: null,
        country: 'DE',
        dt: D2,
      },
      {
        event_id: 'fut-over',
        reason: 'future_timestamp',
        schema_version: 1,
        event_type: 'page_view',
        event_ts: '2026-11-20 11:00:01',
        event_tz_offset: 'Z',
        product_price: '12.50',
        quantity: null,
        country: 'DE',
        dt: D1,
      },
    ]);
  });

  it('silver_event_lines: no schema drift here, and only std-1 arrived in a non-canonical form', async () => {
    // Every line has at most the 17 contract keys (BASE sends JSON nulls, which are present
    // keys). std-1 is the one valid line with casing or whitespace in event_type, device_type,
    // traffic_source, country or payment_method; pv-junk's 'bitcoin' is dropped (not a
    // purchase), and invalid lines are never standardized.
    const actual = await rows(`
      SELECT event_id, reason, unknown_fields, standardized FROM silver_event_lines
      WHERE unknown_fields IS NOT NULL OR standardized IS DISTINCT FROM false`);
    expect(actual).toEqual([
      { event_id: 'std-1', reason: null, unknown_fields: null, standardized: true },
    ]);
  });

  it('silver_events: valid lines, standardized, one row per event_id and date', async () => {
    const actual = await rows(`
      SELECT * REPLACE (CAST(event_ts AS VARCHAR) AS event_ts, CAST(arrival_ts AS VARCHAR) AS arrival_ts)
      FROM silver_events`);
    expect(canonical(actual)).toEqual(canonical(EXPECTED_EVENTS));
  });

  it('silver_events: the earliest arrival wins over the smaller key, then the key decides', async () => {
    const actual = await rows(`
      SELECT event_id, source_file, CAST(arrival_ts AS VARCHAR) AS arrival_ts
      FROM silver_events WHERE event_id IN ('dup-a', 'dup-k') ORDER BY event_id`);
    expect(actual).toEqual([
      { event_id: 'dup-a', source_file: F3.key, arrival_ts: '2026-11-20 10:12:00' },
      { event_id: 'dup-k', source_file: F1.key, arrival_ts: '2026-11-20 10:20:00' },
    ]);
  });

  it('silver_quarantine: every failing line, repeats included, with its raw text', async () => {
    const actual = await rows(`
      SELECT * REPLACE (CAST(arrival_ts AS VARCHAR) AS arrival_ts) FROM silver_quarantine`);
    const expected = expectedVerdicts()
      .filter((r) => r.reason !== null)
      .map((r) => ({
        reason: r.reason,
        detail: r.detail,
        raw: r.raw,
        event_id: r.event_id,
        source: r.source,
        source_file: r.source_file,
        arrival_ts: r.arrival_ts,
        dt: r.dt,
      }));
    expect(expected).toHaveLength(54);
    expect(canonical(actual)).toEqual(canonical(expected));
    const dupBad = actual.filter((r) => r.event_id === 'dup-bad').map((r) => r.source_file);
    expect(dupBad.sort()).toEqual([F1.key, F3.key]);
  });

  it('reconciles per date: bronze lines = silver rows + quarantined + duplicates dropped', async () => {
    const actual = await rows(`
      SELECT dt,
             count(*) AS lines,
             count(*) FILTER (WHERE reason IS NULL) AS valid,
             count(*) FILTER (WHERE reason IS NOT NULL) AS failed,
             (SELECT count(*) FROM silver_events e WHERE e.dt = l.dt) AS events
      FROM silver_event_lines l GROUP BY dt ORDER BY dt`);
    // D1: 70 = 16 events + 50 quarantined + 4 duplicates; D2: 7 = 3 + 4 + 0.
    expect(actual).toEqual([
      { dt: D1, lines: '70', valid: '20', failed: '50', events: '16' },
      { dt: D2, lines: '7', valid: '3', failed: '4', events: '3' },
    ]);
  });

  it('silver_customers: trimmed, cased, emails validated, one row per customer and snapshot', async () => {
    const actual = await rows(`
      SELECT * REPLACE (CAST(signup_date AS VARCHAR) AS signup_date, CAST(updated_at AS VARCHAR) AS updated_at)
      FROM silver_customers`);
    expect(canonical(actual)).toEqual(canonical(EXPECTED_CUSTOMERS));
  });

  it('silver_products: trimmed, price validated, bad lines left out, latest version wins', async () => {
    const actual = await rows(`
      SELECT * REPLACE (CAST(updated_at AS VARCHAR) AS updated_at) FROM silver_products`);
    expect(canonical(actual)).toEqual(canonical(EXPECTED_PRODUCTS));
  });

  it('rebuilding a date whose Bronze objects are gone removes its partitions', async () => {
    rmSync(join(root, 'bronze/events', `dt=${D2}`), { recursive: true });
    rmSync(join(root, 'bronze/_errors/processing-failed', `dt=${D2}`), { recursive: true });
    await engine.refresh();
    for (const name of ['silver_event_lines', 'silver_events', 'silver_quarantine']) {
      const r = await engine.materialize({ model: model(name), partitions: [D2], buildId: 'b2' });
      expect(r.removed, name).toEqual([D2]);
      expect(r.partitions, name).toEqual([]);
      expect(r.rows, name).toBe(0);
      expect(Object.keys(engine.catalog.get(name)?.partitions ?? {}), name).toEqual([D1]);
      const dts = await rows(`SELECT DISTINCT dt FROM ${name} ORDER BY dt`);
      expect(dts, name).toEqual([{ dt: D1 }]);
    }
    // D1 is untouched.
    const [d1] = await rows(`SELECT count(*) AS n FROM silver_event_lines WHERE dt = '${D1}'`);
    expect(d1).toEqual({ n: '70' });
  });
});

// ---------------------------------------------------------------------------------------------
// Edge cases that were bugs once: each test states the header's rule it checks.
// ---------------------------------------------------------------------------------------------

describe('Silver models: edge cases', () => {
  const work = mkdtempSync(join(tmpdir(), 'silver-bugs-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let n = 0;

  /** A fresh lake holding `objects`, with `names` built for `date`; returns the engine. */
  async function lakeWith(
    objects: Record<string, string | Buffer>,
    names: readonly string[],
    date: string,
  ): Promise<DuckDbEngine> {
    const root = join(work, String(n++));
    for (const [key, body] of Object.entries(objects)) writeObject(root, key, body);
    const engine = await DuckDbEngine.open({ lakeRoot: root, database: 'lakehouse_test' });
    try {
      for (const name of names) {
        await engine.materialize({ model: model(name), partitions: [date], buildId: 'b1' });
      }
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  const F = eventsKey(D1, '10', `lakehouse-events-1-2026-11-20-10-20-00-${uuid('1')}`);
  const E = errorsKey(D1, `lakehouse-events-1-2026-11-20-10-30-00-${uuid('e1')}`);

  async function verdicts(objects: Record<string, string | Buffer>): Promise<readonly Row[]> {
    const engine = await lakeWith(objects, ['silver_event_lines'], D1);
    try {
      return (await engine.query('SELECT reason, detail, raw FROM silver_event_lines')).rows;
    } finally {
      await engine.close();
    }
  }

  it('silver_event_lines: a delivery error whose rawData cannot be decoded is delivery_failed', async () => {
    // Header: "delivery_failed: a record Firehose could not deliver whose rawData cannot be
    // decoded (detail 'rawData', checked first)". The error document itself is kept as raw.
    const doc = errorDocument('', Date.parse('2026-11-20T10:30:00Z'), '***not base64***');
    expect(await verdicts({ [E]: gzipSync(doc + '\n') })).toEqual([
      { reason: 'delivery_failed', detail: 'rawData', raw: doc },
    ]);
  });

  it('silver_event_lines: a non-text event_type is bad_type/event_type, not missing_field/order_id', async () => {
    // A line whose event_type is a number is not known to be a purchase, so order_id and
    // payment_method are not required (a NULL event_type must not make the purchase-only
    // checks run).
    const line = ev('bt-et', { event_type: 7 });
    expect(await verdicts({ [F]: gzipSync(line + '\n') })).toEqual([
      { reason: 'bad_type', detail: 'event_type', raw: line },
    ]);
  });

  it.each([
    ['product_price', { product_price: 1e12 }],
    ['product_price', { product_price: 9999999999.999 }],
    ['quantity', { event_type: 'add_to_cart', quantity: 1e10 }],
    ['schema_version', { schema_version: 1e10 }],
  ] as const)(
    'silver_event_lines: an out-of-range %s is quarantined as bad_value instead of failing the build (%j)',
    async (field, changes) => {
      // The output columns are computed for quarantined lines too: no cast may raise, or one
      // line would abort the whole date's build.
      const line = ev('big', changes);
      expect(await verdicts({ [F]: gzipSync(line + '\n') })).toEqual([
        { reason: 'bad_value', detail: field, raw: line },
      ]);
    },
  );

  it('silver_event_lines: unknown_fields lists the keys outside the contract, sorted', async () => {
    // Header: "the keys of the line's object that are not among the 17 contract fields, sorted
    // (by code point) and joined with ','; NULL when there are none or the line is not a JSON
    // object. A key whose value is a JSON null is present ... Set on every line, valid or not."
    const lines: [string, string, string | null, string | null][] = [
      // [event_id, raw line, reason, unknown_fields]
      ['clean', ev('clean'), null, null],
      ['extra-1', ev('extra-1', { coupon: 'X1' }), null, 'coupon'],
      // Two extra keys, sent out of order (one with a null value): sorted.
      ['extra-2', ev('extra-2', { zeta: 1, alpha: null }), null, 'alpha,zeta'],
      // Code-point order: capitals first; a contract key in other casing is unknown.
      ['extra-case', ev('extra-case', { b: 1, Event_Type: 'x', _x: 2 }), null, 'Event_Type,_x,b'],
      // 17 keys, yet one is not the contract's (campaign_id is optional, so the line is valid).
      ['swap', ev('swap', { campaign_id: undefined, campaign: 'bf-2026' }), null, 'campaign'],
      // A key missing and nothing extra: 16 keys, no drift.
      ['missing', ev('missing', { campaign_id: undefined }), null, null],
      // A JSON null is a value, not an absent key.
      ['null-camp', ev('null-camp', { campaign_id: null, quantity: null }), null, null],
      // Drift is reported on invalid lines too.
      ['bad-extra', ev('bad-extra', { product_price: 0, extra: true }), 'bad_value', 'extra'],
      // The same key twice is one key (neither engine reports it as drift).
      ['dup-key', ev('dup-key').replace('"user_id":', '"user_id":"c009","user_id":'), null, null],
    ];
    const notObjects = ['[1,2]', '"text"', '{"event_id":"cut', ''];
    const raw = [...lines.map((l) => l[1]), ...notObjects];
    const engine = await lakeWith(
      { [F]: gzipSync(raw.map((l) => `${l}\n`).join('')) },
      ['silver_event_lines'],
      D1,
    );
    try {
      const actual = (
        await engine.query(
          'SELECT event_id, reason, unknown_fields, standardized FROM silver_event_lines',
        )
      ).rows;
      expect(canonical(actual)).toEqual(
        canonical([
          ...lines.map(([id, , reason, unknown]) => ({
            event_id: id,
            reason,
            unknown_fields: unknown,
            standardized: false,
          })),
          ...notObjects.map(() => ({
            event_id: null,
            reason: 'malformed_json',
            unknown_fields: null,
            standardized: false,
          })),
        ]),
      );
    } finally {
      await engine.close();
    }
  });

  it('silver_event_lines: standardized marks valid lines whose enums or country came in another form', async () => {
    // Header: "true when the line is valid and at least one of event_type, device_type,
    // traffic_source, country and, on purchases, payment_method came in another form than
    // Silver's (other casing, surrounding whitespace); false otherwise, and false on every
    // invalid line".
    const buy = (id: string, changes: Record<string, unknown> = {}) =>
      ev(id, { ...PURCHASE, ...changes });
    const lines: [string, string, string | null, boolean][] = [
      // [event_id, raw line, reason, standardized]
      ['clean', ev('clean'), null, false],
      ['clean-buy', buy('clean-buy'), null, false],
      ['et-upper', ev('et-upper', { event_type: 'PAGE_VIEW' }), null, true],
      ['et-padded', ev('et-padded', { event_type: ' page_view ' }), null, true],
      ['dev-cap', ev('dev-cap', { device_type: 'Desktop' }), null, true],
      ['dev-lead', ev('dev-lead', { device_type: '  desktop' }), null, true],
      ['dev-tab', ev('dev-tab', { device_type: 'desktop\t' }), null, true],
      ['src-cap', ev('src-cap', { traffic_source: 'Organic ' }), null, true],
      ['src-upper', ev('src-upper', { traffic_source: 'ORGANIC' }), null, true],
      ['country-lower', ev('country-lower', { country: 'de' }), null, true],
      ['country-padded', ev('country-padded', { country: ' DE ' }), null, true],
      ['country-trail', ev('country-trail', { country: 'DE ' }), null, true],
      ['pay-cap', buy('pay-cap', { payment_method: 'PayPal' }), null, true],
      ['pay-padded', buy('pay-padded', { payment_method: ' paypal' }), null, true],
      // payment_method is dropped on other events: nothing was standardized.
      ['pay-view', ev('pay-view', { payment_method: 'PayPal' }), null, false],
      // Other fields are trimmed too, but are not among the five.
      [
        'name-padded',
        ev('name-padded', { product_name: ' Desk Lamp ', user_id: ' c001' }),
        null,
        false,
      ],
      ['camp-blank', ev('camp-blank', { campaign_id: '  ' }), null, false],
      // An escape that spells the canonical value is the same value.
      ['escaped', ev('escaped').replace('"page_view"', '"\\u0070age_view"'), null, false],
      // Invalid lines are never standardized, however their fields were written.
      [
        'bad-upper',
        ev('bad-upper', { event_type: 'PAGE_VIEW', product_price: 0 }),
        'bad_value',
        false,
      ],
      ['bad-enum', ev('bad-enum', { device_type: 'Smartwatch' }), 'bad_enum', false],
    ];
    const engine = await lakeWith(
      { [F]: gzipSync(lines.map((l) => `${l[1]}\n`).join('')) },
      ['silver_event_lines'],
      D1,
    );
    try {
      const actual = (
        await engine.query('SELECT event_id, reason, standardized FROM silver_event_lines')
      ).rows;
      expect(canonical(actual)).toEqual(
        canonical(
          lines.map(([id, , reason, standardized]) => ({ event_id: id, reason, standardized })),
        ),
      );
    } finally {
      await engine.close();
    }
  });

  async function products(lines: readonly string[]): Promise<readonly Row[]> {
    const key = `bronze/reference/products/snapshot_date=${D1}/products.jsonl`;
    const engine = await lakeWith({ [key]: lines.join('\n') + '\n' }, ['silver_products'], D1);
    try {
      return (
        await engine.query(
          'SELECT product_id, price, price_is_valid FROM silver_products ORDER BY product_id',
        )
      ).rows;
    } finally {
      await engine.close();
    }
  }

  it('silver_products: a product whose product_id is not text is left out', async () => {
    // Header: "Lines that are not a JSON object with a text product_id ... are left out."
    expect(
      await products([
        '{"product_id":123,"product_name":"Number Id","category":"X","price":1,"updated_at":"2026-11-01T00:00:00Z"}',
        '{"product_id":"p001","product_name":"Lamp","category":"Home","price":2,"updated_at":"2026-11-01T00:00:00Z"}',
      ]),
    ).toEqual([{ product_id: 'p001', price: '2.00', price_is_valid: true }]);
  });

  it('silver_products: a price that does not fit DECIMAL(12,2) is invalid instead of failing the build', async () => {
    // 9999999999.999 rounds to 10000000000.00, which does not fit DECIMAL(12,2): the price is
    // invalid, and the snapshot still builds.
    expect(
      await products([
        '{"product_id":"p001","product_name":"Lamp","category":"Home","price":9999999999.999,"updated_at":"2026-11-01T00:00:00Z"}',
      ]),
    ).toEqual([{ product_id: 'p001', price: null, price_is_valid: false }]);
  });
});
