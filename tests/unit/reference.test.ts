import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { GeneratorConfigSchema, MessRatesSchema, type MessRates } from '../../lib/config.ts';
import { createGenerator } from '../../lib/events/generator.ts';
import {
  iterateReferenceSnapshots,
  referenceSnapshots,
  type ReferenceSnapshot,
} from '../../lib/events/reference.ts';
import { CUSTOMER_COLUMNS, CustomerSchema, ProductSchema } from '../../lib/events/schema.ts';

const END = '2024-03-10T00:00:00Z';
const NO_MESS = Object.fromEntries(
  Object.keys(MessRatesSchema.shape).map((k) => [k, 0]),
) as MessRates;

function options(
  over: { seed?: number; events: number; days: number; mess?: MessRates },
  end = END,
) {
  return { ...GeneratorConfigSchema.parse(over), end };
}

/** RFC 4180 fields of one line (quotes, doubled quotes; no embedded newlines here). */
function csvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (line[q + 1] === '"') {
          v += line.slice(i, q + 1);
          i = q + 2;
        } else {
          v += line.slice(i, q);
          i = q + 2;
          break;
        }
      }
      out.push(v);
    } else {
      const c = line.indexOf(',', i);
      const e = c < 0 ? line.length : c;
      out.push(line.slice(i, e));
      i = e + 1;
    }
  }
  return out;
}

function customers(s: ReferenceSnapshot): Record<string, string>[] {
  const [header, ...rows] = s.body.trimEnd().split('\n');
  const cols = csvLine(header!);
  return rows.map((r) => Object.fromEntries(csvLine(r).map((v, i) => [cols[i]!, v])));
}

function lines(s: ReferenceSnapshot): string[] {
  const all = s.body.trimEnd().split('\n');
  return s.kind === 'customers' ? all.slice(1) : all;
}

const isEmail = (s: string): boolean => z.email().safeParse(s).success;

describe('referenceSnapshots', () => {
  const opts = options({ seed: 9, events: 60_000, days: 4 });
  const snaps = referenceSnapshots(opts);
  const byKind = (k: ReferenceSnapshot['kind']) => snaps.filter((s) => s.kind === k);

  it('gives one customers and one products snapshot per UTC date of the period', () => {
    const dates = ['2024-03-06', '2024-03-07', '2024-03-08', '2024-03-09'];
    expect(byKind('customers').map((s) => s.snapshotDate)).toEqual(dates);
    expect(byKind('products').map((s) => s.snapshotDate)).toEqual(dates);
    // A period ending mid-day touches one more date.
    const partial = referenceSnapshots(options({ events: 1000, days: 2 }, '2024-03-10T13:00:00Z'));
    expect(partial.filter((s) => s.kind === 'products').map((s) => s.snapshotDate)).toEqual([
      '2024-03-08',
      '2024-03-09',
      '2024-03-10',
    ]);
  });

  it('writes customers as CSV with the contract header, products as JSON lines', () => {
    for (const s of byKind('customers')) {
      expect(s.body.split('\n')[0]).toBe(CUSTOMER_COLUMNS.join(','));
      expect(lines(s)).toHaveLength(s.rows);
      for (const row of customers(s)) expect(Object.keys(row)).toEqual([...CUSTOMER_COLUMNS]);
    }
    for (const s of byKind('products')) {
      expect(lines(s)).toHaveLength(s.rows);
      for (const l of lines(s)) {
        expect(Object.keys(JSON.parse(l) as object)).toEqual([
          'product_id',
          'product_name',
          'category',
          'price',
          'updated_at',
        ]);
      }
    }
  });

  it('changes a few rows a day and keeps the others byte-identical', () => {
    for (const kind of ['customers', 'products'] as const) {
      const list = byKind(kind);
      for (let d = 1; d < list.length; d++) {
        const before = new Set(lines(list[d - 1]!));
        const after = lines(list[d]!);
        const kept = after.filter((l) => before.has(l)).length;
        expect(after.length - kept, `${kind} ${list[d]!.snapshotDate}`).toBeGreaterThan(0);
        expect(kept / before.size).toBeGreaterThan(0.9);
        // What changed or appeared was updated that day.
        for (const l of after.filter((x) => !before.has(x))) {
          const updated =
            kind === 'customers'
              ? l.slice(-20)
              : (JSON.parse(l) as { updated_at: string }).updated_at;
          expect(updated.slice(0, 10)).toBe(list[d]!.snapshotDate);
        }
      }
    }
    const first = byKind('customers')[0]!.rows;
    const last = byKind('customers').at(-1)!.rows;
    expect(last).toBeGreaterThan(first); // sign-ups
    expect(new Set(byKind('products').map((s) => s.rows)).size).toBe(1);
  });

  it('changes emails, countries, tiers, prices and categories', () => {
    const cs = byKind('customers').map(
      (s) => new Map(customers(s).map((r) => [r.customer_id!, r])),
    );
    const changed = new Set<string>();
    for (let d = 1; d < cs.length; d++) {
      for (const [id, row] of cs[d]!) {
        const prev = cs[d - 1]!.get(id);
        if (!prev) continue;
        for (const k of ['email', 'country', 'loyalty_tier'] as const)
          if (prev[k] !== row[k]) changed.add(k);
        if (prev.updated_at !== row.updated_at)
          expect(row.updated_at! > prev.updated_at!).toBe(true);
      }
    }
    expect([...changed].sort()).toEqual(['country', 'email', 'loyalty_tier']);
    const ps = byKind('products').map(
      (s) =>
        new Map(
          lines(s).map((l) => [
            JSON.parse(l).product_id as string,
            JSON.parse(l) as Record<string, unknown>,
          ]),
        ),
    );
    const pchanged = new Set<string>();
    for (let d = 1; d < ps.length; d++) {
      for (const [id, row] of ps[d]!) {
        for (const k of ['price', 'category'])
          if (ps[d - 1]!.get(id)![k] !== row[k]) pchanged.add(k);
      }
    }
    expect([...pchanged].sort()).toEqual(['category', 'price']);
  });

  it('counts invalid emails per snapshot and in the generator (distinct rows)', () => {
    const distinctInvalid = new Set<string>();
    for (const s of byKind('customers')) {
      const rows = customers(s);
      const invalid = lines(s).filter((_, i) => !isEmail(rows[i]!.email!));
      expect(invalid.length).toBe(s.invalidEmails);
      for (const l of invalid) distinctInvalid.add(l);
    }
    expect(distinctInvalid.size).toBeGreaterThan(0);
    const gen = createGenerator(opts);
    expect(gen.counts.mess.invalid_email).toBe(distinctInvalid.size);
  });

  it('messes up some names (ALL CAPS, padded) and nothing else with all rates 0', () => {
    const messy = byKind('customers')
      .flatMap(customers)
      .filter(
        (r) =>
          r.first_name !== r.first_name!.trim() ||
          r.last_name !== r.last_name!.trim() ||
          (r.first_name === r.first_name!.toUpperCase() && r.first_name!.length > 1),
      );
    expect(messy.length).toBeGreaterThan(0);

    const clean = referenceSnapshots({ ...opts, mess: NO_MESS });
    for (const s of clean) {
      expect(s.invalidEmails).toBe(0);
      expect(s.messyRows).toBe(0);
      if (s.kind === 'customers') {
        const bad = customers(s).filter((r) => !CustomerSchema.safeParse(r).success);
        expect(bad).toEqual([]);
        expect(customers(s).every((r) => r.first_name === r.first_name!.trim())).toBe(true);
      } else {
        const bad = lines(s).filter((l) => !ProductSchema.safeParse(JSON.parse(l)).success);
        expect(bad).toEqual([]);
      }
    }
  });

  it('is deterministic and streams the same snapshots', () => {
    const again = [...iterateReferenceSnapshots(opts)];
    expect(again).toEqual(snaps);
    const other = referenceSnapshots({ ...opts, seed: 10 });
    expect(other[0]!.body).not.toBe(snaps[0]!.body);
  });

  it('covers every product and user of the events; unknown_product ids are in no snapshot', () => {
    const mess = { ...NO_MESS, unknown_product: 0.05 };
    const small = options({ seed: 4, events: 20_000, days: 2, mess });
    const refs = referenceSnapshots(small);
    const productIds = new Set(
      refs
        .filter((s) => s.kind === 'products')
        .flatMap((s) => lines(s).map((l) => JSON.parse(l).product_id as string)),
    );
    const customerIds = new Set(
      refs
        .filter((s) => s.kind === 'customers')
        .flatMap((s) => customers(s).map((r) => r.customer_id!)),
    );
    const gen = createGenerator(small);
    let unknown = 0;
    const missingUsers: string[] = [];
    for (let b = gen.next(5000); b.length; b = gen.next(5000)) {
      for (const l of b) {
        const e = JSON.parse(l) as { product_id: string; user_id: string };
        if (!productIds.has(e.product_id)) unknown++;
        if (!customerIds.has(e.user_id)) missingUsers.push(e.user_id);
      }
    }
    expect(missingUsers).toEqual([]);
    expect(unknown).toBe(gen.counts.mess.unknown_product);
    expect(unknown).toBeGreaterThan(500);
  });
});
