/**
 * Every kind of mess the generator injects is caught by the check meant for it, with the
 * generator's own count as the oracle, through the real local path: ingest (producer →
 * kinesalite → Firehose stand-in), then `lakehouse run` (the state machine, checks at each
 * layer's gate). The rates stay under the critical thresholds, so the run publishes; warnings
 * are reported. A line with fields the contract does not know is caught as schema drift.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessRates } from '../../lib/config.ts';
import type { DqResult } from '../../lib/dq/evaluate.ts';
import type { GeneratorCounts, LineDefect } from '../../lib/events/generator.ts';
import { runLakehouse } from '../helpers/lakehouse-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'lakehouse-dq-defects-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const home = join(work, 'home');
const END = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
// Under every critical threshold (quarantined lines stay below 5% of Bronze, duplicates too).
const MESS: MessRates = {
  duplicate: 0.03,
  malformed_json: 0.008,
  missing_field: 0.008,
  wrong_type: 0.008,
  bad_casing: 0.02,
  bad_price: 0.008,
  unknown_product: 0.008,
  future_timestamp: 0.004,
  late_arrival: 0.02,
  invalid_email: 0.05,
};

function lakehouse(...args: string[]) {
  return runLakehouse(args, { cwd: work, env: { LAKEHOUSE_HOME: home }, timeoutMs: 300_000 });
}

function sql<T>(query: string): T[] {
  const r = lakehouse('sql', query, '--format', 'json');
  expect(r.stderr, query).toBe('');
  return JSON.parse(r.stdout) as T[];
}

function run(): { runId: string; status: string; error?: string } {
  const r = lakehouse('run', '--json');
  const report = JSON.parse(r.stdout) as { runId: string; status: string; error?: string };
  expect(r.code, report.error).toBe(0);
  return report;
}

/** A run's results by `<table>.<check>`, with the reason for per-reason checks. */
function resultsOf(runId: string): Map<string, DqResult[]> {
  const out = new Map<string, DqResult[]>();
  for (const r of sql<DqResult>(`SELECT * FROM dq_results WHERE run_id = '${runId}'`)) {
    const key =
      r.kind === 'quarantine_rate' && r.column_name
        ? `${r.table_name}.${r.check_name}.${r.column_name}`
        : `${r.table_name}.${r.check_name}`;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

describe('each injected defect is caught by its check, with the right count', () => {
  let gen: GeneratorCounts;
  let results: Map<string, DqResult[]>;
  const failing = (key: string) => {
    const rows = results.get(key);
    expect(rows, key).toBeDefined();
    return rows!.reduce((n, r) => n + Number(r.failing_rows ?? 0), 0);
  };
  const withCopies = (k: LineDefect) => gen.mess[k] + gen.duplicatesOf[k];

  beforeAll(() => {
    const r = lakehouse(
      'ingest',
      '--json',
      '--events',
      '40000',
      '--days',
      '2',
      '--seed',
      '11',
      '--end',
      END,
      '--mess',
      Object.entries(MESS)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    );
    expect(r.code, r.stderr).toBe(0);
    gen = (JSON.parse(r.stdout) as { generator: GeneratorCounts }).generator;
    results = resultsOf(run().runId);
  }, 600_000);

  it('duplicate deliveries: duplicate_rate counts the dropped copies', () => {
    const d = gen.duplicatesOf;
    expect(gen.duplicates).toBeGreaterThan(0);
    expect(failing('silver_event_lines.duplicate_rate')).toBe(
      d.none + d.bad_casing + d.unknown_product + d.late_arrival,
    );
  });

  it('malformed JSON, missing fields, wrong types, bad prices, future timestamps: quarantine by reason', () => {
    const byReason = {
      malformed_json: withCopies('malformed_json'),
      missing_field: withCopies('missing_field'),
      bad_type: withCopies('wrong_type'),
      bad_value: withCopies('bad_price'),
      future_timestamp: withCopies('future_timestamp'),
    };
    for (const [reason, n] of Object.entries(byReason)) {
      expect(n, reason).toBeGreaterThan(0);
      expect(failing(`silver_quarantine.quarantine_rate_by_reason.${reason}`), reason).toBe(n);
    }
    const total = Object.values(byReason).reduce((a, b) => a + b, 0);
    expect(failing('silver_quarantine.quarantine_rate')).toBe(total);
    expect(results.get('silver_quarantine.quarantine_rate')![0]!.status).toBe('pass');
  });

  it('bad casing and whitespace: nonstandard_values counts the lines Silver standardized', () => {
    expect(gen.mess.bad_casing).toBeGreaterThan(0);
    expect(failing('silver_event_lines.nonstandard_values')).toBe(
      gen.mess.bad_casing + gen.duplicatesOf.bad_casing,
    );
  });

  it('unknown product ids: unknown_products counts the events', () => {
    expect(gen.mess.unknown_product).toBeGreaterThan(0);
    expect(failing('silver_events.unknown_products')).toBe(gen.mess.unknown_product);
    // In Gold they are order lines on the unknown member, never orphans.
    const fk = results.get('fact_order_items.relationships_product_key')!;
    expect(fk.length).toBeGreaterThan(0);
    expect(fk.every((r) => r.message.includes('0 with no dim_product row'))).toBe(true);
  });

  it('invalid emails: valid_email counts the customer versions (a warning: 5% > 2%)', () => {
    expect(gen.mess.invalid_email).toBeGreaterThan(0);
    expect(failing('dim_customer.valid_email')).toBe(gen.mess.invalid_email);
    expect(results.get('dim_customer.valid_email')![0]!.status).toBe('warn');
  });

  it('late arrivals: late_arrivals counts the events that arrived over 30 minutes late', () => {
    expect(gen.mess.late_arrival).toBeGreaterThan(0);
    expect(failing('silver_events.late_arrivals')).toBe(gen.mess.late_arrival);
  });

  it('nothing is lost: the line reconciliation holds on every partition', () => {
    const rec = results.get('silver_events.reconcile_lines')!;
    expect(rec.length).toBeGreaterThanOrEqual(2);
    for (const r of rec)
      expect([r.partition, r.status, Number(r.observed)]).toEqual([r.partition, 'pass', 0]);
    for (const key of ['fact_order_items.reconcile_purchases', 'daily_kpis.reconcile_revenue']) {
      for (const r of results.get(key)!)
        expect([key, r.partition, r.status]).toEqual([key, r.partition, 'pass']);
    }
  });

  it('no critical check failed, and what warned is what the mess rates predict', () => {
    const all = [...results.values()].flat();
    expect(all.filter((r) => r.status === 'fail')).toEqual([]);
    const warned = new Set(
      all.filter((r) => r.status === 'warn').map((r) => `${r.table_name}.${r.check_name}`),
    );
    expect(warned.has('dim_customer.valid_email')).toBe(true);
  });

  it('fields the contract does not know: schema_drift names them', () => {
    const at = new Date(Date.parse(END) - 30 * 60_000).toISOString();
    const line = (id: string, extra: Record<string, unknown>) =>
      JSON.stringify({
        event_id: id,
        schema_version: 1,
        event_type: 'page_view',
        event_timestamp: at,
        user_id: 'u-drift',
        session_id: 's-drift',
        product_id: 'p-00001',
        product_name: 'Drift',
        product_category: 'Books',
        product_price: 9.99,
        quantity: null,
        order_id: null,
        device_type: 'mobile',
        country: 'DE',
        traffic_source: 'direct',
        campaign_id: null,
        payment_method: null,
        ...extra,
      });
    const file = join(work, 'drift.ndjson');
    writeFileSync(
      file,
      [
        line('drift-1', { coupon_code: 'X' }),
        line('drift-2', { coupon_code: 'Y', referrer: 'z' }),
      ].join('\n') + '\n',
    );
    expect(lakehouse('load', '--file', file).code).toBe(0);
    const drift = resultsOf(run().runId).get('silver_event_lines.schema_drift')!;
    const found = drift.filter((r) => Number(r.failing_rows) > 0);
    expect(found.map((r) => [r.partition, Number(r.failing_rows), r.status])).toEqual([
      [at.slice(0, 10), 2, 'warn'],
    ]);
    expect(found[0]!.message).toMatch(/coupon_code/);
  }, 300_000);
});
