/**
 * A tiny shop written as Bronze (event objects as Firehose names them, customer CSV and product
 * JSON-lines snapshots) in a temporary lake, then built model by model on DuckDB with the same
 * materializations the pipeline uses (`engine.materialize`: statements, staging, publish). The
 * Gold and RFM fixture tests start from here so that every expected number can be worked out by
 * hand from the events listed in the test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDbEngine } from '../../lib/engine/duckdb.ts';
import { loadModels, type Model } from '../../lib/engine/model.ts';
import { sqlIdent } from '../../lib/engine/wrap.ts';

export type Row = Record<string, unknown>;

/** One clickstream event; unset fields take the defaults noted. */
export interface ShopEvent {
  readonly id: string;
  /** Default page_view. */
  readonly type?: 'page_view' | 'add_to_cart' | 'remove_from_cart' | 'purchase';
  /** ISO-8601 with offset, e.g. `2026-11-20T10:00:00Z`. Its UTC date is the Bronze `dt`. */
  readonly ts: string;
  readonly user: string;
  readonly session: string;
  readonly product: string;
  /** Default 'Product <product>'. */
  readonly name?: string;
  /** Default 'Home'. */
  readonly category?: string;
  /** Default 10. */
  readonly price?: number;
  /** Default null on page_view, 1 otherwise. */
  readonly quantity?: number | null;
  /** Purchases: required. */
  readonly order?: string;
  /** Default 'desktop'. */
  readonly device?: string;
  /** Default 'DE'. */
  readonly country?: string;
  /** Default 'organic'. */
  readonly source?: string;
  readonly campaign?: string | null;
  /** Purchases: default 'credit_card'. */
  readonly payment?: string;
  /**
   * When the line reached the lake (`YYYY-MM-DD HH:MM:SS`, UTC); default: the event time rounded
   * up to the next whole minute. Lines with the same arrival and dt share one object.
   */
  readonly arrival?: string;
}

export interface ShopCustomer {
  readonly id: string;
  readonly first?: string;
  readonly last?: string;
  readonly email?: string;
  /** Default 'DE'. */
  readonly country?: string;
  /** Default '2025-01-01'. */
  readonly signup?: string;
  /** Default 'bronze'. */
  readonly tier?: string;
  /** ISO-8601; default `<signup>T00:00:00Z`. */
  readonly updated: string;
}

export interface ShopProduct {
  readonly id: string;
  readonly name?: string;
  readonly category?: string;
  readonly price: number;
  /** ISO-8601. */
  readonly updated: string;
}

export interface ShopFixture {
  readonly events: readonly ShopEvent[];
  /** Snapshot date → the export's rows. */
  readonly customers?: Readonly<Record<string, readonly ShopCustomer[]>>;
  /** Snapshot date → the export's rows. */
  readonly products?: Readonly<Record<string, readonly ShopProduct[]>>;
  /** Raw Bronze lines to add as they are: `{ dt, hour, arrival, line }`. */
  readonly rawLines?: readonly {
    dt: string;
    hour: string;
    arrival: string;
    line: string;
  }[];
}

/** The JSON line of one event, as the producer sends it. */
export function eventLine(e: ShopEvent): string {
  const type = e.type ?? 'page_view';
  return JSON.stringify({
    event_id: e.id,
    schema_version: 1,
    event_type: type,
    event_timestamp: e.ts,
    user_id: e.user,
    session_id: e.session,
    product_id: e.product,
    product_name: e.name ?? `Product ${e.product}`,
    product_category: e.category ?? 'Home',
    product_price: e.price ?? 10,
    quantity: e.quantity !== undefined ? e.quantity : type === 'page_view' ? null : 1,
    order_id: type === 'purchase' ? (e.order ?? null) : null,
    device_type: e.device ?? 'desktop',
    country: e.country ?? 'DE',
    traffic_source: e.source ?? 'organic',
    campaign_id: e.campaign ?? null,
    payment_method: type === 'purchase' ? (e.payment ?? 'credit_card') : null,
  });
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` of the next whole minute after `ms`. */
function nextMinute(ms: number): string {
  const d = new Date(Math.floor(ms / 60_000) * 60_000 + 60_000);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

let objectCounter = 0;

/** Writes the fixture's Bronze objects under `root` (keys as in S3). Returns the keys written. */
export function writeShopBronze(root: string, fixture: ShopFixture): string[] {
  const objects = new Map<string, string[]>();
  const add = (dt: string, hour: string, arrival: string, line: string) => {
    const stamp = arrival.replace(' ', '-').replace(/:/g, '-');
    const id = `00000000-0000-4000-8000-${String(++objectCounter).padStart(12, '0')}`;
    const group = `bronze/events/dt=${dt}/hour=${hour}/lakehouse-events-1-${stamp}`;
    const existing = [...objects.keys()].find((k) => k.startsWith(group + '-'));
    const key = existing ?? `${group}-${id}.gz`;
    objects.set(key, [...(objects.get(key) ?? []), line]);
  };
  for (const e of fixture.events) {
    const ms = Date.parse(e.ts);
    if (!Number.isFinite(ms)) throw new Error(`event ${e.id}: bad ts ${e.ts}`);
    const utc = new Date(ms);
    const dt = utc.toISOString().slice(0, 10);
    add(dt, pad(utc.getUTCHours()), e.arrival ?? nextMinute(ms), eventLine(e));
  }
  for (const r of fixture.rawLines ?? []) add(r.dt, r.hour, r.arrival, r.line);
  const write = (key: string, body: string | Buffer) => {
    const file = join(root, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
  };
  for (const [key, lines] of objects) write(key, gzipSync(lines.map((l) => `${l}\n`).join('')));
  for (const [date, rows] of Object.entries(fixture.customers ?? {})) {
    const csv = [
      'customer_id,first_name,last_name,email,country,signup_date,loyalty_tier,updated_at',
      ...rows.map((c) =>
        [
          c.id,
          c.first ?? `First ${c.id}`,
          c.last ?? `Last ${c.id}`,
          c.email ?? `${c.id}@example.com`,
          c.country ?? 'DE',
          c.signup ?? '2025-01-01',
          c.tier ?? 'bronze',
          c.updated,
        ].join(','),
      ),
    ];
    write(`bronze/reference/customers/snapshot_date=${date}/customers.csv`, csv.join('\n') + '\n');
  }
  for (const [date, rows] of Object.entries(fixture.products ?? {})) {
    const lines = rows.map((p) =>
      JSON.stringify({
        product_id: p.id,
        product_name: p.name ?? `Product ${p.id}`,
        category: p.category ?? 'Home',
        price: p.price,
        updated_at: p.updated,
      }),
    );
    write(
      `bronze/reference/products/snapshot_date=${date}/products.jsonl`,
      lines.join('\n') + '\n',
    );
  }
  return [...objects.keys()];
}

const ALL_MODELS = loadModels();

export function model(name: string): Model {
  const m = ALL_MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`no model ${name}`);
  return m;
}

/** Rows in a canonical order (keys sorted, then rows by their JSON), to compare as multisets. */
export function canonical(rows: readonly Row[]): Row[] {
  const text = (r: Row) => JSON.stringify(r, Object.keys(r).sort());
  return [...rows].sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}

/** A temporary lake holding a fixture, with a DuckDB engine over it. */
export class ShopLake {
  private builds = 0;

  private constructor(
    readonly root: string,
    readonly engine: DuckDbEngine,
  ) {}

  static async open(fixture: ShopFixture): Promise<ShopLake> {
    const root = mkdtempSync(join(tmpdir(), 'shop-lake-'));
    writeShopBronze(root, fixture);
    const engine = await DuckDbEngine.open({ lakeRoot: root, database: 'lakehouse_test' });
    return new ShopLake(root, engine);
  }

  /**
   * Builds the named models and every model they read, inputs first (default: every model).
   * A partitioned model is built for every value its scoped (and cumulative) inputs hold, as a
   * first build or a full refresh does.
   */
  async build(names?: readonly string[]): Promise<void> {
    const wanted = new Set<string>();
    const want = (name: string) => {
      if (wanted.has(name)) return;
      const m = ALL_MODELS.find((x) => x.name === name);
      if (!m) return; // a Bronze table
      wanted.add(name);
      for (const d of m.dependsOn) want(d);
    };
    for (const n of names ?? ALL_MODELS.map((m) => m.name)) {
      if (!ALL_MODELS.some((m) => m.name === n)) throw new Error(`no model ${n}`);
      want(n);
    }
    const buildId = `b${++this.builds}`;
    for (const m of ALL_MODELS.filter((x) => wanted.has(x.name))) {
      let partitions: string[] | undefined;
      if (m.materialization === 'partition_overwrite') {
        partitions = await this.inputValues(m);
        if (partitions.length === 0) {
          throw new Error(
            `${m.name}: its inputs (${Object.keys({ ...m.scope, ...m.cumulative }).join(', ')}) ` +
              'hold no partitions: the fixture gives it nothing to build (were its rows quarantined?)',
          );
        }
      }
      await this.engine.materialize({ model: m, partitions, buildId, replace: true });
    }
  }

  /** The values the model's scoped and cumulative inputs hold in their scope columns. */
  async inputValues(m: Model): Promise<string[]> {
    const values = new Set<string>();
    for (const [table, column] of Object.entries({ ...m.scope, ...m.cumulative })) {
      const r = await this.engine.query(
        `SELECT DISTINCT CAST(${sqlIdent(column)} AS VARCHAR) AS v FROM ${sqlIdent(table)}`,
      );
      for (const row of r.rows) if (row.v !== null) values.add(String(row.v));
    }
    return [...values].sort();
  }

  async rows(sql: string): Promise<Row[]> {
    return [...(await this.engine.query(sql)).rows];
  }

  /** Every row of a table, ordered by the given columns. */
  async table(name: string, orderBy: string): Promise<Row[]> {
    return this.rows(`SELECT * FROM ${sqlIdent(name)} ORDER BY ${orderBy}`);
  }

  async close(): Promise<void> {
    await this.engine.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}
