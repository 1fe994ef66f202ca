import { describe, expect, it } from 'vitest';
import { GeneratorConfigSchema, MessRatesSchema, type MessRates } from '../../lib/config.ts';
import {
  createGenerator,
  MESS_KINDS,
  type EventGenerator,
  type GeneratorCounts,
} from '../../lib/events/generator.ts';
import { referenceSnapshots } from '../../lib/events/reference.ts';
import { Rng } from '../../lib/events/rng.ts';
import {
  ClickstreamEventSchema,
  DEVICE_TYPES,
  EVENT_TYPES,
  PAYMENT_METHODS,
  REQUIRED_EVENT_FIELDS,
  TRAFFIC_SOURCES,
} from '../../lib/events/schema.ts';

const END = '2024-03-10T00:00:00Z';
const END_MS = Date.parse(END);
const DAY = 86_400_000;
const MINUTE = 60_000;

const NO_MESS = Object.fromEntries(
  Object.keys(MessRatesSchema.shape).map((k) => [k, 0]),
) as MessRates;
const HIGH_MESS: MessRates = {
  duplicate: 0.03,
  malformed_json: 0.02,
  missing_field: 0.02,
  wrong_type: 0.02,
  bad_casing: 0.03,
  bad_price: 0.02,
  unknown_product: 0.02,
  future_timestamp: 0.01,
  late_arrival: 0.03,
  invalid_email: 0.05,
};

function options(over: { seed?: number; events: number; days: number; mess?: MessRates }) {
  return { ...GeneratorConfigSchema.parse(over), end: END };
}

function drain(gen: EventGenerator, batch = 1000): string[] {
  const lines: string[] = [];
  for (let b = gen.next(batch); b.length > 0; b = gen.next(batch)) {
    for (const l of b) lines.push(l);
  }
  return lines;
}

type Row = Record<string, unknown>;

describe('createGenerator: determinism and streaming', () => {
  it('gives byte-identical output for the same options, whatever the batch size', () => {
    const opts = options({ seed: 11, events: 15_000, days: 2 });
    const a = drain(createGenerator(opts), 997);
    const b = drain(createGenerator(opts), 5000);
    expect(a.length).toBeGreaterThan(15_000);
    expect(a.join('\n')).toBe(b.join('\n'));
    const other = drain(createGenerator({ ...opts, seed: 12 }));
    expect(other.join('\n')).not.toBe(a.join('\n'));
  });

  it('keeps running counts that match the lines handed out, and ends with []', () => {
    const gen = createGenerator(options({ seed: 3, events: 5_000, days: 1 }));
    expect(gen.done).toBe(false);
    const first = gen.next(1234);
    expect(first).toHaveLength(1234);
    expect(gen.counts.emitted).toBe(1234);
    const rest = drain(gen);
    expect(gen.done).toBe(true);
    expect(gen.next(10)).toEqual([]);
    const c = gen.counts;
    expect(c.emitted).toBe(first.length + rest.length);
    expect(c.emitted - c.duplicates).toBe(5_000);
  });

  it('rejects rates of line defects adding up to more than 1', () => {
    const mess = { ...NO_MESS, malformed_json: 0.6, bad_price: 0.6 };
    expect(() => createGenerator(options({ events: 10, days: 1, mess }))).toThrow(/add up/);
  });
});

describe('createGenerator without mess', () => {
  const opts = options({ seed: 5, events: 40_000, days: 2, mess: NO_MESS });
  const gen = createGenerator(opts);
  const lines = drain(gen);
  const events = lines.map((l) => JSON.parse(l) as Row);
  const counts = gen.counts;

  it('emits exactly the requested events, all valid, no duplicates, unique ids', () => {
    expect(lines).toHaveLength(40_000);
    for (const e of events) {
      const r = ClickstreamEventSchema.safeParse(e);
      if (!r.success) throw new Error(`${JSON.stringify(e)}: ${r.error.message}`);
    }
    expect(new Set(lines).size).toBe(lines.length);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(lines.length);
    expect(
      events.every((e) =>
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(
          e.event_id as string,
        ),
      ),
    ).toBe(true);
    expect(counts.emitted).toBe(40_000);
    expect(counts.clean).toBe(40_000);
    expect(counts.duplicates).toBe(0);
    for (const k of MESS_KINDS) expect(counts.mess[k]).toBe(0);
  });

  it('keeps every timestamp inside the period, in arrival order up to transport jitter', () => {
    const ts = events.map((e) => Date.parse(e.event_timestamp as string));
    expect(ts.filter((t) => t < END_MS - 2 * DAY || t >= END_MS)).toEqual([]);
    let max = -Infinity;
    let maxLag = 0;
    for (const t of ts) {
      maxLag = Math.max(maxLag, max - t);
      max = Math.max(max, t);
    }
    expect(maxLag).toBeLessThan(2_000);
    expect(counts.firstEventTime).toBe(new Date(Math.min(...ts)).toISOString());
    expect(counts.lastEventTime).toBe(new Date(Math.max(...ts)).toISOString());
  });

  it('writes mostly Z timestamps, some with a local offset, prices with two decimals', () => {
    const offsets = lines.map((l) => /"event_timestamp":"[^"]*(Z|[+-]\d\d:\d\d)"/.exec(l)![1]);
    const z = offsets.filter((o) => o === 'Z').length;
    expect(z / lines.length).toBeGreaterThan(0.6);
    expect(z / lines.length).toBeLessThan(0.95);
    expect(new Set(offsets).size).toBeGreaterThan(3);
    expect(lines.every((l) => /"product_price":\d+\.\d\d,/.test(l))).toBe(true);
  });

  it('models a funnel: ~30% of views carted, purchases in orders', () => {
    const byType = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<string, number>;
    for (const e of events) byType[e.event_type as string]!++;
    expect(byType).toEqual(counts.byType);
    const cartRate = byType.add_to_cart! / byType.page_view!;
    expect(cartRate).toBeGreaterThan(0.15);
    expect(cartRate).toBeLessThan(0.5);
    expect(byType.remove_from_cart).toBeGreaterThan(0);
    expect(byType.purchase).toBeGreaterThan(0);

    const orders = new Map<string, Row[]>();
    const bad: Row[] = [];
    for (const e of events) {
      if (e.event_type === 'purchase') {
        if (
          typeof e.order_id !== 'string' ||
          !PAYMENT_METHODS.includes(e.payment_method as never)
        ) {
          bad.push(e);
        }
        const items = orders.get(e.order_id as string) ?? [];
        items.push(e);
        orders.set(e.order_id as string, items);
      } else if (e.order_id !== null || e.payment_method !== null) bad.push(e);
    }
    expect(orders.size).toBe(counts.orders);
    let multi = 0;
    for (const items of orders.values()) {
      const first = items[0]!;
      for (const i of items) {
        const same = ['user_id', 'session_id', 'payment_method'].every((k) => i[k] === first[k]);
        if (!same || ![1, 2, 3].includes(i.quantity as number)) bad.push(i);
      }
      if (items.length > 1) multi++;
    }
    expect(bad).toEqual([]);
    expect(multi).toBeGreaterThan(0);

    // About half of the sessions with a cart check out.
    const carts = new Set(
      events.filter((e) => e.event_type === 'add_to_cart').map((e) => e.session_id),
    );
    const bought = new Set(
      events.filter((e) => e.event_type === 'purchase').map((e) => e.session_id),
    );
    expect(bought.size / carts.size).toBeGreaterThan(0.3);
    expect(bought.size / carts.size).toBeLessThan(0.7);
  });

  it('keeps user, device, country, source and campaign sticky within a session', () => {
    const sessions = new Map<string, Row>();
    const drift: string[] = [];
    for (const e of events) {
      const s = sessions.get(e.session_id as string);
      if (!s) {
        sessions.set(e.session_id as string, e);
        continue;
      }
      for (const k of ['user_id', 'device_type', 'country', 'traffic_source', 'campaign_id']) {
        if (e[k] !== s[k]) drift.push(`${e.session_id as string}.${k}`);
      }
      const offset = (x: Row): string => (x.event_timestamp as string).slice(23);
      if (offset(e) !== offset(s)) drift.push(`${e.session_id as string}.offset`);
    }
    expect(drift).toEqual([]);
    expect(sessions.size).toBe(counts.sessions);
    expect(new Set(events.map((e) => e.user_id)).size).toBe(counts.users);
    const unpaidWithCampaign = [...sessions.values()].filter(
      (s) =>
        !['paid_search', 'social', 'email'].includes(s.traffic_source as string) &&
        s.campaign_id !== null,
    );
    expect(unpaidWithCampaign).toEqual([]);
    const withCampaign = [...sessions.values()].filter((s) => s.campaign_id !== null);
    expect(withCampaign.length).toBeGreaterThan(sessions.size * 0.2);
  });

  it('has heavy-tailed users and a daily traffic curve', () => {
    const perUser = new Map<string, Set<unknown>>();
    for (const e of events) {
      const s = perUser.get(e.user_id as string) ?? new Set();
      s.add(e.session_id);
      perUser.set(e.user_id as string, s);
    }
    const sizes = [...perUser.values()].map((s) => s.size).sort((a, b) => b - a);
    const median = sizes[Math.floor(sizes.length / 2)]!;
    expect(sizes[0]!).toBeGreaterThan(5 * median);
    const top = sizes.slice(0, Math.ceil(sizes.length / 20)).reduce((a, b) => a + b, 0);
    const all = sizes.reduce((a, b) => a + b, 0);
    expect(top / all).toBeGreaterThan(0.15); // top 5% of users: well over 5% of sessions

    const byHour = new Array<number>(24).fill(0);
    for (const e of events) byHour[new Date(e.event_timestamp as string).getUTCHours()]!++;
    expect(Math.max(...byHour)).toBeGreaterThan(3 * Math.min(...byHour));
    expect(byHour[20]!).toBeGreaterThan(byHour[4]!);
  });

  it('uses the users and products of the reference snapshots, as valid at the event time', () => {
    const snaps = referenceSnapshots(opts);
    const customers = new Set<string>();
    const versions = new Map<
      string,
      { from: number; name: string; category: string; price: number }[]
    >();
    for (const s of snaps) {
      if (s.kind === 'customers') {
        for (const row of s.body.trim().split('\n').slice(1)) customers.add(row.split(',')[0]!);
      } else {
        for (const row of s.body.trim().split('\n')) {
          const p = JSON.parse(row) as Record<string, string | number>;
          const list = versions.get(p.product_id as string) ?? [];
          const from = Date.parse(p.updated_at as string);
          if (!list.some((v) => v.from === from)) {
            list.push({
              from,
              name: p.product_name as string,
              category: p.category as string,
              price: p.price as number,
            });
          }
          versions.set(p.product_id as string, list);
        }
      }
    }
    for (const list of versions.values()) list.sort((a, b) => b.from - a.from);
    const wrong: Row[] = [];
    for (const e of events) {
      const list = versions.get(e.product_id as string);
      const t = Date.parse(e.event_timestamp as string);
      const valid = list?.find((v) => v.from <= t);
      if (
        !customers.has(e.user_id as string) ||
        !valid ||
        e.product_price !== valid.price ||
        e.product_category !== valid.category ||
        e.product_name !== valid.name
      ) {
        wrong.push(e);
      }
    }
    expect(wrong).toEqual([]);
    // Some products did change during the period.
    expect([...versions.values()].filter((l) => l.length > 1).length).toBeGreaterThan(0);
  });
});

/** Recounts, from the lines alone, what the generator says it injected. */
function recount(lines: string[], productIds: Set<string>) {
  const seen = new Set<string>();
  const c = {
    emitted: lines.length,
    duplicates: 0,
    clean: 0,
    malformed_json: 0,
    missing_field: 0,
    wrong_type: 0,
    bad_casing: 0,
    bad_price: 0,
    unknown_product: 0,
    future_timestamp: 0,
    late_arrival: 0,
    lateAfterLater: 0,
  };
  const canonical: Record<string, readonly string[]> = {
    event_type: EVENT_TYPES,
    device_type: DEVICE_TYPES,
    traffic_source: TRAFFIC_SOURCES,
    payment_method: PAYMENT_METHODS,
  };
  let maxTs = -Infinity;
  for (const line of lines) {
    if (seen.has(line)) {
      c.duplicates++;
      continue;
    }
    seen.add(line);
    let e: Row;
    try {
      e = JSON.parse(line) as Row;
    } catch {
      c.malformed_json++;
      continue;
    }
    if (ClickstreamEventSchema.safeParse(e).success) c.clean++;
    const ts = typeof e.event_timestamp === 'string' ? Date.parse(e.event_timestamp) : NaN;
    const late = ts < maxTs - 10 * MINUTE;
    if (ts <= END_MS) maxTs = Math.max(maxTs, ts);
    if (REQUIRED_EVENT_FIELDS.some((f) => !(f in e))) c.missing_field++;
    else if (typeof e.product_price === 'string' || typeof e.quantity === 'string') c.wrong_type++;
    else if (
      Object.entries(canonical).some(
        ([k, values]) =>
          e[k] !== null &&
          !values.includes(e[k] as string) &&
          values.includes((e[k] as string).trim().toLowerCase()),
      ) ||
      (e.country as string).trim() !== e.country
    ) {
      c.bad_casing++;
    } else if ((e.product_price as number) <= 0) c.bad_price++;
    else if (!productIds.has(e.product_id as string)) c.unknown_product++;
    else if (ts > END_MS + DAY) c.future_timestamp++;
    else if (late) c.late_arrival++;
  }
  return c;
}

describe('createGenerator with mess', () => {
  const opts = options({ seed: 21, events: 50_000, days: 2, mess: HIGH_MESS });
  const gen = createGenerator(opts);
  const lines = drain(gen, 4096);
  const counts: GeneratorCounts = gen.counts;
  const productIds = new Set<string>();
  const snaps = referenceSnapshots(opts);
  for (const s of snaps) {
    if (s.kind === 'products')
      for (const row of s.body.trim().split('\n'))
        productIds.add((JSON.parse(row) as Row).product_id as string);
  }

  it('counts every line and every defect the way a reader of the lines would', () => {
    const r = recount(lines, productIds);
    expect(counts.emitted).toBe(lines.length);
    expect(counts.emitted - counts.duplicates).toBe(50_000);
    expect(r.duplicates).toBe(counts.duplicates);
    expect(counts.mess.duplicate).toBe(counts.duplicates);
    const dupSum = Object.values(counts.duplicatesOf).reduce((a, b) => a + b, 0);
    expect(dupSum).toBe(counts.duplicates);
    // Copies of malformed lines are what a reader finds unparseable beyond the defect count.
    const unparseable = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    }).length;
    expect(unparseable).toBe(counts.mess.malformed_json + counts.duplicatesOf.malformed_json);
    expect(counts.duplicatesOf.malformed_json).toBeGreaterThan(0);
    expect(r.clean).toBe(counts.clean);
    for (const k of [
      'malformed_json',
      'missing_field',
      'wrong_type',
      'bad_casing',
      'bad_price',
      'unknown_product',
      'future_timestamp',
      'late_arrival',
    ] as const) {
      expect(r[k], k).toBe(counts.mess[k]);
      // Rates are honoured roughly (each is 1-3% here).
      expect(counts.mess[k] / 50_000, k).toBeGreaterThan(HIGH_MESS[k] * 0.6);
      expect(counts.mess[k] / 50_000, k).toBeLessThan(HIGH_MESS[k] * 1.4);
    }
    expect(counts.duplicates / 50_000).toBeGreaterThan(0.02);
    const byType = Object.values(counts.byType).reduce((a, b) => a + b, 0);
    expect(byType).toBe(50_000);
  });

  it('emits one line per row of NDJSON: no newline inside a line, ASCII only', () => {
    expect(lines.every((l) => !l.includes('\n') && /^[\x20-\x7e]+$/.test(l))).toBe(true);
  });

  it('delivers duplicates byte-identical and later than the original', () => {
    const firstAt = new Map<string, number>();
    let dups = 0;
    lines.forEach((l, i) => {
      const f = firstAt.get(l);
      if (f === undefined) firstAt.set(l, i);
      else {
        expect(i).toBeGreaterThan(f);
        dups++;
      }
    });
    expect(dups).toBe(counts.duplicates);
  });

  it('delivers late events after events with a later timestamp', () => {
    // Lag of a line: how far its timestamp lies before the latest one delivered before it.
    // On-time lines lag by transport jitter only (< 2 s); late ones by far more.
    let maxTs = -Infinity;
    const lags: number[] = [];
    const seen = new Set<string>();
    for (const l of lines) {
      if (seen.has(l)) continue;
      seen.add(l);
      let ts: number;
      try {
        ts = Date.parse((JSON.parse(l) as Row).event_timestamp as string);
      } catch {
        continue;
      }
      if (Number.isNaN(ts) || ts > END_MS) continue;
      if (ts < maxTs - 2_000) lags.push(maxTs - ts);
      maxTs = Math.max(maxTs, ts);
    }
    expect(counts.mess.late_arrival).toBeGreaterThan(500);
    expect(lags).toHaveLength(counts.mess.late_arrival);
    expect(Math.min(...lags)).toBeGreaterThan(10 * MINUTE);
    expect(Math.max(...lags)).toBeLessThanOrEqual(48 * 3_600_000);
  });

  it('keeps timestamps in the period except future ones (> 1 day after end)', () => {
    let future = 0;
    const outside: string[] = [];
    for (const l of lines) {
      const m = /"event_timestamp":"([^"]+)"/.exec(l);
      if (!m) continue;
      const t = Date.parse(m[1]!);
      if (Number.isNaN(t)) continue; // truncated inside the timestamp
      if (t > END_MS + DAY) future++;
      else if (t >= END_MS || t < END_MS - 2 * DAY) outside.push(l);
    }
    expect(outside).toEqual([]);
    expect(future).toBeGreaterThanOrEqual(counts.mess.future_timestamp);
  });

  it('keeps the underlying events when only the mess rates change', () => {
    const clean = drain(createGenerator({ ...opts, mess: NO_MESS }));
    const ids = new Set(clean.map((l) => (JSON.parse(l) as Row).event_id));
    let parsed = 0;
    const unknown: string[] = [];
    for (const l of lines) {
      const m = /^\{"event_id":"([0-9a-f-]{36})"/.exec(l);
      if (m) {
        if (!ids.has(m[1]!)) unknown.push(l);
        parsed++;
      }
    }
    expect(unknown).toEqual([]);
    expect(parsed).toBeGreaterThan(lines.length * 0.95);
  });
});

describe('Rng', () => {
  it('is deterministic and roughly uniform', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const xs = Array.from({ length: 10_000 }, () => a.float());
    expect(xs).toEqual(Array.from({ length: 10_000 }, () => b.float()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(new Rng(2).float()).not.toBe(new Rng(1).float());
    expect(new Rng(3).uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
