/** The `lakehouse` CLI as a user runs it: exit codes, one-line errors, `--json` output. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { runLakehouse, startLakehouse } from '../helpers/lakehouse-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'lakehouse-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function lakehouse(...args: string[]) {
  return runLakehouse(args, { cwd: work, env: { LAKEHOUSE_HOME: join(work, 'home') } });
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('lakehouse load', () => {
  it('fails with one line and exit 1 on a missing file', () => {
    const r = lakehouse('load', '--file', 'nope.ndjson');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('lakehouse: cannot read nope.ndjson: no such file');
    expect(r.stdout).toBe('');
  });

  it('fails with one line on a corrupt gzip file', () => {
    writeFileSync(
      join(work, 'bad.ndjson.gz'),
      Buffer.concat([gzipSync('{"a":1}\n').subarray(0, 12), Buffer.from('junk')]),
    );
    const r = lakehouse('load', '--file', 'bad.ndjson.gz', '--lake', join(work, 'bad'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^lakehouse: cannot read bad\.ndjson\.gz: /);
  });

  it('pushes every line through; lines that are not JSON land in the error prefix byte for byte', () => {
    const good = [
      '{"event_id":"a1","session_id":"s1","event_timestamp":"2026-11-20T10:00:00Z"}',
      '{"event_id":"a2","session_id":"s1","event_timestamp":"2026-11-20T12:30:00+02:00"}',
      '{"event_id":"a3","session_id":"s2","event_timestamp":"2026-11-21T00:00:00-01:00"}',
    ];
    const bad = [
      '{"event_id":"a4","sess',
      'this is not json \u00e9\u00e8',
      '{"event_timestamp":"yesterday"}',
    ];
    writeFileSync(
      join(work, 'events.ndjson.gz'),
      gzipSync([good[0], bad[0], good[1], '', bad[1], good[2], bad[2]].join('\n') + '\n'),
    );
    const lake = join(work, 'loaded');
    const r = lakehouse('load', '--file', 'events.ndjson.gz', '--json', '--lake', lake);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, number>;
    expect(summary).toMatchObject({
      command: 'load',
      emitted: 6,
      landed: 3,
      errors: 3,
      lines: 6,
      blank_lines: 1,
    });
    expect(typeof summary.seconds).toBe('number');

    const events = files(join(lake, 'lake', 'bronze', 'events'));
    expect(
      events.map((f) => f.split('/bronze/events/')[1]!.split('/').slice(0, 2).join('/')).sort(),
    ).toEqual(['dt=2026-11-20/hour=10', 'dt=2026-11-21/hour=01']);
    const landed = events.flatMap((f) => gunzipSync(readFileSync(f)).toString().trim().split('\n'));
    expect(landed.sort()).toEqual([...good].sort());
    const raw = files(join(lake, 'lake', 'bronze', '_errors')).flatMap((f) =>
      gunzipSync(readFileSync(f))
        .toString()
        .trim()
        .split('\n')
        .map((l) =>
          Buffer.from((JSON.parse(l) as { rawData: string }).rawData, 'base64').toString('utf8'),
        ),
    );
    expect(raw.sort()).toEqual([...bad].sort());
  });
});

describe('lakehouse ingest and doctor', () => {
  it('rejects a bad flag value with a clear message', () => {
    const r = lakehouse('ingest', '--events', 'many');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--events must be a whole number/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints one JSON object with the ingest counts', () => {
    const r = lakehouse(
      'ingest',
      '--events',
      '3000',
      '--seed',
      '3',
      '--days',
      '1',
      '--end',
      '2026-11-20T00:00:00Z',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      emitted: number;
      landed: number;
      errors: number;
      seconds: number;
    };
    expect(s.emitted).toBeGreaterThanOrEqual(3000);
    expect(s.landed + s.errors).toBe(s.emitted);
    expect(s.seconds).toBeGreaterThan(0);
  });

  it('doctor reports each check and what a missing piece disables', () => {
    const r = lakehouse('doctor', '--json');
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: { name: string; status: string; detail: string; disables?: string }[];
    };
    expect(d.ok).toBe(true);
    expect(d.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['node', 'lake folder', 'loopback ports', 'chromium', 'docker']),
    );
    const duckdb = d.checks.find((c) => c.name === 'duckdb');
    expect(duckdb?.status).toBe('ok');
    expect(duckdb?.detail).toMatch(/^v1\.\d+\.\d+, Trino shims loaded$/);
    for (const c of d.checks.filter((x) => x.status !== 'ok')) expect(c.disables).toBeTruthy();
  });

  it('doctor names a bad configuration file', () => {
    writeFileSync(join(work, 'bad-config.json'), '{"kinesis": {"shardCount": 0}}');
    const bad = runLakehouse(['doctor'], {
      cwd: work,
      env: { LAKEHOUSE_CONFIG: join(work, 'bad-config.json'), LAKEHOUSE_HOME: join(work, 'home') },
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ config .*kinesis\.shardCount/);
  });

  it('doctor fails when the lake folder cannot be written', () => {
    writeFileSync(join(work, 'a-file'), 'x');
    const r = lakehouse('doctor', '--lake', join(work, 'a-file', 'sub'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ lake folder/);
  });
});

describe('lakehouse ingest --mess', () => {
  it('names the kinds when a pair is wrong, and bounds rates to [0, 1]', () => {
    const bad = lakehouse('ingest', '--mess', 'dup=0.1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/kinds: duplicate, malformed_json/);
    expect(lakehouse('ingest', '--mess', 'duplicate=2').stderr).toMatch(
      /duplicate: a rate is a number from 0 to 1/,
    );
  });

  it('overrides the configured rates', () => {
    const r = lakehouse(
      'ingest',
      '--events',
      '4000',
      '--days',
      '1',
      '--end',
      '2026-11-20T00:00:00Z',
      '--json',
      '--mess',
      'duplicate=0,malformed_json=0.05',
      '--lake',
      join(work, 'mess'),
    );
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      generator: { duplicates: number; mess: { malformed_json: number } };
    };
    expect(s.generator.duplicates).toBe(0);
    expect(s.generator.mess.malformed_json).toBeGreaterThan(100);
  });
});

describe('lakehouse build and sql', () => {
  const lake = join(work, 'sql');
  const event = (id: string, type: string, ts: string, extra: object = {}) =>
    JSON.stringify({
      event_id: id,
      schema_version: 1,
      event_type: type,
      event_timestamp: ts,
      user_id: 'c000001',
      session_id: 's-1',
      product_id: 'p00001',
      product_name: 'Mug, "large"',
      product_category: 'Home',
      product_price: 12.5,
      quantity: type === 'page_view' ? null : 1,
      order_id: type === 'purchase' ? 'o-1' : null,
      device_type: 'mobile',
      country: 'DE',
      traffic_source: 'direct',
      campaign_id: null,
      payment_method: type === 'purchase' ? 'paypal' : null,
      ...extra,
    });

  it('answers on an empty lake with the Athena table names (no data yet: zero rows)', () => {
    const r = lakehouse(
      'sql',
      'SELECT count(*) AS n FROM bronze_events',
      '--format',
      'json',
      '--lake',
      lake,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([{ n: '0' }]);
  });

  it('says there is nothing to build yet on an empty lake', () => {
    const r = lakehouse('build', '--lake', join(work, 'empty'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^The lake has no Bronze yet .*only the tables that need no input/);
    // Built from nothing: the calendar and the dimensions' unknown members.
    expect(r.stdout).toMatch(/dim_date +0 +7,305/);
    expect(r.stdout).not.toMatch(/fact_order_items/);
  });

  it('builds Silver from loaded lines and queries it as table, csv and json', () => {
    const purchase = { order_id: 'o-1', payment_method: ' PayPal' };
    const lines = [
      event('e1', 'page_view', '2026-11-20T10:00:00Z'),
      event('e2', ' Purchase ', '2026-11-20T11:00:00+01:00', purchase),
      event('e2', ' Purchase ', '2026-11-20T11:00:00+01:00', purchase),
      event('e3', 'add_to_cart', '2026-11-20T12:00:00Z', { product_price: '12.50 EUR' }),
    ];
    writeFileSync(join(work, 'sql.ndjson'), lines.join('\n') + '\n');
    expect(lakehouse('load', '--file', 'sql.ndjson', '--lake', lake).code).toBe(0);
    const b = lakehouse('build', '--lake', lake, '--json');
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const summary = JSON.parse(b.stdout) as { totals: Record<string, number> };
    expect(summary.totals).toEqual({
      bronzeLines: 4,
      silverRows: 2,
      quarantined: 1,
      duplicatesDropped: 1,
      unaccounted: 0,
    });

    const q =
      'SELECT event_id, event_type, product_name, product_price FROM ecommerce_lakehouse.silver_events ORDER BY event_id';
    const json = lakehouse('sql', q, '--format', 'json', '--lake', lake);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual([
      {
        event_id: 'e1',
        event_type: 'page_view',
        product_name: 'Mug, "large"',
        product_price: '12.50',
      },
      {
        event_id: 'e2',
        event_type: 'purchase',
        product_name: 'Mug, "large"',
        product_price: '12.50',
      },
    ]);
    const csv = lakehouse('sql', q, '--format', 'csv', '--lake', lake);
    expect(csv.stdout).toBe(
      'event_id,event_type,product_name,product_price\n' +
        'e1,page_view,"Mug, ""large""",12.50\n' +
        'e2,purchase,"Mug, ""large""",12.50\n',
    );
    const table = lakehouse('sql', q, '--lake', lake);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^\s*event_id\s+event_type\s+product_name\s+product_price$/,
    );
    expect(table.stdout).toContain('(2 rows)');

    writeFileSync(join(work, 'q.sql'), 'SELECT reason, detail FROM silver_quarantine;\n');
    const file = lakehouse('sql', '--file', 'q.sql', '--format', 'json', '--lake', lake);
    expect(JSON.parse(file.stdout)).toEqual([{ reason: 'bad_type', detail: 'product_price' }]);

    // Events without any CRM or ERP export: Gold is built, the order on the unknown members.
    const gold = lakehouse(
      'sql',
      'SELECT order_id, customer_key, has_unknown_customer, has_unknown_product, revenue FROM fact_orders',
      '--format',
      'json',
      '--lake',
      lake,
    );
    expect(JSON.parse(gold.stdout)).toEqual([
      {
        order_id: 'o-1',
        customer_key: '-1',
        has_unknown_customer: true,
        has_unknown_product: true,
        revenue: '12.50',
      },
    ]);

    // Nothing new: nothing to build.
    const again = lakehouse('build', '--lake', lake);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Nothing to build/);
  });

  it('reads the SQL from stdin with -, leading comments included', () => {
    const r = runLakehouse(['sql', '-', '--format', 'csv', '--lake', lake], {
      cwd: work,
      input: '-- events per type\nSELECT count(*) AS n FROM silver_events;\n',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('n\n2\n');
  });

  it('prints the engine’s message and exits 1 on a bad query', () => {
    const r = lakehouse('sql', 'SELECT nope FROM silver_events', '--lake', lake);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^lakehouse: Binder Error: .*nope/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects bad build arguments with clear messages', () => {
    const dates = lakehouse('build', '--dates', '2026-13-45', '--lake', lake);
    expect(dates.code).not.toBe(0);
    expect(dates.stderr).toMatch(/'2026-13-45' is not a date/);
    const layer = lakehouse('build', '--layer', 'platinum', '--lake', lake);
    expect(layer.code).not.toBe(0);
    expect(layer.stderr).toMatch(/unknown layer 'platinum'/);
  });
});

describe('lakehouse serve', () => {
  const env = { LAKEHOUSE_HOME: join(work, 'serve-home') };

  it('prints its address, answers, and stops on Ctrl-C with exit 0', async () => {
    const child = startLakehouse(['serve', '--port', '0'], { cwd: work, env }, 'pipe');
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!/Dashboard: (\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /Dashboard: (\S+)/.exec(out)?.[1];
    expect(url, `${out}\n${err}`).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(out).toContain('The lake has no Gold tables yet');
    const version = (await (await fetch(`${url}api/version`)).json()) as { range: unknown };
    expect(version.range).toEqual({ first: null, last: null, lastRun: null });
    child.kill('SIGINT');
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect({ code, signal }, err).toEqual({ code: 0, signal: null });
    expect(err).toContain('lakehouse: dashboard stopped');
  });

  it('names --port when the port is taken, and rejects a bad port', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const busy = runLakehouse(['serve', '--port', String(port)], { cwd: work, env });
      expect(busy.code).toBe(1);
      expect(busy.stderr.trim()).toBe(
        `lakehouse: port ${port} is in use: pass --port N, or --port 0 for any free port`,
      );
    } finally {
      taken.close();
    }
    const bad = runLakehouse(['serve', '--port', '70000'], { cwd: work, env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--port must be a whole number from 0 to 65535/);
  });
});
