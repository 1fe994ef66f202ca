/**
 * The simulated shop's reference data (customers, products) and its daily snapshots.
 *
 * `buildWorld` derives, from the seed alone, every customer and product with the history of
 * its versions over the period: each day a few % of customers change email, country or loyalty
 * tier, new customers sign up, and a few % of products change price or category. A version is
 * valid from its `updated_at` (whole seconds) until the next one. The event generator uses the
 * same world, so an event's user exists and its product name, category and price are those of
 * the product version valid at the event's instant.
 *
 * A snapshot dated D holds the state at the end of D (or at the period end, if earlier). No
 * changes happen on the first date, so every version that an event can see is in a snapshot;
 * an unchanged row renders to identical bytes in every snapshot.
 */
import { MessRatesSchema, type GeneratorConfig, type MessRates } from '../config.ts';
import {
  ADJECTIVES,
  BRANDS,
  CATEGORIES,
  COUNTRIES,
  DEVICE_WEIGHTS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  LOYALTY_WEIGHTS,
} from './catalog.ts';
import { Rng, WeightedTable, deriveSeed, hashFloat } from './rng.ts';
import { CUSTOMER_COLUMNS, LOYALTY_TIERS } from './schema.ts';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Sizes of the reference world; defaults scale with the number of events. */
export interface WorldSizes {
  /** Products in the catalogue (fixed over the period). */
  products?: number;
  /** Customers who signed up before the period (more sign up during it). */
  customers?: number;
}

export type WorldOptions = Pick<GeneratorConfig, 'seed' | 'events' | 'days'> & {
  end: string;
  mess?: Partial<MessRates>;
};

export interface CustomerVersion {
  /** Epoch ms (whole seconds): `updated_at` and the start of validity. */
  readonly from: number;
  readonly email: string;
  readonly country: string;
  readonly tier: (typeof LOYALTY_TIERS)[number];
}

export interface WorldCustomer {
  readonly index: number;
  /** `c000123`: also the events' `user_id`. */
  readonly id: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly signupMs: number;
  /** Relative activity (heavy-tailed). */
  readonly weight: number;
  /** Index into `DEVICE_WEIGHTS` of the device this customer mostly uses. */
  readonly device: number;
  readonly versions: CustomerVersion[];
}

export interface ProductVersion {
  readonly from: number;
  readonly name: string;
  readonly category: string;
  /** Two decimals. */
  readonly price: number;
  readonly priceText: string;
  /** `"product_id":…,"product_name":…,"product_category":…,"product_price":…` for events. */
  readonly eventFragment: string;
  /** The same, as latin1 bytes. */
  readonly eventBytes: Uint8Array;
}

export interface WorldProduct {
  readonly index: number;
  /** `p00042`. */
  readonly id: string;
  /** Index into `CATEGORIES` of the category shoppers browse it under (its first one). */
  readonly browseCategory: number;
  /** Relative popularity (Zipf-like). */
  readonly weight: number;
  readonly versions: ProductVersion[];
}

export interface World {
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  /** UTC dates (YYYY-MM-DD) the period touches, one snapshot each. */
  readonly dates: readonly string[];
  /** Epoch ms of 00:00 UTC of each of `dates`. */
  readonly dayStarts: readonly number[];
  /** Ordered by `signupMs` (and so by id). */
  readonly customers: readonly WorldCustomer[];
  readonly products: readonly WorldProduct[];
  /** First numeric id used for product ids that exist in no snapshot. */
  readonly unknownProductBase: number;
}

export function defaultCustomerCount(events: number): number {
  return Math.min(200_000, Math.max(100, Math.round(events / 50)));
}

export function defaultProductCount(events: number): number {
  return Math.min(5_000, Math.max(50, Math.round(Math.sqrt(events))));
}

export function parseEnd(end: string): number {
  const ms = Date.parse(end);
  if (!Number.isFinite(ms)) throw new Error(`invalid end timestamp: ${JSON.stringify(end)}`);
  return ms;
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The version valid at `t` (the first one if `t` precedes them all). */
export function versionAt<V extends { readonly from: number }>(
  versions: readonly V[],
  t: number,
): V {
  for (let i = versions.length - 1; i > 0; i--) {
    const v = versions[i]!;
    if (v.from <= t) return v;
  }
  return versions[0]!;
}

export function productId(n: number): string {
  return 'p' + String(n).padStart(5, '0');
}

export function customerId(n: number): string {
  return 'c' + String(n).padStart(6, '0');
}

const SECOND = 1000;
const floorSec = (ms: number): number => Math.floor(ms / SECOND) * SECOND;
const ceilSec = (ms: number): number => Math.ceil(ms / SECOND) * SECOND;

/** Daily probabilities of a change. */
const CUSTOMER_CHANGE_RATE = 0.02;
const PRODUCT_CHANGE_RATE = 0.03;
/** New customers per day, as a share of the customers before the period. */
const SIGNUP_RATE = 0.012;

function charmPrice(raw: number, rng: Rng): number {
  if (raw < 10) return Math.max(0.5, Math.round(raw * 100) / 100);
  const cents = rng.pick([99, 99, 99, 49, 95, 0]);
  return Math.floor(raw) + cents / 100;
}

function emailLocal(first: string, last: string): string {
  return (first + '.' + last).toLowerCase().replace(/[^a-z.]/g, '');
}

function makeEmail(first: string, last: string, rng: Rng): string {
  const suffix = rng.chance(0.5) ? String(rng.int(100)) : '';
  return emailLocal(first, last) + suffix + '@' + rng.pick(EMAIL_DOMAINS);
}

function makeProductVersion(
  id: string,
  from: number,
  name: string,
  category: string,
  price: number,
): ProductVersion {
  const priceText = price.toFixed(2);
  const eventFragment =
    `"product_id":"${id}","product_name":${JSON.stringify(name)},` +
    `"product_category":${JSON.stringify(category)},"product_price":${priceText}`;
  return {
    from,
    name,
    category,
    price,
    priceText,
    eventFragment,
    eventBytes: Buffer.from(eventFragment, 'latin1'),
  };
}

/** Builds the deterministic reference world of a generator configuration. */
export function buildWorld(opts: WorldOptions, sizes: WorldSizes = {}): World {
  const endMs = parseEnd(opts.end);
  const startMs = endMs - opts.days * DAY_MS;
  const seed = deriveSeed(opts.seed, 'world');
  const rng = new Rng(seed);
  const nProducts = sizes.products ?? defaultProductCount(opts.events);
  const nCustomers = sizes.customers ?? defaultCustomerCount(opts.events);
  if (!(nProducts >= 1 && nCustomers >= 1))
    throw new Error('need at least one product and customer');

  const dayStarts: number[] = [];
  for (let d = Math.floor(startMs / DAY_MS); d <= Math.floor((endMs - 1) / DAY_MS); d++) {
    dayStarts.push(d * DAY_MS);
  }
  const dates = dayStarts.map(isoDate);

  const countries = new WeightedTable(COUNTRIES.map((c) => [c[0], c[1]] as const));
  const tiers = new WeightedTable(LOYALTY_WEIGHTS);
  const devices = new WeightedTable(DEVICE_WEIGHTS.map((d, i) => [i, d[1]] as const));
  const categories = new WeightedTable(CATEGORIES.map((c, i) => [i, c.weight] as const));

  // Products: Zipf-like popularity over a random ranking.
  const ranks = Array.from({ length: nProducts }, (_, i) => i);
  for (let i = nProducts - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
  }
  const products: WorldProduct[] = [];
  for (let i = 0; i < nProducts; i++) {
    const id = productId(i + 1);
    const cat = categories.pick(rng);
    const spec = CATEGORIES[cat]!;
    const name = `${rng.pick(BRANDS)} ${rng.pick(ADJECTIVES)} ${rng.pick(spec.nouns)}`;
    const raw = Math.exp(rng.range(Math.log(spec.minPrice), Math.log(spec.maxPrice)));
    const from = floorSec(startMs - rng.range(DAY_MS, 400 * DAY_MS));
    products.push({
      index: i,
      id,
      browseCategory: cat,
      weight: 1 / Math.pow(ranks[i]! + 1, 0.85),
      versions: [makeProductVersion(id, from, name, spec.name, charmPrice(raw, rng))],
    });
  }

  // Customers before the period, oldest first.
  const customers: WorldCustomer[] = [];
  const addCustomer = (signupMs: number, from: number): void => {
    const firstName = rng.pick(FIRST_NAMES);
    const lastName = rng.pick(LAST_NAMES);
    const pareto = Math.pow(1 - rng.float(), -1 / 1.3);
    customers.push({
      index: customers.length,
      id: customerId(customers.length + 1),
      firstName,
      lastName,
      signupMs,
      weight: Math.min(60, pareto),
      device: devices.pick(rng),
      versions: [
        {
          from,
          email: makeEmail(firstName, lastName, rng),
          country: countries.pick(rng),
          tier: rng.chance(0.8) ? 'bronze' : tiers.pick(rng),
        },
      ],
    });
  };
  const signups = Array.from({ length: nCustomers }, () =>
    floorSec(startMs - rng.range(DAY_MS, 3 * 365 * DAY_MS)),
  ).sort((a, b) => a - b);
  for (const s of signups) {
    addCustomer(s, floorSec(rng.range(s, startMs - SECOND)));
    // Older customers climbed the loyalty ladder.
    const v = customers[customers.length - 1]!.versions[0]!;
    if ((startMs - s) / DAY_MS > 365 && rng.chance(0.4)) {
      customers[customers.length - 1]!.versions[0] = { ...v, tier: tiers.pick(rng) };
    }
  }

  // Day by day: changes to existing rows (not on the first date), then sign-ups.
  for (let d = 0; d < dayStarts.length; d++) {
    const lo = ceilSec(Math.max(dayStarts[d]!, startMs));
    const hi = Math.min(dayStarts[d]! + DAY_MS, endMs);
    if (hi <= lo) continue;
    const at = (): number => floorSec(rng.range(lo, hi));
    if (d > 0) {
      const existing = customers.length;
      for (let i = 0; i < existing; i++) {
        if (!rng.chance(CUSTOMER_CHANGE_RATE)) continue;
        const c = customers[i]!;
        const prev = c.versions[c.versions.length - 1]!;
        const u = rng.float();
        let next: CustomerVersion;
        if (u < 0.3) {
          let email = makeEmail(c.firstName, c.lastName, rng);
          if (email === prev.email) email = emailLocal(c.firstName, c.lastName) + '.new@mail.com';
          next = { ...prev, from: at(), email };
        } else if (u < 0.45) {
          let country = countries.pick(rng);
          if (country === prev.country) country = country === 'US' ? 'CA' : 'US';
          next = { ...prev, from: at(), country };
        } else {
          const ti = LOYALTY_TIERS.indexOf(prev.tier);
          const down = ti === LOYALTY_TIERS.length - 1 || (ti > 0 && rng.chance(0.2));
          next = { ...prev, from: at(), tier: LOYALTY_TIERS[down ? ti - 1 : ti + 1]! };
        }
        c.versions.push(next);
      }
      for (const p of products) {
        if (!rng.chance(PRODUCT_CHANGE_RATE)) continue;
        const prev = p.versions[p.versions.length - 1]!;
        let category = prev.category;
        let price = prev.price;
        if (rng.chance(0.85)) {
          price = charmPrice(prev.price * rng.range(0.8, 1.2), rng);
          if (price === prev.price) price = Math.round((price + 1) * 100) / 100;
        } else {
          const others = CATEGORIES.filter((c) => c.name !== prev.category);
          category = rng.pick(others).name;
        }
        p.versions.push(makeProductVersion(p.id, at(), prev.name, category, price));
      }
    }
    const fraction = (hi - lo) / DAY_MS;
    const n = Math.round(nCustomers * SIGNUP_RATE * fraction * rng.range(0.7, 1.3));
    const times = Array.from({ length: n }, at).sort((a, b) => a - b);
    for (const t of times) addCustomer(t, t);
  }

  return {
    seed,
    startMs,
    endMs,
    dates,
    dayStarts,
    customers,
    products,
    unknownProductBase: Math.max(90_000, nProducts + 1),
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering the snapshots, with the reference-data mess (invalid emails, messy names).

const SALT_EMAIL = 0x1e3a11;
const SALT_EMAIL_KIND = 0x1e3a12;
const SALT_NAME = 0x4a3e;
const SALT_NAME_KIND = 0x4a3f;
const SALT_PRODUCT_NAME = 0x9a3e;

/** Whether customer version `v` of customer `c` is exported with an invalid email. */
export function hasInvalidEmail(world: World, c: number, v: number, rate: number): boolean {
  return rate > 0 && hashFloat(world.seed, c, v, SALT_EMAIL) < rate;
}

/** Customer rows (distinct customer versions) exported with an invalid email. */
export function countInvalidEmails(world: World, rate: number): number {
  let n = 0;
  for (const c of world.customers) {
    for (let v = 0; v < c.versions.length; v++) if (hasInvalidEmail(world, c.index, v, rate)) n++;
  }
  return n;
}

function invalidEmail(email: string, h: number): string {
  const at = email.indexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  switch (Math.floor(h * 4)) {
    case 0:
      return local + '@';
    case 1:
      return local + '.' + domain;
    case 2:
      return local + '@@' + domain;
    default:
      return local.replace('.', ' ') + '@' + domain;
  }
}

function csvField(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export interface ReferenceSnapshot {
  kind: 'customers' | 'products';
  /** YYYY-MM-DD. */
  snapshotDate: string;
  /** CSV with header `CUSTOMER_COLUMNS` for customers; JSON lines for products. */
  body: string;
  rows: number;
  /** Rows whose email is deliberately invalid (always 0 for products). */
  invalidEmails: number;
  /** Rows with deliberately messy names (ALL CAPS or padded with whitespace). */
  messyRows: number;
}

function renderCustomer(
  world: World,
  c: WorldCustomer,
  vi: number,
  mess: MessRates,
): { row: string; invalid: boolean; messy: boolean } {
  const v = c.versions[vi]!;
  const invalid = hasInvalidEmail(world, c.index, vi, mess.invalid_email);
  const email = invalid
    ? invalidEmail(v.email, hashFloat(world.seed, c.index, vi, SALT_EMAIL_KIND))
    : v.email;
  let first: string = c.firstName;
  let last: string = c.lastName;
  const messy =
    mess.bad_casing > 0 && hashFloat(world.seed, c.index, vi, SALT_NAME) < mess.bad_casing;
  if (messy) {
    const k = Math.floor(hashFloat(world.seed, c.index, vi, SALT_NAME_KIND) * 3);
    if (k === 0) {
      first = first.toUpperCase();
      last = last.toUpperCase();
    } else if (k === 1) first = '  ' + first;
    else last = last + ' ';
  }
  const row = [
    c.id,
    csvField(first),
    csvField(last),
    csvField(email),
    v.country,
    isoDate(c.signupMs),
    v.tier,
    isoSeconds(v.from),
  ].join(',');
  return { row, invalid, messy };
}

function renderProduct(
  world: World,
  p: WorldProduct,
  vi: number,
  mess: MessRates,
): { row: string; messy: boolean } {
  const v = p.versions[vi]!;
  const messy =
    mess.bad_casing > 0 && hashFloat(world.seed, p.index, vi, SALT_PRODUCT_NAME) < mess.bad_casing;
  const name = messy ? ` ${v.name}  ` : v.name;
  const row =
    `{"product_id":"${p.id}","product_name":${JSON.stringify(name)},` +
    `"category":${JSON.stringify(v.category)},"price":${v.priceText},` +
    `"updated_at":"${isoSeconds(v.from)}"}`;
  return { row, messy };
}

function versionIndexAt(versions: readonly { readonly from: number }[], t: number): number {
  for (let i = versions.length - 1; i > 0; i--) if (versions[i]!.from <= t) return i;
  return 0;
}

/**
 * Snapshots one at a time, in date order (customers then products for each date), so a long
 * period need not be held in memory.
 */
export function* iterateReferenceSnapshots(
  opts: WorldOptions,
  sizes: WorldSizes = {},
): Generator<ReferenceSnapshot> {
  const world = buildWorld(opts, sizes);
  const mess = MessRatesSchema.parse(opts.mess ?? {});
  const customerRows = new Map<CustomerVersion, ReturnType<typeof renderCustomer>>();
  const productRows = new Map<ProductVersion, ReturnType<typeof renderProduct>>();
  const header = CUSTOMER_COLUMNS.join(',');
  for (let d = 0; d < world.dates.length; d++) {
    const snapshotDate = world.dates[d]!;
    const t = Math.min(world.dayStarts[d]! + DAY_MS, world.endMs) - 1;
    const lines: string[] = [header];
    let invalidEmails = 0;
    let messy = 0;
    for (const c of world.customers) {
      if (c.signupMs > t) break; // ordered by sign-up
      const vi = versionIndexAt(c.versions, t);
      const v = c.versions[vi]!;
      let r = customerRows.get(v);
      if (!r) customerRows.set(v, (r = renderCustomer(world, c, vi, mess)));
      lines.push(r.row);
      if (r.invalid) invalidEmails++;
      if (r.messy) messy++;
    }
    yield {
      kind: 'customers',
      snapshotDate,
      body: lines.join('\n') + '\n',
      rows: lines.length - 1,
      invalidEmails,
      messyRows: messy,
    };
    const plines: string[] = [];
    messy = 0;
    for (const p of world.products) {
      const vi = versionIndexAt(p.versions, t);
      const v = p.versions[vi]!;
      let r = productRows.get(v);
      if (!r) productRows.set(v, (r = renderProduct(world, p, vi, mess)));
      plines.push(r.row);
      if (r.messy) messy++;
    }
    yield {
      kind: 'products',
      snapshotDate,
      body: plines.join('\n') + '\n',
      rows: plines.length,
      invalidEmails: 0,
      messyRows: messy,
    };
  }
}

/** Every snapshot of the period: for each UTC date, customers then products. */
export function referenceSnapshots(
  opts: WorldOptions,
  sizes: WorldSizes = {},
): ReferenceSnapshot[] {
  return [...iterateReferenceSnapshots(opts, sizes)];
}
