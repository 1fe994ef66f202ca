/**
 * Deterministic, streaming clickstream generator.
 *
 * Traffic: the period (`days` ending at `end`) is cut into one-minute windows weighted by a
 * daily curve (quiet nights, evening peak, busier weekends, some day-to-day noise); the windows
 * share `opts.events` in proportion. A window is filled with sessions that start in it: a
 * heavy-tailed choice of customer (signed up by then), a device, country, traffic source,
 * campaign and timestamp offset that stick for the session, and a funnel: page views, ~30% of
 * viewed products added to the cart, a few removed, and about half of the sessions with a cart
 * end in an order whose items are purchase events sharing `order_id` and `payment_method`.
 *
 * Arrival order: every line gets an arrival instant (event time plus up to 2 s of transport;
 * late arrivals 30 min to `lateMaxHours` later, but not after `end`; duplicates 1 s to 2 min
 * after the original) and waits, as bytes, in the bucket of its arrival minute until no session
 * still to be generated can arrive before it. Memory is bounded by the lines of the sessions in
 * progress plus the late and duplicate ones in flight.
 *
 * Mess comes from its own random stream, so the underlying events do not depend on the mess
 * rates. A line carries at most one defect; a duplicate repeats a line byte for byte, defect
 * included.
 */
import { MessRatesSchema, type GeneratorConfig, type MessRates } from '../config.ts';
import {
  CAMPAIGNS,
  CATEGORIES,
  COUNTRIES,
  DEVICE_WEIGHTS,
  HOURLY_TRAFFIC,
  NUMBER_WORDS,
  PAYMENT_WEIGHTS,
  QUANTITY_WEIGHTS,
  TRAFFIC_WEIGHTS,
} from './catalog.ts';
import {
  buildWorld,
  countInvalidEmails,
  parseEnd,
  productId,
  type CustomerVersion,
  type ProductVersion,
  type World,
  type WorldProduct,
  type WorldSizes,
} from './reference.ts';
import { Rng, WeightedTable, deriveSeed, hashFloat, searchCumulative } from './rng.ts';
import { EVENT_TYPES, REQUIRED_EVENT_FIELDS, type EventType } from './schema.ts';

export type MessKind = keyof MessRates;

export interface GeneratorCounts {
  /** Every line produced (clean + messy + duplicates). */
  emitted: number;
  /** Lines valid against `ClickstreamEventSchema` that are not duplicates. */
  clean: number;
  /** Extra byte-identical copies of earlier lines (also in `mess.duplicate`). */
  duplicates: number;
  /**
   * `duplicates` split by the defect of the line copied (`none` for lines without one), so that
   * a consumer can tell how many copies of, say, malformed lines to expect.
   */
  duplicatesOf: Record<'none' | LineDefect, number>;
  /**
   * Lines per injected defect. `invalid_email` counts customer rows (distinct customer versions)
   * of the reference snapshots; `unknown_product`, `future_timestamp` and `late_arrival` lines
   * are schema-valid events, counted in `clean` too.
   */
  mess: Record<MessKind, number>;
  /** Distinct events (before duplication) by their true type. */
  byType: Record<EventType, number>;
  orders: number;
  sessions: number;
  users: number;
  /** True event times (ISO UTC) of the earliest and the latest event; '' before the first. */
  firstEventTime: string;
  lastEventTime: string;
}

export interface EventGenerator {
  /**
   * Next lines in ARRIVAL order (late events come after later ones), at most `max`; empty array
   * when done. Lines are slices of larger strings (up to 64 KiB): fine to write or parse; to
   * keep a few lines for long, copy them (e.g. `Buffer.from(line).toString()`).
   */
  next(max: number): string[];
  /**
   * Running totals (a fresh object per read): line counts cover the lines handed out so far;
   * `sessions`, `users`, `orders` and the event times cover what has been generated. Final once
   * `next()` returned `[]`.
   */
  readonly counts: GeneratorCounts;
  readonly done: boolean;
}

/** `GeneratorConfig` with `end` required; `mess` may be partial (defaults fill the rest). */
export type GeneratorOptions = Omit<GeneratorConfig, 'end' | 'mess' | 'lateMaxHours'> & {
  end: string;
  mess?: Partial<MessRates>;
  lateMaxHours?: number;
};

export const MESS_KINDS = Object.keys(MessRatesSchema.shape) as MessKind[];

/** Line defects, in the order their rates are stacked; index + 1 is the defect code. */
const LINE_DEFECTS = [
  'malformed_json',
  'missing_field',
  'wrong_type',
  'bad_casing',
  'bad_price',
  'unknown_product',
  'future_timestamp',
  'late_arrival',
] as const satisfies readonly MessKind[];
export type LineDefect = (typeof LINE_DEFECTS)[number];
const D_MALFORMED = 1;
const D_MISSING = 2;
const D_WRONG_TYPE = 3;
const D_CASING = 4;
const D_PRICE = 5;
const D_UNKNOWN = 6;
const D_FUTURE = 7;
const D_LATE = 8;
/** By defect code: whether the line still passes `ClickstreamEventSchema`. */
const STILL_VALID: readonly boolean[] = [true, false, false, false, false, false, true, true, true];
const DUP_FLAG = 64;

const T_VIEW = 0;
const T_ADD = 1;
const T_REMOVE = 2;
const T_PURCHASE = 3;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Arrival buckets and traffic windows are both one minute. */
const BUCKET_MS = MINUTE_MS;
/** Lines per bucket stay below this (a million per minute). */
const INDEX_SPAN = 1 << 20;
/** Room reserved for one line in a bucket (clean lines are ~450 bytes, messy ones a bit more). */
const LINE_ROOM = 1024;
/**
 * Buckets store lines in chunks: large ones near the present, small ones for the few late and
 * duplicate lines that land far ahead. Chunks are recycled, and stay under V8's large-object
 * size (128 KiB), so the strings made from them live and die in the young generation.
 */
const BIG_CHUNK = 64 * 1024;
const SMALL_CHUNK = 4 * 1024;
/** Buckets less than this many minutes ahead get big chunks. */
const NEAR_MINUTES = 30;
const MAX_FREE_BIG = 256;
const MAX_FREE_SMALL = 4096;
/** Session fragments are copied whole from scratch arrays of this size (see `emit`). */
const FRAGMENT_BYTES = 256;
/** Transport delay of an on-time line: [0, 2 s). */
const JITTER_MS = 2_000;
/** Duplicate copies arrive 1 s to 2 min after the original. */
const DUP_MIN_MS = 1_000;
const DUP_SPAN_MS = 119_000;
/** A late arrival is at least this late (or half of `lateMaxHours`, if that is shorter). */
const LATE_MIN_MS = 30 * MINUTE_MS;
/** Future timestamps: 25 h to 15 days after `end`. */
const FUTURE_MIN_MS = DAY_MS + HOUR_MS;
const FUTURE_SPAN_MS = 14 * DAY_MS;
/** Share of sessions whose timestamps carry the country's UTC offset instead of `Z`. */
const LOCAL_OFFSET_SHARE = 0.2;
/** Share of sessions from another country than the customer's (travel, VPN). */
const TRAVEL_SHARE = 0.04;
const PREFERRED_DEVICE_SHARE = 0.75;
const CAMPAIGN_SHARE = 0.9;
const ADD_TO_CART_RATE = 0.3;
const REMOVE_RATE = 0.06;
const CHECKOUT_RATE = 0.5;
const PRIMARY_CATEGORY_SHARE = 0.65;
const MEAN_EXTRA_VIEWS = 4.2;
const MAX_VIEWS = 40;
/** Gaps between events stay well under the 30-minute idle timeout of a session. */
const MIN_GAP_MS = 3_000;
const MAX_GAP_MS = 20 * MINUTE_MS;

// Hot-path copies of imported values: bundlers may turn every access to an import into a
// property read (or a getter call) on the module object.
const TYPE_NAMES: readonly EventType[] = [...EVENT_TYPES];
const PAYMENT_NAMES: readonly string[] = PAYMENT_WEIGHTS.map((w) => w[0]);
const DEVICE_NAMES: readonly string[] = DEVICE_WEIGHTS.map((w) => w[0]);
const HOURLY: readonly number[] = [...HOURLY_TRAFFIC];
const CAMPAIGNS_BY_SOURCE = new Map(Object.entries(CAMPAIGNS));
const COUNTRY_OFFSET = new Map<string, number>(COUNTRIES.map((c) => [c[0], c[2]]));

const latin1 = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const QUOTE = 34;
const COLON = 58;
const DOT = 46;
const DASH = 45;
const DIGIT_0 = 48;
const HEX_CODES = latin1('0123456789abcdef');
const C_START = latin1('{"event_id":"');
const C_TYPE = TYPE_NAMES.map((t) =>
  latin1(`","schema_version":1,"event_type":"${t}","event_timestamp":"`),
);
const C_USER = latin1('","user_id":"');
const C_SESSION = latin1('","session_id":"s-');
const C_MID_END = latin1('",');
/** By quantity (0: null): the fields between the product and the session attributes. */
const C_NO_ORDER = [0, 1, 2, 3].map((q) => latin1(`,"quantity":${q || 'null'},"order_id":null`));
const C_ORDER = [0, 1, 2, 3].map((q) => latin1(`,"quantity":${q},"order_id":"`));
const C_NULL_END = latin1('null}');
const C_PAYMENT_END = PAYMENT_NAMES.map((m) => latin1(`"${m}"}`));

/** Node's latin1 decoder without `toString`'s argument handling (in Buffer since Node 0.x). */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number): number;
}
const allocBytes = (n: number): Latin1Buffer => Buffer.allocUnsafe(n) as Latin1Buffer;

/** Copies `src` into `buf` at `p`; returns the new position. */
function put(buf: Uint8Array, p: number, src: Uint8Array): number {
  const n = src.length;
  if (n > 16) buf.set(src, p);
  else for (let i = 0; i < n; i++) buf[p + i] = src[i]!;
  return p + n;
}

/** Writes an ASCII string; returns the new position. */
function ascii(buf: Latin1Buffer, p: number, s: string): number {
  return p + buf.latin1Write(s, p);
}

/** Writes a short ASCII string (a native call costs more than a few characters). */
function asciiShort(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
  return p;
}

const hex32 = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');

function hexInto(buf: Uint8Array, p: number, x: number, digits: number): number {
  for (let s = (digits - 1) * 4; s >= 0; s -= 4) buf[p++] = HEX_CODES[(x >>> s) & 15]!;
  return p;
}

/** Same layout as `Rng.uuid()`: 36 characters, version 4, variant 10xx. */
function writeUuid(buf: Uint8Array, p: number, a: number, b: number, c: number, d: number): number {
  p = hexInto(buf, p, a, 8);
  buf[p++] = DASH;
  p = hexInto(buf, p, b >>> 16, 4);
  buf[p++] = DASH;
  buf[p++] = DIGIT_0 + 4;
  p = hexInto(buf, p, b & 0xfff, 3);
  buf[p++] = DASH;
  p = hexInto(buf, p, ((8 | ((c >>> 28) & 3)) << 12) | ((c >>> 16) & 0xfff), 4);
  buf[p++] = DASH;
  p = hexInto(buf, p, c & 0xffff, 4);
  return hexInto(buf, p, d, 8);
}

/** The product version valid at `t` (monomorphic twin of `versionAt` in reference.ts). */
function productAt(versions: readonly ProductVersion[], t: number): ProductVersion {
  for (let i = versions.length - 1; i > 0; i--) if (versions[i]!.from <= t) return versions[i]!;
  return versions[0]!;
}

function customerAt(versions: readonly CustomerVersion[], t: number): CustomerVersion {
  for (let i = versions.length - 1; i > 0; i--) if (versions[i]!.from <= t) return versions[i]!;
  return versions[0]!;
}

const OFFSET_BYTES = new Map<number, Uint8Array>();
function offsetBytes(min: number): Uint8Array {
  let bytes = OFFSET_BYTES.get(min);
  if (bytes === undefined) OFFSET_BYTES.set(min, (bytes = latin1(offsetText(min))));
  return bytes;
}

const OFFSET_TEXT = new Map<number, string>();
function offsetText(min: number): string {
  let text = OFFSET_TEXT.get(min);
  if (text === undefined) OFFSET_TEXT.set(min, (text = formatOffset(min)));
  return text;
}

function formatOffset(min: number): string {
  if (min === 0) return 'Z';
  const a = Math.abs(min);
  const two = (n: number): string => String(n).padStart(2, '0');
  return (min < 0 ? '-' : '+') + two(Math.floor(a / 60)) + ':' + two(a % 60);
}

/** `" Purchase "`, `"MOBILE"`, `"Organic "`: valid again after trim and lowercase. */
function badCase(value: string, h: number): string {
  switch (Math.floor(h * 4)) {
    case 0:
      return value.toUpperCase();
    case 1:
      return (
        ' ' + value.replace(/(^|_)([a-z])/g, (_, s: string, c: string) => s + c.toUpperCase()) + ' '
      );
    case 2:
      return value[0]!.toUpperCase() + value.slice(1) + ' ';
    default:
      return '  ' + value;
  }
}

/**
 * Lines arriving within one minute, kept as bytes (off the JS heap) until released. Line `i`
 * is bytes `off[i]` to `end[i]` of `chunks[chunk[i]]`; new lines go to the last chunk, at `used`.
 */
interface Bucket {
  chunks: Latin1Buffer[];
  /** Bytes used in each chunk. */
  filled: number[];
  used: number;
  chunk: number[];
  off: number[];
  end: number[];
  at: number[];
  codes: number[];
}

class Generator implements EventGenerator {
  private readonly world: World;
  private readonly products: readonly WorldProduct[];
  private readonly rng: Rng;
  private readonly messRng: Rng;
  private readonly seed: number;
  private readonly startMs: number;
  private readonly endMs: number;
  private readonly target: number;

  // Windows.
  private totalWeight = 0;
  private doneWeight = 0;
  private winStart: number;
  private produced = 0;

  // Lookup tables.
  private readonly signupMs: Float64Array;
  private readonly customerCum: Float64Array;
  private readonly productCum: Float64Array;
  private readonly catProducts: number[][];
  private readonly catCum: Float64Array[];
  private readonly categories: WeightedTable<number>;
  private readonly devices = new WeightedTable(DEVICE_WEIGHTS.map((d, i) => [i, d[1]] as const));
  private readonly sources = new WeightedTable(TRAFFIC_WEIGHTS);
  private readonly payments = new WeightedTable(PAYMENT_WEIGHTS.map((w, i) => [i, w[1]] as const));
  private readonly countries = new WeightedTable(COUNTRIES.map((c) => [c[0], c[1]] as const));
  private readonly quantities = new WeightedTable(QUANTITY_WEIGHTS);
  private readonly dayPrefixBytes = new Map<number, Uint8Array>();

  // Mess.
  private readonly messOn: boolean;
  private readonly defectCum: Float64Array;
  private readonly dupRate: number;
  private readonly lateMaxMs: number;
  private readonly lateMinMs: number;

  // Session context (fields rather than an object: no allocation per session).
  private sUser = '';
  /** The session id is `s-` and these two as hex. */
  private sIdA = 0;
  private sIdB = 0;
  private sDevice = '';
  private sCountry = '';
  private sSource = '';
  private sCampaign = '';
  private sOffsetMin = 0;
  private sOffset = 'Z';
  private sCategory = 0;
  /** `<offset>","user_id":"…","session_id":"…",` */
  private readonly sMid = allocBytes(FRAGMENT_BYTES);
  private sMidLen = 0;
  /** `,"device_type":…,"campaign_id":…,"payment_method":` */
  private readonly sAttrs = allocBytes(FRAGMENT_BYTES);
  private sAttrsLen = 0;
  /** `,"quantity":q,"order_id":null<sAttrs>null}` by quantity (0 = null), built on first use. */
  private readonly sTail = [0, 1, 2, 3].map(() => allocBytes(FRAGMENT_BYTES));
  private readonly sTailLen = new Int32Array(4);

  // Arrival buckets and output.
  private readonly buckets = new Map<number, Bucket>();
  private cursor: number;
  private lastKey = -1;
  private lastBucket: Bucket | undefined;
  private readonly freeBig: Latin1Buffer[] = [];
  private readonly freeSmall: Latin1Buffer[] = [];
  /**
   * Released lines not handed out yet, in order: characters `outStart[i]` to `outEnd[i]` of
   * `outText[i]`, the text of the chunk that holds the line, with their codes (counted when
   * handed out). One string per chunk is copied out of the bytes, and lines are slices of it:
   * cheap to make and nearly free for the garbage collector.
   */
  private outText: string[] = [];
  private outStart: number[] = [];
  private outEnd: number[] = [];
  private outCodes: number[] = [];
  private outHead = 0;
  private finished = false;

  // Counts (by code while generating; `counts` names them).
  private readonly defectCounts = new Array<number>(LINE_DEFECTS.length + 1).fill(0);
  private readonly dupDefectCounts = new Array<number>(LINE_DEFECTS.length + 1).fill(0);
  private readonly typeCounts = [0, 0, 0, 0];
  private emitted = 0;
  private clean = 0;
  private duplicates = 0;
  private orders = 0;
  private sessions = 0;
  private users = 0;
  private readonly invalidEmails: number;
  private readonly seenUser: Uint8Array;
  private firstMs = Infinity;
  private lastMs = -Infinity;

  constructor(opts: GeneratorOptions, sizes: WorldSizes) {
    if (!Number.isSafeInteger(opts.events) || opts.events < 1) {
      throw new Error(`events must be a positive integer, got ${opts.events}`);
    }
    if (!Number.isInteger(opts.days) || opts.days < 1) {
      throw new Error(`days must be a positive integer, got ${opts.days}`);
    }
    const mess = MessRatesSchema.parse(opts.mess ?? {});
    const lateMaxHours = opts.lateMaxHours ?? 48;
    if (!(lateMaxHours > 0)) throw new Error(`lateMaxHours must be positive, got ${lateMaxHours}`);
    this.endMs = parseEnd(opts.end);
    this.startMs = this.endMs - opts.days * DAY_MS;
    this.target = opts.events;
    this.seed = opts.seed;
    this.world = buildWorld(opts, sizes);
    this.products = this.world.products;
    this.rng = new Rng(deriveSeed(opts.seed, 'events'));
    this.messRng = new Rng(deriveSeed(opts.seed, 'mess'));
    this.cursor = Math.floor(this.startMs / BUCKET_MS);
    this.winStart = this.startMs;
    for (let t = this.startMs; t < this.endMs; t = this.windowEnd(t)) {
      this.totalWeight += this.windowWeight(t);
    }

    // Customers: active once signed up (ordered by sign-up), heavy-tailed activity.
    const customers = this.world.customers;
    this.signupMs = Float64Array.from(customers, (c) => c.signupMs);
    this.customerCum = new Float64Array(customers.length);
    let acc = 0;
    customers.forEach((c, i) => (this.customerCum[i] = acc += c.weight));
    this.seenUser = new Uint8Array(customers.length);

    // Products: popularity overall and within the category they are browsed under.
    const products = this.world.products;
    this.productCum = new Float64Array(products.length);
    acc = 0;
    products.forEach((p, i) => (this.productCum[i] = acc += p.weight));
    this.catProducts = CATEGORIES.map(() => []);
    for (const p of products) this.catProducts[p.browseCategory]!.push(p.index);
    this.catCum = this.catProducts.map((list) => {
      const cum = new Float64Array(list.length);
      let a = 0;
      list.forEach((pi, i) => (cum[i] = a += products[pi]!.weight));
      return cum;
    });
    this.categories = new WeightedTable(
      CATEGORIES.map((c, i) => [i, this.catProducts[i]!.length ? c.weight : 0] as const),
    );

    // Mess thresholds, stacked in LINE_DEFECTS order.
    this.defectCum = new Float64Array(LINE_DEFECTS.length);
    acc = 0;
    LINE_DEFECTS.forEach((k, i) => (this.defectCum[i] = acc += mess[k]));
    if (acc > 1) throw new Error(`mess rates of line defects add up to ${acc} (more than 1)`);
    this.dupRate = mess.duplicate;
    this.messOn = acc > 0 || this.dupRate > 0;
    this.lateMaxMs = lateMaxHours * HOUR_MS;
    this.lateMinMs = Math.min(LATE_MIN_MS, this.lateMaxMs / 2);

    this.invalidEmails = countInvalidEmails(this.world, mess.invalid_email);
  }

  get done(): boolean {
    return this.finished && this.outHead >= this.outCodes.length;
  }

  get counts(): GeneratorCounts {
    const mess = Object.fromEntries(MESS_KINDS.map((k) => [k, 0])) as Record<MessKind, number>;
    LINE_DEFECTS.forEach((k, i) => (mess[k] = this.defectCounts[i + 1]!));
    mess.duplicate = this.duplicates;
    mess.invalid_email = this.invalidEmails;
    const byType = Object.fromEntries(TYPE_NAMES.map((t, i) => [t, this.typeCounts[i]!]));
    return {
      emitted: this.emitted,
      clean: this.clean,
      duplicates: this.duplicates,
      duplicatesOf: Object.fromEntries(
        ['none', ...LINE_DEFECTS].map((k, i) => [k, this.dupDefectCounts[i]!]),
      ) as Record<'none' | LineDefect, number>,
      mess,
      byType: byType as Record<EventType, number>,
      orders: this.orders,
      sessions: this.sessions,
      users: this.users,
      firstEventTime: this.firstMs === Infinity ? '' : new Date(this.firstMs).toISOString(),
      lastEventTime: this.lastMs === -Infinity ? '' : new Date(this.lastMs).toISOString(),
    };
  }

  next(max: number): string[] {
    const n = Math.max(0, Math.floor(max));
    while (this.outCodes.length - this.outHead < n && !this.finished) this.step();
    const head = this.outHead;
    const end = Math.min(this.outCodes.length, head + n);
    const lines = new Array<string>(end - head);
    const { outText, outStart, outEnd } = this;
    for (let i = head; i < end; i++) lines[i - head] = outText[i]!.slice(outStart[i]!, outEnd[i]!);
    const codes = this.outCodes;
    const defects = this.defectCounts;
    const types = this.typeCounts;
    for (let i = head; i < end; i++) {
      const code = codes[i]!;
      if (code & DUP_FLAG) {
        this.duplicates++;
        this.dupDefectCounts[code & 15]!++;
        continue;
      }
      const defect = code & 15;
      defects[defect]!++;
      if (STILL_VALID[defect]) this.clean++;
      types[code >> 4]!++;
    }
    this.emitted += lines.length;
    this.outHead = end;
    if (this.outHead >= 4096 && this.outHead * 2 >= this.outCodes.length) {
      this.outText = this.outText.slice(this.outHead);
      this.outStart = this.outStart.slice(this.outHead);
      this.outEnd = this.outEnd.slice(this.outHead);
      this.outCodes = this.outCodes.slice(this.outHead);
      this.outHead = 0;
    }
    return lines;
  }

  // --- windows and release --------------------------------------------------------------------

  private windowEnd(t: number): number {
    return Math.min((Math.floor(t / MINUTE_MS) + 1) * MINUTE_MS, this.endMs);
  }

  /** Traffic share of the window starting at `t`: daily curve, weekends, day-to-day noise. */
  private windowWeight(t: number): number {
    const day = Math.floor(t / DAY_MS);
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    const dayFactor =
      (weekday === 0 || weekday === 6 ? 1.12 : 1) *
      (0.92 + 0.16 * hashFloat(this.seed, day, 0, 0xda7));
    const hour = Math.floor((t - day * DAY_MS) / HOUR_MS);
    return HOURLY[hour]! * dayFactor * ((this.windowEnd(t) - t) / HOUR_MS);
  }

  /** Generates the sessions of the next window and releases what arrives before its end. */
  private step(): void {
    if (this.winStart < this.endMs) {
      const ws = this.winStart;
      const we = this.windowEnd(ws);
      this.doneWeight += this.windowWeight(ws);
      const last = we >= this.endMs;
      const target = last
        ? this.target
        : Math.min(this.target, Math.round((this.target * this.doneWeight) / this.totalWeight));
      const span = we - ws;
      while (this.produced < target) {
        const start = ws + Math.floor(this.rng.float() * span);
        this.produced += this.session(start, last ? this.target - this.produced : Infinity);
      }
      this.release(we);
      this.winStart = we;
    } else {
      // Lines arriving after `end` (duplicates, transport delay) come last.
      const keys = [...this.buckets.keys()].sort((a, b) => a - b);
      for (const k of keys) this.releaseBucket(k);
      this.finished = true;
    }
  }

  /** Emits, in arrival order, every buffered line that arrives before `upTo`. */
  private release(upTo: number): void {
    for (; (this.cursor + 1) * BUCKET_MS <= upTo; this.cursor++) {
      if (this.buckets.has(this.cursor)) this.releaseBucket(this.cursor);
    }
  }

  private releaseBucket(key: number): void {
    const b = this.buckets.get(key)!;
    this.buckets.delete(key);
    if (this.lastKey === key) {
      this.lastKey = -1;
      this.lastBucket = undefined;
    }
    const n = b.off.length;
    const base = key * BUCKET_MS;
    // Sort by arrival, ties in insertion order: pack (ms in the minute, index) in one number.
    const order = new Float64Array(n);
    for (let i = 0; i < n; i++) order[i] = (b.at[i]! - base) * INDEX_SPAN + i;
    order.sort();
    // One string per chunk; a line is a slice of its chunk's string.
    const texts = b.chunks.map((c, i) =>
      c.latin1Slice(0, i === b.chunks.length - 1 ? b.used : b.filled[i]!),
    );
    const { outText, outStart, outEnd, outCodes } = this;
    for (let j = 0; j < n; j++) {
      const k = order[j]!;
      const i = k - Math.floor(k * (1 / INDEX_SPAN)) * INDEX_SPAN;
      outText.push(texts[b.chunk[i]!]!);
      outStart.push(b.off[i]!);
      outEnd.push(b.end[i]!);
      outCodes.push(b.codes[i]!);
    }
    for (const c of b.chunks) {
      if (c.length === BIG_CHUNK) {
        if (this.freeBig.length < MAX_FREE_BIG) this.freeBig.push(c);
      } else if (this.freeSmall.length < MAX_FREE_SMALL) this.freeSmall.push(c);
    }
  }

  private newChunk(near: boolean): Latin1Buffer {
    return (
      (near ? this.freeBig.pop() : this.freeSmall.pop()) ??
      allocBytes(near ? BIG_CHUNK : SMALL_CHUNK)
    );
  }

  /** The bucket of arrival instant `at`, with room for a line (`LINE_ROOM`) in its last chunk. */
  private bucketFor(at: number): Bucket {
    const key = Math.floor(at / BUCKET_MS);
    let b = this.lastKey === key ? this.lastBucket : this.buckets.get(key);
    if (!b) {
      const chunk = this.newChunk(key - this.cursor < NEAR_MINUTES);
      b = { chunks: [chunk], filled: [0], used: 0, chunk: [], off: [], end: [], at: [], codes: [] };
      this.buckets.set(key, b);
    }
    this.lastKey = key;
    this.lastBucket = b;
    if (b.used + LINE_ROOM > b.chunks[b.chunks.length - 1]!.length) {
      b.filled[b.chunks.length - 1] = b.used;
      b.chunks.push(this.newChunk(key - this.cursor < NEAR_MINUTES));
      b.filled.push(0);
      b.used = 0;
    }
    return b;
  }

  // --- sessions ---------------------------------------------------------------------------------

  private pickProduct(): number {
    const r = this.rng;
    const list = this.catProducts[this.sCategory]!;
    if (list.length && r.float() < PRIMARY_CATEGORY_SHARE) {
      const cum = this.catCum[this.sCategory]!;
      return list[searchCumulative(cum, cum.length, r.float() * cum[cum.length - 1]!)]!;
    }
    const cum = this.productCum;
    return searchCumulative(cum, cum.length, r.float() * cum[cum.length - 1]!);
  }

  private gap(mean: number): number {
    return Math.min(MAX_GAP_MS, MIN_GAP_MS + Math.floor(this.rng.exp(mean)));
  }

  /** One session starting at `start`; returns its number of events (at most `limit`). */
  private session(start: number, limit: number): number {
    const r = this.rng;
    const end = this.endMs;

    // Who: a customer signed up by `start`, weighted by activity.
    const signups = this.signupMs;
    let active = searchCumulative(signups, signups.length, start);
    if (signups[active]! <= start) active = signups.length;
    const ci = searchCumulative(
      this.customerCum,
      active,
      r.float() * this.customerCum[active - 1]!,
    );
    const customer = this.world.customers[ci]!;
    const cv = customerAt(customer.versions, start);

    // Sticky session attributes.
    this.sUser = customer.id;
    this.sIdA = r.u32();
    this.sIdB = r.u32();
    this.sCountry = r.float() < TRAVEL_SHARE ? this.countries.pick(r) : cv.country;
    this.sDevice =
      DEVICE_NAMES[r.float() < PREFERRED_DEVICE_SHARE ? customer.device : this.devices.pick(r)]!;
    this.sSource = this.sources.pick(r);
    const campaigns = CAMPAIGNS_BY_SOURCE.get(this.sSource);
    this.sCampaign = campaigns && r.float() < CAMPAIGN_SHARE ? r.pick(campaigns) : '';
    this.sOffsetMin = r.float() < LOCAL_OFFSET_SHARE ? (COUNTRY_OFFSET.get(this.sCountry) ?? 0) : 0;
    this.sOffset = offsetText(this.sOffsetMin);
    this.sCategory = this.categories.pick(r);
    const mid = this.sMid;
    let p = put(mid, 0, offsetBytes(this.sOffsetMin));
    p = put(mid, p, C_USER);
    p = asciiShort(mid, p, this.sUser);
    p = put(mid, p, C_SESSION);
    p = hexInto(mid, p, this.sIdA, 8);
    p = hexInto(mid, p, this.sIdB, 8);
    this.sMidLen = put(mid, p, C_MID_END);
    this.sAttrsLen = this.sAttrs.latin1Write(
      `,"device_type":"${this.sDevice}","country":"${this.sCountry}",` +
        `"traffic_source":"${this.sSource}","campaign_id":` +
        (this.sCampaign ? `"${this.sCampaign}"` : 'null') +
        ',"payment_method":',
      0,
    );
    const lens = this.sTailLen;
    lens[0] = lens[1] = lens[2] = lens[3] = -1;

    this.sessions++;
    if (!this.seenUser[ci]) {
      this.seenUser[ci] = 1;
      this.users++;
    }

    // The funnel.
    let n = 0;
    let t = start;
    const views = 1 + Math.min(MAX_VIEWS - 1, Math.floor(r.exp(MEAN_EXTRA_VIEWS)));
    const cartP: number[] = [];
    const cartQ: number[] = [];
    for (let v = 0; v < views; v++) {
      if (t >= end || n >= limit) return n;
      const p = this.pickProduct();
      this.emit(T_VIEW, t, p, 0, '', -1);
      n++;
      t += this.gap(25_000);
      if (r.float() < ADD_TO_CART_RATE) {
        if (t >= end || n >= limit) return n;
        const q = this.quantities.pick(r);
        this.emit(T_ADD, t, p, q, '', -1);
        n++;
        cartP.push(p);
        cartQ.push(q);
        t += this.gap(20_000);
      }
      if (cartP.length && r.float() < REMOVE_RATE) {
        if (t >= end || n >= limit) return n;
        const k = r.int(cartP.length);
        this.emit(T_REMOVE, t, cartP[k]!, cartQ[k]!, '', -1);
        n++;
        cartP.splice(k, 1);
        cartQ.splice(k, 1);
        t += this.gap(15_000);
      }
    }
    if (cartP.length && r.float() < CHECKOUT_RATE) {
      t += this.gap(60_000);
      // The whole order or nothing: its items share one checkout instant (1 ms apart).
      if (t + cartP.length > end || n >= limit) return n;
      const orderId = 'o-' + r.hex(8);
      const payment = this.payments.pick(r);
      this.orders++;
      for (let k = 0; k < cartP.length && n < limit; k++) {
        this.emit(T_PURCHASE, t + k, cartP[k]!, cartQ[k]!, orderId, payment);
        n++;
      }
    }
    return n;
  }

  // --- lines ------------------------------------------------------------------------------------

  private emit(
    type: number,
    t: number,
    pi: number,
    qty: number,
    orderId: string,
    payment: number,
  ): void {
    const r = this.rng;
    if (t < this.firstMs) this.firstMs = t;
    if (t > this.lastMs) this.lastMs = t;
    const product = this.products[pi]!;
    const pv = productAt(product.versions, t);

    // Arrival and defect first: the line is written straight into its arrival bucket.
    let arrival = t + r.int(JITTER_MS);
    let defect = 0;
    let dup = false;
    if (this.messOn) {
      const m = this.messRng;
      const u = m.float();
      const cum = this.defectCum;
      for (let i = 0; i < cum.length; i++) {
        if (u < cum[i]!) {
          defect = i + 1;
          break;
        }
      }
      dup = this.dupRate > 0 && m.float() < this.dupRate;
      if (defect === D_LATE) {
        const room = Math.min(this.lateMaxMs, this.endMs - t);
        if (room < this.lateMinMs) defect = 0;
        else arrival = t + Math.floor(m.range(this.lateMinMs, room));
      }
    }
    const b = this.bucketFor(arrival);
    const buf = b.chunks[b.chunks.length - 1]!;
    const start = b.used;

    // The clean line, as bytes: a flat string when released, nothing on the JS heap until then.
    let p = put(buf, start, C_START);
    const idAt = p;
    p = writeUuid(buf, p, r.u32(), r.u32(), r.u32(), r.u32());
    p = put(buf, p, C_TYPE[type]!);
    p = this.writeTime(buf, p, t);
    buf.set(this.sMid, p); // whole scratch array: a plain memcpy; the excess is overwritten
    p += this.sMidLen;
    p = put(buf, p, pv.eventBytes);
    if (orderId) {
      p = put(buf, p, C_ORDER[qty]!);
      p = asciiShort(buf, p, orderId);
      buf[p++] = QUOTE;
      buf.set(this.sAttrs, p); // whole scratch array, as above
      p = put(buf, p + this.sAttrsLen, C_PAYMENT_END[payment]!);
    } else {
      buf.set(this.tail(qty), p);
      p += this.sTailLen[qty]!;
    }

    if (defect === D_MALFORMED) {
      // Truncated; the whole event_id (the first 50 characters) stays, so lines stay distinct.
      p = start + 56 + this.messRng.int(p - start - 58);
    } else if (defect !== 0 && defect !== D_LATE) {
      const line = this.messyLine(
        defect,
        buf.latin1Slice(idAt, idAt + 36),
        TYPE_NAMES[type]!,
        t,
        product.id,
        pv,
        qty ? String(qty) : 'null',
        orderId ? `"${orderId}"` : 'null',
        orderId ? `"${PAYMENT_NAMES[payment]!}"` : 'null',
      );
      p = ascii(buf, start, line);
    }
    const code = defect | (type << 4);
    b.chunk.push(b.chunks.length - 1);
    b.off.push(start);
    b.end.push(p);
    b.at.push(arrival);
    b.codes.push(code);
    b.used = p;
    if (dup) {
      const at = arrival + DUP_MIN_MS + this.messRng.int(DUP_SPAN_MS);
      const d = this.bucketFor(at);
      const dbuf = d.chunks[d.chunks.length - 1]!;
      dbuf.set(buf.subarray(start, p), d.used);
      d.chunk.push(d.chunks.length - 1);
      d.off.push(d.used);
      d.used += p - start;
      d.end.push(d.used);
      d.at.push(at);
      d.codes.push(code | DUP_FLAG);
    }
  }

  /** The session's line ending for a non-purchase event of quantity `qty` (0: null). */
  private tail(qty: number): Latin1Buffer {
    const bytes = this.sTail[qty]!;
    if (this.sTailLen[qty]! < 0) {
      const p = put(bytes, 0, C_NO_ORDER[qty]!);
      bytes.set(this.sAttrs.subarray(0, this.sAttrsLen), p);
      this.sTailLen[qty] = put(bytes, p + this.sAttrsLen, C_NULL_END);
    }
    return bytes;
  }

  /** `YYYY-MM-DDTHH:MM:SS.mmm` in the session's offset (the offset itself comes with `sMid`). */
  private writeTime(buf: Uint8Array, p: number, ms: number): number {
    const local = ms + this.sOffsetMin * MINUTE_MS;
    const day = Math.floor(local / DAY_MS);
    let prefix = this.dayPrefixBytes.get(day);
    if (prefix === undefined) {
      prefix = latin1(new Date(day * DAY_MS).toISOString().slice(0, 11));
      this.dayPrefixBytes.set(day, prefix);
    }
    for (let i = 0; i < 11; i++) buf[p + i] = prefix[i]!;
    p += 11;
    const r = local - day * DAY_MS;
    const sec = Math.floor(r / 1000);
    const h = Math.floor(sec / 3600);
    const mi = Math.floor(sec / 60) % 60;
    const s = sec % 60;
    const f = r % 1000;
    buf[p++] = DIGIT_0 + Math.floor(h / 10);
    buf[p++] = DIGIT_0 + (h % 10);
    buf[p++] = COLON;
    buf[p++] = DIGIT_0 + Math.floor(mi / 10);
    buf[p++] = DIGIT_0 + (mi % 10);
    buf[p++] = COLON;
    buf[p++] = DIGIT_0 + Math.floor(s / 10);
    buf[p++] = DIGIT_0 + (s % 10);
    buf[p++] = DOT;
    buf[p++] = DIGIT_0 + Math.floor(f / 100);
    buf[p++] = DIGIT_0 + (Math.floor(f / 10) % 10);
    buf[p++] = DIGIT_0 + (f % 10);
    return p;
  }

  private timestampText(ms: number): string {
    const buf = new Uint8Array(32);
    const p = this.writeTime(buf, 0, ms);
    return Buffer.from(buf.subarray(0, p)).toString('latin1') + this.sOffset;
  }

  /** The slow path (a few % of lines): the line as key/value pairs, one of them spoiled. */
  private messyLine(
    defect: number,
    eventId: string,
    typeName: string,
    t: number,
    pid: string,
    pv: ProductVersion,
    qtyText: string,
    orderText: string,
    paymentText: string,
  ): string {
    const m = this.messRng;
    const f: [string, string][] = [
      ['event_id', `"${eventId}"`],
      ['schema_version', '1'],
      ['event_type', `"${typeName}"`],
      ['event_timestamp', `"${this.timestampText(t)}"`],
      ['user_id', `"${this.sUser}"`],
      ['session_id', `"s-${hex32(this.sIdA)}${hex32(this.sIdB)}"`],
      ['product_id', `"${pid}"`],
      ['product_name', JSON.stringify(pv.name)],
      ['product_category', JSON.stringify(pv.category)],
      ['product_price', pv.priceText],
      ['quantity', qtyText],
      ['order_id', orderText],
      ['device_type', `"${this.sDevice}"`],
      ['country', `"${this.sCountry}"`],
      ['traffic_source', `"${this.sSource}"`],
      ['campaign_id', this.sCampaign ? `"${this.sCampaign}"` : 'null'],
      ['payment_method', paymentText],
    ];
    const set = (key: string, value: string): void => {
      f.find((e) => e[0] === key)![1] = value;
    };
    switch (defect) {
      case D_MISSING: {
        const key = m.pick(REQUIRED_EVENT_FIELDS);
        f.splice(
          f.findIndex((e) => e[0] === key),
          1,
        );
        break;
      }
      case D_WRONG_TYPE:
        if (qtyText !== 'null' && m.float() < 0.5) {
          set('quantity', `"${NUMBER_WORDS[Number(qtyText)]}"`);
        } else {
          set('product_price', m.float() < 0.5 ? `"${pv.priceText} EUR"` : `"$${pv.priceText}"`);
        }
        break;
      case D_CASING: {
        const fields = ['event_type', 'device_type', 'traffic_source', 'country'];
        if (paymentText !== 'null') fields.push('payment_method');
        const key = m.pick(fields);
        const raw = JSON.parse(f.find((e) => e[0] === key)![1]) as string;
        const spoiled =
          key === 'country' ? (m.float() < 0.5 ? ' ' : '') + raw + ' ' : badCase(raw, m.float());
        set(key, JSON.stringify(spoiled));
        break;
      }
      case D_PRICE: {
        const u = m.float();
        set('product_price', u < 0.3 ? '0' : u < 0.5 ? '0.00' : '-' + pv.priceText);
        break;
      }
      case D_UNKNOWN:
        set('product_id', `"${productId(this.world.unknownProductBase + m.int(10_000))}"`);
        break;
      case D_FUTURE: {
        const future = this.endMs + FUTURE_MIN_MS + Math.floor(m.float() * FUTURE_SPAN_MS);
        set('event_timestamp', `"${this.timestampText(future)}"`);
        break;
      }
    }
    let s = '{';
    for (let i = 0; i < f.length; i++) s += (i ? ',"' : '"') + f[i]![0] + '":' + f[i]![1];
    return s + '}';
  }
}

/**
 * A generator of `opts.events` distinct events over `opts.days` days ending at `opts.end`,
 * plus duplicates and mess at the `opts.mess` rates, as NDJSON lines in arrival order. Users
 * and products are those of `referenceSnapshots(opts, extra)`.
 */
export function createGenerator(
  opts: GeneratorOptions | (GeneratorConfig & { end: string }),
  extra?: WorldSizes,
): EventGenerator {
  return new Generator(opts, extra ?? {});
}
