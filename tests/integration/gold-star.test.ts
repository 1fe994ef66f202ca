/**
 * The Gold star schema (athena/models/gold/dim_*.sql, fact_*.sql) on a small hand-written shop,
 * then on generated data.
 *
 * The shop: three dates (D1 2026-11-20, D2 2026-11-21, D3 2026-11-22), a CRM and an ERP
 * snapshot on each, four customers and three products whose histories exercise every SCD2 rule
 * in the model headers, and eleven sessions. Every expected row below was worked out by hand
 * from those rules, with the reasoning next to it; nothing was pasted from a run.
 *
 * The generated lake (mess rates 0) checks the property the generator guarantees: an event's
 * product name, category and price are those of the product version valid at the event's
 * instant, so every order line must resolve to a dim_product version carrying its unit price and
 * category, and no line or session may fall on an unknown member.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type MessRates } from '../../lib/config.ts';
import { createGenerator } from '../../lib/events/generator.ts';
import { buildWorld, isoSeconds, referenceSnapshots } from '../../lib/events/reference.ts';
import { referenceKey } from '../../lib/lake-layout.ts';
import { generatorOptions } from '../../lib/producer/producer.ts';
import {
  ShopLake,
  canonical,
  model,
  writeShopBronze,
  type Row,
  type ShopCustomer,
  type ShopEvent,
  type ShopFixture,
  type ShopProduct,
} from '../helpers/shop-lake.ts';

const D1 = '2026-11-20';
const D2 = '2026-11-21';
const D3 = '2026-11-22';
const FAR = '9999-12-31 23:59:59';
const STAR = [
  'dim_customer',
  'dim_product',
  'dim_date',
  'fact_order_items',
  'fact_orders',
  'fact_sessions',
];

// ---------------------------------------------------------------------------------------------
// The CRM: one export per date.
// c1 changes email (first shown D2) then country (D3): three versions.
// c2 changes only untracked things (first name) and the casing of its email: one version.
// c3 first appears in D2's export, with an updated_at before D2 (the clamp applies).
// c4 has an invalid email throughout and changes tier in D3 with no updated_at.
// u9 (an events' user) is in no export.
// ---------------------------------------------------------------------------------------------

const c1: ShopCustomer = { id: 'c1', email: 'c1@example.com', updated: '2026-11-01T00:00:00Z' };
const c1NewEmail: ShopCustomer = { ...c1, email: 'c1.new@example.com', updated: `${D2}T09:00:00Z` };
const c1France: ShopCustomer = { ...c1NewEmail, country: 'fr', updated: `${D3}T12:00:00Z` };
const c2: ShopCustomer = {
  id: 'c2',
  first: 'Anna',
  email: 'c2@example.com',
  signup: '2024-05-01',
  tier: 'gold',
  updated: '2026-10-01T00:00:00Z',
};
// Untracked: first name; email differs only in case (tracked as lower(trim(...)): the same).
const c2Renamed: ShopCustomer = {
  ...c2,
  first: 'Anne',
  email: 'C2@Example.COM',
  updated: `${D2}T10:00:00Z`,
};
const c3: ShopCustomer = {
  id: 'c3',
  email: 'c3@example.com',
  signup: '2026-11-15',
  updated: '2026-11-15T00:00:00Z',
};
const c4: ShopCustomer = { id: 'c4', email: 'c4-at-example.com', updated: '2026-11-01T00:00:00Z' };
// An empty updated_at: Silver reads NULL.
const c4Silver: ShopCustomer = { ...c4, tier: 'silver', updated: '' };

const CUSTOMERS: Record<string, ShopCustomer[]> = {
  [D1]: [c1, c2, c4],
  [D2]: [c1NewEmail, c2Renamed, c3, c4],
  [D3]: [c1France, c2Renamed, c3, c4Silver],
};

// ---------------------------------------------------------------------------------------------
// The ERP: p1 changes price (first shown D2, updated D2 06:00); p2 changes category in D3's
// export with an updated_at of D2 20:00 (the clamp applies); p3 changes only its name
// (untracked). p9 (an event's product) is in no export.
// ---------------------------------------------------------------------------------------------

const p1: ShopProduct = { id: 'p1', price: 10, updated: '2026-11-01T00:00:00Z' };
const p1Dearer: ShopProduct = { ...p1, price: 12, updated: `${D2}T06:00:00Z` };
const p2: ShopProduct = { id: 'p2', price: 25, updated: '2026-11-01T00:00:00Z' };
const p2Garden: ShopProduct = { ...p2, category: 'Garden', updated: `${D2}T20:00:00Z` };
const p3: ShopProduct = {
  id: 'p3',
  name: 'Pen',
  category: 'Office',
  price: 5,
  updated: '2026-11-01T00:00:00Z',
};
const p3Renamed: ShopProduct = { ...p3, name: 'Pen Deluxe', updated: `${D2}T07:00:00Z` };

const PRODUCTS: Record<string, ShopProduct[]> = {
  [D1]: [p1, p2, p3],
  [D2]: [p1Dearer, p2, p3Renamed],
  [D3]: [p1Dearer, p2Garden, p3Renamed],
};

// ---------------------------------------------------------------------------------------------
// Events. Defaults (shop-lake): desktop, DE, organic, no campaign, category Home, price 10.
// Purchases pay by credit_card unless said.
// ---------------------------------------------------------------------------------------------

/** What the shopper saw of each product (the event's name, category and price). */
const P1 = { product: 'p1' } as const;
const P1_12 = { product: 'p1', price: 12 } as const;
const P2 = { product: 'p2', price: 25 } as const;
const P2_GARDEN = { product: 'p2', price: 25, category: 'Garden' } as const;
const P3 = { product: 'p3', name: 'Pen', category: 'Office', price: 5 } as const;
const P9 = { product: 'p9', category: 'Toys', price: 99.99 } as const;

type At = Pick<ShopEvent, 'user' | 'session'> & Partial<ShopEvent>;
const view = (id: string, ts: string, at: At, p: Partial<ShopEvent>): ShopEvent =>
  ({ id, ts, ...at, ...p }) as ShopEvent;
const cart = (id: string, ts: string, at: At, p: Partial<ShopEvent>, quantity = 1): ShopEvent =>
  ({ id, type: 'add_to_cart', ts, quantity, ...at, ...p }) as ShopEvent;
const uncart = (id: string, ts: string, at: At, p: Partial<ShopEvent>): ShopEvent =>
  ({ id, type: 'remove_from_cart', ts, ...at, ...p }) as ShopEvent;
const buy = (
  id: string,
  ts: string,
  at: At,
  p: Partial<ShopEvent>,
  order: string,
  extra: Partial<ShopEvent> = {},
): ShopEvent =>
  ({
    id,
    type: 'purchase',
    ts,
    order,
    payment: 'credit_card',
    ...at,
    ...p,
    ...extra,
  }) as ShopEvent;

const S1 = { user: 'c1', session: 's1' };
const S2 = { user: 'c2', session: 's2', device: 'mobile', source: 'email', campaign: 'bf26' };
const S3 = { user: 'c3', session: 's3', device: 'tablet', source: 'social' };
const S4 = { user: 'u9', session: 's4', source: 'direct' };
const S5 = { user: 'c4', session: 's5' };
const S6 = { user: 'c1', session: 's6' };
const S7 = { user: 'c2', session: 's7' };
const S8 = { user: 'c3', session: 's8' };
const S9 = { user: 'c4', session: 's9' };
const S10 = { user: 'c1', session: 's10', country: 'FR' };
const S11 = { user: 'c4', session: 's11' };

const EVENTS_D1: ShopEvent[] = [
  // s1: the full funnel; two views of p1, a cart and remove of p2, one purchase of 2 x p1.
  view('e01', `${D1}T10:00:00Z`, S1, P1),
  view('e02', `${D1}T10:01:00Z`, S1, P2),
  view('e03', `${D1}T10:02:00Z`, S1, P1),
  cart('e04', `${D1}T10:03:00Z`, S1, P1, 2),
  cart('e05', `${D1}T10:04:00Z`, S1, P2),
  uncart('e06', `${D1}T10:05:00Z`, S1, P2),
  buy('e07', `${D1}T10:06:00Z`, S1, P1, 'o1', { quantity: 2 }),
  // s2: order o2 of three lines over two products; e10 and e11 share a timestamp (e10 is the
  // first item: smaller id); e12 comes from another device (the order and session keep the
  // first's).
  view('e08', `${D1}T12:00:00Z`, S2, P1),
  cart('e09', `${D1}T12:00:30Z`, S2, P3, 3),
  buy('e10', `${D1}T12:05:00Z`, S2, P1, 'o2'),
  buy('e11', `${D1}T12:05:00Z`, S2, P3, 'o2', { quantity: 3, payment: 'paypal' }),
  buy('e12', `${D1}T12:07:30Z`, S2, P1, 'o2', { device: 'desktop' }),
  // s3: c3 buys on D1, before the first snapshot that shows c3 (D2): unknown customer.
  view('e13', `${D1}T22:00:00Z`, S3, P3),
  buy('e14', `${D1}T22:10:00Z`, S3, P3, 'o3'),
  // s4: u9 (not in the CRM) buys p9 (not in the ERP); the session goes on past midnight.
  cart('e15', `${D1}T23:50:00Z`, S4, P9),
  buy('e16', `${D1}T23:55:00Z`, S4, P9, 'o4'),
  // s5: c4 views and carts, no purchase (abandoned); the campaign appears only on the second
  // event (the session keeps the first event's: none).
  view('e18', `${D1}T15:00:00Z`, S5, P2),
  cart('e19', `${D1}T15:02:00Z`, S5, P2, 1),
];
const EVENTS_D2: ShopEvent[] = [
  // s4 after midnight: a second row for s4, on D2.
  view('e17', `${D2}T00:10:00Z`, S4, P1_12),
  // s6: c1's version boundary is 09:00:00 (c1#2's valid_from): one second before, and exactly.
  buy('e20', `${D2}T08:59:59Z`, S6, P1_12, 'o5'),
  buy('e21', `${D2}T09:00:00Z`, S6, P1_12, 'o6'),
  // s7: p1's version boundary is 06:00:00 (p1#2's valid_from): a view before, a purchase exactly.
  view('e22', `${D2}T05:59:00Z`, S7, P1),
  buy('e23', `${D2}T06:00:00Z`, S7, P1_12, 'o7'),
  // s8: c3 on D2: known now.
  buy('e24', `${D2}T08:00:00Z`, S8, P3, 'o8'),
  // s9: p2 after its D3 version's updated_at (D2 20:00) but before D3: still p2#1.
  buy('e25', `${D2}T21:00:00Z`, S9, P2, 'o9'),
];
const EVENTS_D3: ShopEvent[] = [
  // s11: c4 at D3 00:00:00 exactly: c4#2 (NULL updated_at: valid from D3's start).
  buy('e26', `${D3}T00:00:00Z`, S11, P3, 'o10'),
  // s10: c1 one second before c1#3 (12:00:00), then after it, buying the Garden p2.
  buy('e27', `${D3}T11:59:59Z`, S10, P1_12, 'o11'),
  buy('e28', `${D3}T12:30:00Z`, S10, P2_GARDEN, 'o12'),
];

const FIXTURE: ShopFixture = {
  events: [...EVENTS_D1, ...EVENTS_D2, ...EVENTS_D3],
  customers: CUSTOMERS,
  products: PRODUCTS,
};

// ---------------------------------------------------------------------------------------------
// Expected rows.
// ---------------------------------------------------------------------------------------------

/** A customer version with the helper's defaults (names 'First <id>', DE, bronze, 2025-01-01). */
function customerRow(r: Partial<Row> & { customer_id: string; version: number }): Row {
  return {
    customer_key: `${r.customer_id}#${r.version}`,
    first_name: `First ${r.customer_id}`,
    last_name: `Last ${r.customer_id}`,
    email: `${r.customer_id}@example.com`,
    email_is_valid: true,
    country: 'DE',
    loyalty_tier: 'bronze',
    signup_date: '2025-01-01',
    ...r,
  };
}

const EXPECTED_DIM_CUSTOMER: Row[] = [
  {
    customer_key: '-1',
    customer_id: '-1',
    version: 0,
    first_name: null,
    last_name: null,
    email: null,
    email_is_valid: null,
    country: null,
    loyalty_tier: 'unknown',
    signup_date: null,
    valid_from: '1970-01-01 00:00:00',
    valid_to: FAR,
    is_current: true,
    first_snapshot_date: null,
    updated_at: null,
  },
  // c1#1: D1's row; updated_at 11-01 is before D1, so valid_from is clamped to D1 00:00; it ends
  // where c1#2 starts.
  customerRow({
    customer_id: 'c1',
    version: 1,
    valid_from: `${D1} 00:00:00`,
    valid_to: `${D2} 09:00:00`,
    is_current: false,
    first_snapshot_date: D1,
    updated_at: '2026-11-01 00:00:00',
  }),
  // c1#2: D2 shows a new email; updated_at D2 09:00 is after D2's start, so it is valid_from.
  // D3 then changes the country: it ends at c1#3's start.
  customerRow({
    customer_id: 'c1',
    version: 2,
    email: 'c1.new@example.com',
    valid_from: `${D2} 09:00:00`,
    valid_to: `${D3} 12:00:00`,
    is_current: false,
    first_snapshot_date: D2,
    updated_at: `${D2} 09:00:00`,
  }),
  // c1#3: D3's country 'fr' (Silver upper-cases it); current.
  customerRow({
    customer_id: 'c1',
    version: 3,
    email: 'c1.new@example.com',
    country: 'FR',
    valid_from: `${D3} 12:00:00`,
    valid_to: FAR,
    is_current: true,
    first_snapshot_date: D3,
    updated_at: `${D3} 12:00:00`,
  }),
  // c2: D2 and D3 change the first name (untracked) and the email's casing (tracked lowercased:
  // equal), so one version, with D1's name, email and updated_at; valid_from clamped to D1.
  customerRow({
    customer_id: 'c2',
    version: 1,
    first_name: 'Anna',
    loyalty_tier: 'gold',
    signup_date: '2024-05-01',
    valid_from: `${D1} 00:00:00`,
    valid_to: FAR,
    is_current: true,
    first_snapshot_date: D1,
    updated_at: '2026-10-01 00:00:00',
  }),
  // c3: first shown by D2; updated_at 11-15 is before D2, so valid_from = D2 00:00.
  customerRow({
    customer_id: 'c3',
    version: 1,
    signup_date: '2026-11-15',
    valid_from: `${D2} 00:00:00`,
    valid_to: FAR,
    is_current: true,
    first_snapshot_date: D2,
    updated_at: '2026-11-15 00:00:00',
  }),
  // c4#1: invalid email (NULL, not valid), unchanged in D2; ends at c4#2's start.
  customerRow({
    customer_id: 'c4',
    version: 1,
    email: null,
    email_is_valid: false,
    valid_from: `${D1} 00:00:00`,
    valid_to: `${D3} 00:00:00`,
    is_current: false,
    first_snapshot_date: D1,
    updated_at: '2026-11-01 00:00:00',
  }),
  // c4#2: D3's tier 'silver' with no updated_at: valid from D3's start.
  customerRow({
    customer_id: 'c4',
    version: 2,
    email: null,
    email_is_valid: false,
    loyalty_tier: 'silver',
    valid_from: `${D3} 00:00:00`,
    valid_to: FAR,
    is_current: true,
    first_snapshot_date: D3,
    updated_at: null,
  }),
];

function productRow(r: Partial<Row> & { product_id: string; version: number }): Row {
  return {
    product_key: `${r.product_id}#${r.version}`,
    product_name: `Product ${r.product_id}`,
    category: 'Home',
    price_is_valid: true,
    ...r,
  };
}

const EXPECTED_DIM_PRODUCT: Row[] = [
  {
    product_key: '-1',
    product_id: '-1',
    version: 0,
    product_name: 'Unknown product',
    category: 'Unknown',
    price: null,
    price_is_valid: null,
    valid_from: '1970-01-01 00:00:00',
    valid_to: FAR,
    is_current: true,
    first_snapshot_date: null,
    updated_at: null,
  },
  // p1#1: 10.00 from D1 (updated_at 11-01 clamped) until p1#2.
  productRow({
    product_id: 'p1',
    version: 1,
    price: '10.00',
    valid_from: `${D1} 00:00:00`,
    valid_to: `${D2} 06:00:00`,
    is_current: false,
    first_snapshot_date: D1,
    updated_at: '2026-11-01 00:00:00',
  }),
  // p1#2: 12.00 first shown by D2, updated_at D2 06:00 (after D2's start); D3 repeats it.
  productRow({
    product_id: 'p1',
    version: 2,
    price: '12.00',
    valid_from: `${D2} 06:00:00`,
    valid_to: FAR,
    is_current: true,
    first_snapshot_date: D2,
    updated_at: `${D2} 06:00:00`,
  }),
  // p2#1: Home until p2#2's start.
  productRow({
    product_id: 'p2',
    version: 1,
    price: '25.00',
    valid_from: `${D1} 00:00:00`,
    valid_to: `${D3} 00:00:00`,
    is_current: false,
    first_snapshot_date: D1,
    updated_at: '2026-11-01 00:00:00',
  }),
  // p2#2: Garden, first shown by D3; its updated_at (D2 20:00) is before D3's start: clamped.
  productRow({
    product_id: 'p2',
    version: 2,
    category: 'Garden',
    price: '25.00',
    valid_from: `${D3} 00:00:00`,
    valid_to: FAR,
    is_current: true,
    first_snapshot_date: D3,
    updated_at: `${D2} 20:00:00`,
  }),
  // p3: only the name changed (untracked): one version named as in D1.
  productRow({
    product_id: 'p3',
    version: 1,
    product_name: 'Pen',
    category: 'Office',
    price: '5.00',
    valid_from: `${D1} 00:00:00`,
    valid_to: FAR,
    is_current: true,
    first_snapshot_date: D1,
    updated_at: '2026-11-01 00:00:00',
  }),
];

/** An order line; defaults: 1 x p1 at 10.00, desktop, DE, organic, no campaign, credit_card. */
function itemRow(r: Partial<Row> & { order_item_id: string; event_ts: string }): Row {
  const date = r.event_ts.slice(0, 10);
  const quantity = (r.quantity as number | undefined) ?? 1;
  const unit = (r.unit_price as string | undefined) ?? '10.00';
  return {
    order_id: null,
    date_key: Number(date.replace(/-/g, '')),
    hour: Number(r.event_ts.slice(11, 13)),
    customer_key: null,
    product_key: null,
    user_id: null,
    session_id: null,
    product_id: 'p1',
    product_name: 'Product p1',
    product_category: 'Home',
    quantity,
    unit_price: unit,
    // = 1 x the unit price; the rows below give it (worked out) whenever they set a price.
    line_revenue: unit,
    device_type: 'desktop',
    country: 'DE',
    traffic_source: 'organic',
    campaign_id: null,
    payment_method: 'credit_card',
    is_unknown_customer: false,
    is_unknown_product: false,
    ...r,
    dt: date,
  };
}

const PEN = {
  product_id: 'p3',
  product_name: 'Pen',
  product_category: 'Office',
  unit_price: '5.00',
};
const P1_AT_12 = { unit_price: '12.00' };
const P2_LINE = { product_id: 'p2', product_name: 'Product p2', unit_price: '25.00' };
const IN_S2 = { user_id: 'c2', session_id: 's2', device_type: 'mobile', traffic_source: 'email' };

const EXPECTED_ITEMS: Row[] = [
  // 2 x 10.00 = 20.00; c1#1 (D1 00:00 <= 10:06 < D2 09:00), p1#1.
  itemRow({
    order_item_id: 'e07',
    order_id: 'o1',
    event_ts: `${D1} 10:06:00`,
    customer_key: 'c1#1',
    product_key: 'p1#1',
    user_id: 'c1',
    session_id: 's1',
    quantity: 2,
    line_revenue: '20.00',
  }),
  itemRow({
    order_item_id: 'e10',
    order_id: 'o2',
    event_ts: `${D1} 12:05:00`,
    customer_key: 'c2#1',
    product_key: 'p1#1',
    ...IN_S2,
    campaign_id: 'bf26',
  }),
  // 3 x 5.00 = 15.00, paid with paypal.
  itemRow({
    order_item_id: 'e11',
    order_id: 'o2',
    event_ts: `${D1} 12:05:00`,
    customer_key: 'c2#1',
    product_key: 'p3#1',
    ...IN_S2,
    campaign_id: 'bf26',
    ...PEN,
    quantity: 3,
    line_revenue: '15.00',
    payment_method: 'paypal',
  }),
  // The line's own device (desktop).
  itemRow({
    order_item_id: 'e12',
    order_id: 'o2',
    event_ts: `${D1} 12:07:30`,
    customer_key: 'c2#1',
    product_key: 'p1#1',
    ...IN_S2,
    device_type: 'desktop',
    campaign_id: 'bf26',
  }),
  // c3's only version starts at D2 00:00 (clamped): no version at D1 22:10 → unknown.
  itemRow({
    order_item_id: 'e14',
    order_id: 'o3',
    event_ts: `${D1} 22:10:00`,
    customer_key: '-1',
    product_key: 'p3#1',
    user_id: 'c3',
    session_id: 's3',
    ...PEN,
    line_revenue: '5.00',
    device_type: 'tablet',
    traffic_source: 'social',
    is_unknown_customer: true,
  }),
  // u9 and p9 are in no snapshot: both unknown.
  itemRow({
    order_item_id: 'e16',
    order_id: 'o4',
    event_ts: `${D1} 23:55:00`,
    customer_key: '-1',
    product_key: '-1',
    user_id: 'u9',
    session_id: 's4',
    product_id: 'p9',
    product_name: 'Product p9',
    product_category: 'Toys',
    unit_price: '99.99',
    line_revenue: '99.99',
    traffic_source: 'direct',
    is_unknown_customer: true,
    is_unknown_product: true,
  }),
  // 08:59:59 < 09:00:00 = c1#1's valid_to: still c1#1; p1#2 since 06:00.
  itemRow({
    order_item_id: 'e20',
    order_id: 'o5',
    event_ts: `${D2} 08:59:59`,
    customer_key: 'c1#1',
    product_key: 'p1#2',
    user_id: 'c1',
    session_id: 's6',
    ...P1_AT_12,
    line_revenue: '12.00',
  }),
  // Exactly 09:00:00: c1#2 (valid_from inclusive), and not c1#1 too (valid_to exclusive).
  itemRow({
    order_item_id: 'e21',
    order_id: 'o6',
    event_ts: `${D2} 09:00:00`,
    customer_key: 'c1#2',
    product_key: 'p1#2',
    user_id: 'c1',
    session_id: 's6',
    ...P1_AT_12,
    line_revenue: '12.00',
  }),
  // Exactly p1#2's valid_from (06:00:00): p1#2.
  itemRow({
    order_item_id: 'e23',
    order_id: 'o7',
    event_ts: `${D2} 06:00:00`,
    customer_key: 'c2#1',
    product_key: 'p1#2',
    user_id: 'c2',
    session_id: 's7',
    ...P1_AT_12,
    line_revenue: '12.00',
  }),
  // c3 is known from D2 00:00.
  itemRow({
    order_item_id: 'e24',
    order_id: 'o8',
    event_ts: `${D2} 08:00:00`,
    customer_key: 'c3#1',
    product_key: 'p3#1',
    user_id: 'c3',
    session_id: 's8',
    ...PEN,
    line_revenue: '5.00',
  }),
  // D2 21:00 is after p2#2's updated_at (D2 20:00) but before its clamped valid_from (D3 00:00).
  itemRow({
    order_item_id: 'e25',
    order_id: 'o9',
    event_ts: `${D2} 21:00:00`,
    customer_key: 'c4#1',
    product_key: 'p2#1',
    user_id: 'c4',
    session_id: 's9',
    ...P2_LINE,
    line_revenue: '25.00',
  }),
  // D3 00:00:00 exactly: c4#2 (valid from D3's start, its updated_at being NULL).
  itemRow({
    order_item_id: 'e26',
    order_id: 'o10',
    event_ts: `${D3} 00:00:00`,
    customer_key: 'c4#2',
    product_key: 'p3#1',
    user_id: 'c4',
    session_id: 's11',
    ...PEN,
    line_revenue: '5.00',
  }),
  // 11:59:59: still c1#2 (c1#3 from 12:00:00).
  itemRow({
    order_item_id: 'e27',
    order_id: 'o11',
    event_ts: `${D3} 11:59:59`,
    customer_key: 'c1#2',
    product_key: 'p1#2',
    user_id: 'c1',
    session_id: 's10',
    ...P1_AT_12,
    line_revenue: '12.00',
    country: 'FR',
  }),
  // 12:30: c1#3; p2#2 (Garden) since D3 00:00.
  itemRow({
    order_item_id: 'e28',
    order_id: 'o12',
    event_ts: `${D3} 12:30:00`,
    customer_key: 'c1#3',
    product_key: 'p2#2',
    user_id: 'c1',
    session_id: 's10',
    ...P2_LINE,
    product_category: 'Garden',
    line_revenue: '25.00',
    country: 'FR',
  }),
];

/** An order: the first line's attributes and the sums over its lines. */
function orderRow(
  first: Row,
  sums: { items: string; units: string; distinct: string; revenue: string },
): Row {
  return {
    order_id: first.order_id,
    order_ts: first.event_ts,
    date_key: first.date_key,
    hour: first.hour,
    customer_key: first.customer_key,
    user_id: first.user_id,
    session_id: first.session_id,
    items: sums.items,
    units: sums.units,
    distinct_products: sums.distinct,
    revenue: sums.revenue,
    device_type: first.device_type,
    country: first.country,
    traffic_source: first.traffic_source,
    campaign_id: first.campaign_id,
    payment_method: first.payment_method,
    has_unknown_customer: first.is_unknown_customer,
    has_unknown_product: first.is_unknown_product,
    dt: first.dt,
  };
}

const item = (id: string): Row => EXPECTED_ITEMS.find((r) => r.order_item_id === id)!;
/** A one-line order: 1 item, its quantity, 1 product, its line revenue. */
const single = (id: string): Row =>
  orderRow(item(id), {
    items: '1',
    units: String(item(id).quantity),
    distinct: '1',
    revenue: item(id).line_revenue as string,
  });

const EXPECTED_ORDERS: Row[] = [
  single('e07'),
  // o2: lines e10, e11, e12; e10 and e11 share the earliest timestamp, e10 < e11 is first
  // (mobile, credit_card). 3 lines, 1 + 3 + 1 = 5 units, products p1 and p3, 10 + 15 + 10 = 35.
  orderRow(item('e10'), { items: '3', units: '5', distinct: '2', revenue: '35.00' }),
  single('e14'), // has_unknown_customer
  single('e16'), // has_unknown_customer and has_unknown_product
  single('e20'),
  single('e21'),
  single('e23'),
  single('e24'),
  single('e25'),
  single('e26'),
  single('e27'),
  single('e28'),
];

/** A session; counters default to 0 and flags to false. */
function sessionRow(r: Partial<Row> & { session_id: string; session_start: string }): Row {
  const date = r.session_start.slice(0, 10);
  return {
    user_id: null,
    customer_key: null,
    session_end: r.session_start,
    duration_seconds: '0',
    date_key: Number(date.replace(/-/g, '')),
    start_hour: Number(r.session_start.slice(11, 13)),
    events: '1',
    page_views: '0',
    products_viewed: '0',
    add_to_carts: '0',
    remove_from_carts: '0',
    purchase_events: '0',
    orders: '0',
    units_purchased: '0',
    revenue: '0.00',
    has_page_view: false,
    has_cart: false,
    purchased: false,
    abandoned_cart: false,
    device_type: 'desktop',
    country: 'DE',
    traffic_source: 'organic',
    campaign_id: null,
    ...r,
    dt: date,
  };
}

const EXPECTED_SESSIONS: Row[] = [
  // s1: e01-e07, 10:00 to 10:06 = 360 s; views of p1, p2, p1 (3 views, 2 products); carts e04,
  // e05; remove e06; purchase e07 (2 units, 20.00). Cart and purchase: not abandoned.
  sessionRow({
    session_id: 's1',
    user_id: 'c1',
    customer_key: 'c1#1',
    session_start: `${D1} 10:00:00`,
    session_end: `${D1} 10:06:00`,
    duration_seconds: '360',
    events: '7',
    page_views: '3',
    products_viewed: '2',
    add_to_carts: '2',
    remove_from_carts: '1',
    purchase_events: '1',
    orders: '1',
    units_purchased: '2',
    revenue: '20.00',
    has_page_view: true,
    has_cart: true,
    purchased: true,
  }),
  // s2: e08-e12, 12:00:00 to 12:07:30 = 450 s; 3 purchase lines of one order, 5 units, 35.00;
  // mobile/email/bf26 from the first event e08.
  sessionRow({
    session_id: 's2',
    user_id: 'c2',
    customer_key: 'c2#1',
    session_start: `${D1} 12:00:00`,
    session_end: `${D1} 12:07:30`,
    duration_seconds: '450',
    events: '5',
    page_views: '1',
    products_viewed: '1',
    add_to_carts: '1',
    purchase_events: '3',
    orders: '1',
    units_purchased: '5',
    revenue: '35.00',
    has_page_view: true,
    has_cart: true,
    purchased: true,
    device_type: 'mobile',
    traffic_source: 'email',
    campaign_id: 'bf26',
  }),
  // s3: c3 before its first version (D2 00:00): unknown; 22:00 to 22:10 = 600 s.
  sessionRow({
    session_id: 's3',
    user_id: 'c3',
    customer_key: '-1',
    session_start: `${D1} 22:00:00`,
    session_end: `${D1} 22:10:00`,
    duration_seconds: '600',
    events: '2',
    page_views: '1',
    products_viewed: '1',
    purchase_events: '1',
    orders: '1',
    units_purchased: '1',
    revenue: '5.00',
    has_page_view: true,
    purchased: true,
    device_type: 'tablet',
    traffic_source: 'social',
  }),
  // s4 on D1: e15, e16 only (e17 is D2's), 23:50 to 23:55 = 300 s; u9 unknown.
  sessionRow({
    session_id: 's4',
    user_id: 'u9',
    customer_key: '-1',
    session_start: `${D1} 23:50:00`,
    session_end: `${D1} 23:55:00`,
    duration_seconds: '300',
    events: '2',
    add_to_carts: '1',
    purchase_events: '1',
    orders: '1',
    units_purchased: '1',
    revenue: '99.99',
    has_cart: true,
    purchased: true,
    traffic_source: 'direct',
  }),
  // s5: a view and a cart, no purchase: abandoned; 120 s; the campaign of e19 is not the first
  // event's (e18 has none).
  sessionRow({
    session_id: 's5',
    user_id: 'c4',
    customer_key: 'c4#1',
    session_start: `${D1} 15:00:00`,
    session_end: `${D1} 15:02:00`,
    duration_seconds: '120',
    events: '2',
    page_views: '1',
    products_viewed: '1',
    add_to_carts: '1',
    has_page_view: true,
    has_cart: true,
    abandoned_cart: true,
  }),
  // s4 on D2: e17 alone, a view.
  sessionRow({
    session_id: 's4',
    user_id: 'u9',
    customer_key: '-1',
    session_start: `${D2} 00:10:00`,
    page_views: '1',
    products_viewed: '1',
    has_page_view: true,
    traffic_source: 'direct',
  }),
  // s6: starts 08:59:59, when c1#1 is still valid; 1 s; two orders of 12.00.
  sessionRow({
    session_id: 's6',
    user_id: 'c1',
    customer_key: 'c1#1',
    session_start: `${D2} 08:59:59`,
    session_end: `${D2} 09:00:00`,
    duration_seconds: '1',
    events: '2',
    purchase_events: '2',
    orders: '2',
    units_purchased: '2',
    revenue: '24.00',
    purchased: true,
  }),
  // s7: view 05:59:00, purchase 06:00:00: 60 s, 12.00.
  sessionRow({
    session_id: 's7',
    user_id: 'c2',
    customer_key: 'c2#1',
    session_start: `${D2} 05:59:00`,
    session_end: `${D2} 06:00:00`,
    duration_seconds: '60',
    events: '2',
    page_views: '1',
    products_viewed: '1',
    purchase_events: '1',
    orders: '1',
    units_purchased: '1',
    revenue: '12.00',
    has_page_view: true,
    purchased: true,
  }),
  sessionRow({
    session_id: 's8',
    user_id: 'c3',
    customer_key: 'c3#1',
    session_start: `${D2} 08:00:00`,
    purchase_events: '1',
    orders: '1',
    units_purchased: '1',
    revenue: '5.00',
    purchased: true,
  }),
  sessionRow({
    session_id: 's9',
    user_id: 'c4',
    customer_key: 'c4#1',
    session_start: `${D2} 21:00:00`,
    purchase_events: '1',
    orders: '1',
    units_purchased: '1',
    revenue: '25.00',
    purchased: true,
  }),
  // s10: 11:59:59 to 12:30:00 = 30 min 1 s = 1801 s; the key at its start: c1#2; 12 + 25.
  sessionRow({
    session_id: 's10',
    user_id: 'c1',
    customer_key: 'c1#2',
    session_start: `${D3} 11:59:59`,
    session_end: `${D3} 12:30:00`,
    duration_seconds: '1801',
    events: '2',
    purchase_events: '2',
    orders: '2',
    units_purchased: '2',
    revenue: '37.00',
    purchased: true,
    country: 'FR',
  }),
  sessionRow({
    session_id: 's11',
    user_id: 'c4',
    customer_key: 'c4#2',
    session_start: `${D3} 00:00:00`,
    purchase_events: '1',
    orders: '1',
    units_purchased: '1',
    revenue: '5.00',
    purchased: true,
  }),
];

/** Every row of the star's tables, canonical (to compare builds). */
async function starTables(lake: ShopLake): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const t of STAR) out[t] = canonical(await lake.rows(`SELECT * FROM ${t}`));
  return out;
}

describe('Gold star schema on a hand-written shop', () => {
  let lake: ShopLake;

  beforeAll(async () => {
    lake = await ShopLake.open(FIXTURE);
    await lake.build(STAR);
  }, 60_000);

  afterAll(async () => {
    await lake?.close();
  });

  it('Silver kept every event of the fixture (so the expectations below start from all 28)', async () => {
    const [r] = await lake.rows('SELECT count(*) AS n FROM silver_events');
    // e01-e28.
    expect(r).toEqual({ n: '28' });
  });

  it('dim_customer: one row per tracked change, valid_from clamped, the unknown member', async () => {
    expect(await lake.table('dim_customer', 'customer_id, version')).toEqual(EXPECTED_DIM_CUSTOMER);
  });

  it('dim_product: one row per price or category change, the unknown member', async () => {
    expect(await lake.table('dim_product', 'product_id, version')).toEqual(EXPECTED_DIM_PRODUCT);
  });

  it('fact_order_items: one row per purchase, keys of the version valid at the event', async () => {
    expect(await lake.table('fact_order_items', 'order_item_id')).toEqual(EXPECTED_ITEMS);
  });

  it('fact_orders: one row per order, the first line’s attributes, sums over the lines', async () => {
    expect(await lake.table('fact_orders', 'dt, order_id')).toEqual(EXPECTED_ORDERS);
  });

  it('fact_sessions: one row per session and date, funnel counts, flags and first-event attributes', async () => {
    // EXPECTED_SESSIONS is in the order the sessions are told above; the table's order is by
    // date, then start.
    const key = (r: Row) => `${String(r.dt)} ${String(r.session_start)} ${String(r.session_id)}`;
    const expected = [...EXPECTED_SESSIONS].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    expect(await lake.table('fact_sessions', 'dt, session_start, session_id')).toEqual(expected);
  });

  it('counts the rows that fall on unknown members', async () => {
    const [r] = await lake.rows(`
      SELECT
        (SELECT count(*) FROM fact_order_items WHERE customer_key = '-1') AS item_customers,
        (SELECT count(*) FROM fact_order_items WHERE product_key = '-1') AS item_products,
        (SELECT count(*) FROM fact_orders WHERE has_unknown_customer) AS order_customers,
        (SELECT count(*) FROM fact_orders WHERE has_unknown_product) AS order_products,
        (SELECT count(*) FROM fact_sessions WHERE customer_key = '-1') AS session_customers`);
    expect(r).toEqual({
      item_customers: '2', // e14 (c3 before its first snapshot), e16 (u9 not in the CRM)
      item_products: '1', // e16 (p9 not in the ERP)
      order_customers: '2', // o3, o4
      order_products: '1', // o4
      session_customers: '3', // s3 on D1, s4 on D1 and on D2
    });
  });

  it('dim_date: the calendar 2020-01-01 to 2039-12-31 with ISO weekdays and weeks', async () => {
    const [n] = await lake.rows(
      'SELECT count(*) AS n, min(dt) AS first, max(dt) AS last, count(DISTINCT date_key) AS keys FROM dim_date',
    );
    // 20 years of 365 days plus 5 leap days (2020, 2024, 2028, 2032, 2036).
    expect(n).toEqual({ n: '7305', first: '2020-01-01', last: '2039-12-31', keys: '7305' });
    const rows = await lake.rows(`
      SELECT * FROM dim_date
      WHERE date_key IN (20200101, 20200229, 20210101, 20241230, 20261120, 20261122, 20391231)
      ORDER BY date_key`);
    const day = (
      key: number,
      quarter: number,
      monthName: string,
      dow: number,
      dayName: string,
      week: number,
    ): Row => {
      const s = String(key);
      const date = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6)}`;
      return {
        date_key: key,
        date,
        dt: date,
        year: Number(s.slice(0, 4)),
        quarter,
        month: Number(s.slice(4, 6)),
        month_name: monthName,
        day_of_month: Number(s.slice(6)),
        day_of_week: dow,
        day_name: dayName,
        iso_week: week,
        is_weekend: dow >= 6,
      };
    };
    expect(rows).toEqual([
      day(20200101, 1, 'January', 3, 'Wednesday', 1), // ISO week 1 of 2020 starts Mon 2019-12-30
      day(20200229, 1, 'February', 6, 'Saturday', 9), // the leap day; Jan 1 + 59 days
      day(20210101, 1, 'January', 5, 'Friday', 53), // belongs to 2020's week 53
      day(20241230, 4, 'December', 1, 'Monday', 1), // belongs to 2025's week 1
      day(20261120, 4, 'November', 5, 'Friday', 47), // D1
      day(20261122, 4, 'November', 7, 'Sunday', 47), // D3: a Sunday, weekend
      day(20391231, 4, 'December', 6, 'Saturday', 52), // the last day
    ]);
  });

  it('a second build gives the same rows in every table', async () => {
    const first = await starTables(lake);
    await lake.build(STAR);
    expect(await starTables(lake)).toEqual(first);
  });
});

describe('Gold star schema: incremental equals full', () => {
  // Lake A is built once with everything. Lake B is built with D1 and D2 (events and snapshots),
  // then D3 arrives: Silver builds D3, the dimensions are rebuilt whole, and the facts build only
  // D3, which is what the planner does for a lookup input whose snapshot D3 changed. Without the
  // clamp, p2#2 (updated_at D2 20:00, first shown by D3) would reach back into D2: e25 would be
  // p2#2 in A and p2#1 in B.
  let full: ShopLake;
  let incremental: ShopLake;
  const before = (date: string) => (e: ShopEvent) => e.ts.slice(0, 10) < date;

  beforeAll(async () => {
    full = await ShopLake.open(FIXTURE);
    await full.build(STAR);
    incremental = await ShopLake.open({
      events: FIXTURE.events.filter(before(D3)),
      customers: { [D1]: CUSTOMERS[D1]!, [D2]: CUSTOMERS[D2]! },
      products: { [D1]: PRODUCTS[D1]!, [D2]: PRODUCTS[D2]! },
    });
    await incremental.build(STAR);
    writeShopBronze(incremental.root, {
      events: EVENTS_D3,
      customers: { [D3]: CUSTOMERS[D3]! },
      products: { [D3]: PRODUCTS[D3]! },
    });
    await incremental.engine.refresh();
    const partitions: Record<string, string[] | undefined> = {
      silver_event_lines: [D3],
      silver_events: [D3],
      silver_customers: [D3],
      silver_products: [D3],
      dim_customer: undefined,
      dim_product: undefined,
      fact_order_items: [D3],
      fact_orders: [D3],
      fact_sessions: [D3],
    };
    for (const [name, values] of Object.entries(partitions)) {
      await incremental.engine.materialize({
        model: model(name),
        partitions: values,
        buildId: 'd3',
        replace: values === undefined,
      });
    }
  }, 60_000);

  afterAll(async () => {
    await full?.close();
    await incremental?.close();
  });

  it('gives the same dimensions and facts as one full build', async () => {
    expect(await starTables(incremental)).toEqual(await starTables(full));
  });
});

// ---------------------------------------------------------------------------------------------
// Generated data.
// ---------------------------------------------------------------------------------------------

const NO_MESS: MessRates = {
  duplicate: 0,
  malformed_json: 0,
  missing_field: 0,
  wrong_type: 0,
  bad_casing: 0,
  bad_price: 0,
  unknown_product: 0,
  future_timestamp: 0,
  late_arrival: 0,
  invalid_email: 0,
};

/**
 * The generator's lines and reference snapshots written straight as Bronze objects under the
 * keys the delivery stand-in uses (events by UTC date and hour of event time, one object per
 * hour arriving at the hour's last second). The local ingest (kinesalite and the Firehose
 * stand-in) would write the same lines under the same partitions, but costs a CDK synthesis and
 * a stream round trip (~35 s here) that add nothing to what this test checks.
 */
function generatedShop(opts: ReturnType<typeof generatorOptions>): ShopFixture {
  const rawLines: { dt: string; hour: string; arrival: string; line: string }[] = [];
  const gen = createGenerator(opts);
  for (let lines = gen.next(5_000); lines.length > 0; lines = gen.next(5_000)) {
    for (const line of lines) {
      const utc = new Date((JSON.parse(line) as { event_timestamp: string }).event_timestamp)
        .toISOString()
        .slice(0, 19);
      const dt = utc.slice(0, 10);
      const hour = utc.slice(11, 13);
      rawLines.push({ dt, hour, arrival: `${dt} ${hour}:59:59`, line: String(line) });
    }
  }
  return { events: [], rawLines };
}

describe('Gold star schema on generated data without mess', () => {
  const config = loadConfig();
  // A fixed period: Silver judges event times against the objects' arrival, not the clock.
  const opts = generatorOptions(config.generator, {
    events: 12_000,
    seed: 23,
    days: 2,
    end: '2026-11-22T15:00:00Z',
    mess: NO_MESS,
  });
  let lake: ShopLake;

  beforeAll(async () => {
    lake = await ShopLake.open(generatedShop(opts));
    for (const snap of referenceSnapshots(opts)) {
      const file = join(lake.root, referenceKey(snap.kind, snap.snapshotDate));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, snap.body);
    }
    await lake.engine.refresh();
    await lake.build(['fact_orders', 'fact_sessions']);
  }, 60_000);

  afterAll(async () => {
    await lake?.close();
  });

  it('every order line resolves to the product version the shopper saw, and to a customer', async () => {
    const [r] = await lake.rows(`
      SELECT
        count(*) AS lines,
        (SELECT count(*) FROM silver_events WHERE event_type = 'purchase') AS purchases,
        count(*) FILTER (WHERE f.customer_key = '-1' OR f.product_key = '-1') AS unknown,
        count(*) FILTER (WHERE d.price = f.unit_price AND d.category = f.product_category
          AND d.product_name = f.product_name AND d.product_id = f.product_id
          AND d.valid_from <= f.event_ts AND f.event_ts < d.valid_to) AS matching,
        count(*) FILTER (WHERE c.customer_id = f.user_id
          AND c.valid_from <= f.event_ts AND f.event_ts < c.valid_to) AS customers
      FROM fact_order_items AS f
      LEFT JOIN dim_product AS d ON d.product_key = f.product_key
      LEFT JOIN dim_customer AS c ON c.customer_key = f.customer_key`);
    expect(Number(r!.lines)).toBeGreaterThan(100);
    expect(r).toEqual({
      lines: r!.purchases,
      purchases: r!.purchases,
      unknown: '0',
      matching: r!.lines,
      customers: r!.lines,
    });
  });

  it('no session falls on the unknown customer; sessions and orders agree on revenue', async () => {
    const [r] = await lake.rows(`
      SELECT
        (SELECT count(*) FROM fact_sessions WHERE customer_key = '-1') AS unknown_sessions,
        (SELECT count(*) FROM fact_orders WHERE has_unknown_customer OR has_unknown_product)
          AS unknown_orders,
        (SELECT sum(revenue) FROM fact_sessions) AS session_revenue,
        (SELECT sum(revenue) FROM fact_orders) AS order_revenue,
        (SELECT sum(line_revenue) FROM fact_order_items) AS line_revenue`);
    expect(r!.unknown_sessions).toBe('0');
    expect(r!.unknown_orders).toBe('0');
    expect(r!.session_revenue).toBe(r!.line_revenue);
    expect(r!.order_revenue).toBe(r!.line_revenue);
  });

  it('the dimensions hold exactly the generator world’s versions, from the instant each took effect', async () => {
    // Each world version is first shown by the snapshot of the day it took effect (one change
    // per row and day at most, and every change alters a tracked attribute), so it is one
    // dimension version valid from max(its instant, the first date's start): only versions
    // from before the period are clamped, to the first snapshot's date.
    const world = buildWorld(opts);
    const first = world.dayStarts[0]!;
    const ts = (ms: number) => isoSeconds(Math.max(ms, first)).slice(0, 19).replace('T', ' ');
    const expectedProducts = world.products.flatMap((p) =>
      p.versions.map((v, i) => ({
        product_key: `${p.id}#${i + 1}`,
        price: v.priceText,
        category: v.category,
        valid_from: ts(v.from),
        valid_to: i + 1 < p.versions.length ? ts(p.versions[i + 1]!.from) : FAR,
      })),
    );
    const products = await lake.rows(
      `SELECT product_key, price, category, valid_from, valid_to FROM dim_product WHERE version > 0`,
    );
    expect(canonical(products)).toEqual(canonical(expectedProducts));
    const expectedCustomers = world.customers.flatMap((c) =>
      c.versions.map((v, i) => ({
        customer_key: `${c.id}#${i + 1}`,
        email: v.email,
        country: v.country,
        loyalty_tier: v.tier,
        valid_from: ts(v.from),
        valid_to: i + 1 < c.versions.length ? ts(c.versions[i + 1]!.from) : FAR,
      })),
    );
    const customers = await lake.rows(
      `SELECT customer_key, email, country, loyalty_tier, valid_from, valid_to FROM dim_customer WHERE version > 0`,
    );
    expect(customers.length).toBe(expectedCustomers.length);
    expect(canonical(customers)).toEqual(canonical(expectedCustomers));
  });
});
