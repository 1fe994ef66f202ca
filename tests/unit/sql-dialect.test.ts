import { describe, expect, test } from 'vitest';
import { DIALECT_RULES, formatProblem, lintSql, tokenize } from '../../lib/sql/dialect.ts';

/** 1-based line and column of the first `needle` in `sql`. */
function positionOf(sql: string, needle: string): { line: number; column: number } {
  const at = sql.indexOf(needle);
  if (at < 0) throw new Error(`test bug: ${needle} not in ${sql}`);
  const before = sql.slice(0, at).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function rule(id: string) {
  const r = DIALECT_RULES.find((x) => x.id === id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
}

/** A violating snippet and the text where the problem must be reported (first occurrence). */
interface Bad {
  sql: string;
  at: string;
}

/** For every rule: snippets it flags (one problem each, at `at`) and lookalikes it must not. */
const CASES: Record<string, { bad: Bad[]; good: string[] }> = {
  concat: {
    bad: [
      { sql: "SELECT\n  CONCAT(first_name, ' ', last_name) AS name\nFROM t", at: 'CONCAT' },
      { sql: 'SELECT concat (a, b) FROM t', at: 'concat' },
    ],
    good: [
      "SELECT a || ' ' || b FROM t",
      "SELECT concat_ws(' ', a, b) FROM t",
      'SELECT "concat" FROM t',
      'SELECT concat FROM t',
      "SELECT 'concat(a, b)' AS s FROM t",
      'SELECT a -- concat(a, b)\nFROM t',
      'SELECT /* concat(a,\n b) */ a FROM t',
      'SELECT my_concat(a) FROM t',
    ],
  },
  'date-add': {
    bad: [{ sql: "SELECT a,\n  date_add('day', 1, d) AS next_day\nFROM t", at: 'date_add' }],
    good: [
      "SELECT CAST(d + INTERVAL '1' DAY AS DATE) FROM t",
      'SELECT my_date_add_col FROM t',
      'SELECT "date_add"(x) FROM t',
      "SELECT 'date_add(' FROM t",
      '-- date_add is denied\nSELECT 1',
    ],
  },
  'date-parse': {
    bad: [{ sql: "SELECT DATE_PARSE(s, '%Y-%m-%d') FROM t", at: 'DATE_PARSE' }],
    good: ['SELECT CAST(s AS DATE), date_parse_col FROM t'],
  },
  'format-datetime': {
    bad: [{ sql: "SELECT\n\n  format_datetime(ts, 'yyyy-MM-dd') FROM t", at: 'format_datetime' }],
    good: ['SELECT CAST(CAST(ts AS DATE) AS VARCHAR) FROM t'],
  },
  'at-timezone': {
    bad: [{ sql: "SELECT at_timezone(ts, 'UTC') FROM t", at: 'at_timezone' }],
    good: ['SELECT CAST(ts AS TIMESTAMP) AS at_timezone FROM t'],
  },
  'zoned-timestamp-literal': {
    bad: [
      { sql: "SELECT *\nFROM t\nWHERE ts >= TIMESTAMP '2026-11-01 00:00:00 UTC'", at: 'TIMESTAMP' },
      { sql: "SELECT timestamp '2026-11-01 00:00:00.000 Z'", at: 'timestamp' },
      { sql: "SELECT TIMESTAMP '2026-11-01 00:00:00+01:00'", at: 'TIMESTAMP' },
      { sql: "SELECT TIMESTAMP '2026-11-01 00:00 Europe/Paris'", at: 'TIMESTAMP' },
    ],
    good: [
      "SELECT TIMESTAMP '2026-11-01 00:00:00'",
      "SELECT TIMESTAMP '2026-11-01'",
      "SELECT from_iso8601_timestamp('2026-11-01T00:00:00Z')",
      "SELECT 'TIMESTAMP ''2026-11-01 00:00:00 UTC'''",
      'SELECT "timestamp" FROM t WHERE s = \'2026-11-01 00:00:00 UTC\'',
    ],
  },
  format: {
    bad: [{ sql: "SELECT format('%s-%s', a, b) FROM t", at: 'format' }],
    good: [
      'SELECT "format" FROM t',
      'SELECT format FROM t',
      "SELECT CAST(a AS VARCHAR) || '-' || b FROM t",
      "CREATE TABLE x WITH (format = 'PARQUET') AS SELECT 1 AS a",
      "SELECT format_ FROM t WHERE x = 'format(1)'",
    ],
  },
  'regexp-replace-backreference': {
    bad: [
      { sql: "SELECT regexp_replace(s, '(a)(b)', '$2$1') FROM t", at: 'regexp_replace' },
      { sql: "SELECT\n  REGEXP_REPLACE(s, '(?<x>a)', 'y${x}') FROM t", at: 'REGEXP_REPLACE' },
    ],
    good: [
      "SELECT regexp_replace(s, '^\\s+$', '') FROM t",
      "SELECT regexp_replace(s, '[$]1', 'x') FROM t",
      "SELECT regexp_replace(s, 'a', 'USD') FROM t",
    ],
  },
  'regexp-extract-unguarded': {
    bad: [
      { sql: "SELECT\n  regexp_extract(url, 'id=(\\d+)', 1) AS id\nFROM t", at: 'regexp_extract' },
      { sql: "SELECT NULLIF(regexp_extract(s, 'a'), 'x') FROM t", at: 'regexp_extract' },
      { sql: "SELECT NULLIF(regexp_extract(s, 'a') || 'b', '') FROM t", at: 'regexp_extract' },
      { sql: "SELECT upper(regexp_extract(s, 'a')) FROM t", at: 'regexp_extract' },
    ],
    good: [
      "SELECT NULLIF(regexp_extract(url, 'id=(\\d+)', 1), '') AS id FROM t",
      "SELECT nullif ( regexp_extract(s, 'a') , '' ) FROM t",
      "SELECT coalesce(regexp_extract(s, 'a'), '') FROM t",
      "SELECT regexp_extract_all(s, 'a') FROM t",
    ],
  },
  transform: {
    bad: [{ sql: 'SELECT transform(xs, x -> x + 1) FROM t', at: 'transform' }],
    good: ['SELECT transform_col, "transform" FROM t'],
  },
  sequence: {
    bad: [{ sql: 'SELECT sequence(1, 10)', at: 'sequence' }],
    good: ['SELECT sequence, sequence_number FROM t ORDER BY sequence'],
  },
  'map-agg': {
    bad: [{ sql: 'SELECT map_agg(k, v) FROM t', at: 'map_agg' }],
    good: ['SELECT k, max(v) FROM t GROUP BY k'],
  },
  md5: {
    bad: [{ sql: 'SELECT md5(to_utf8(s)) FROM t', at: 'md5' }],
    good: ['SELECT md5_hex, "md5" FROM t'],
  },
  'count-if': {
    bad: [{ sql: 'SELECT count_if(x > 1) FROM t', at: 'count_if' }],
    good: ['SELECT count(*) FILTER (WHERE x > 1) AS count_if FROM t'],
  },
  'min-max-by': {
    bad: [
      { sql: 'SELECT min_by(campaign_id, ts) FROM t', at: 'min_by' },
      { sql: 'SELECT k,\n  max_by(name, ROW(ts, id)) FROM t GROUP BY k', at: 'max_by' },
    ],
    good: [
      'SELECT min_by(id, ROW(ts, id)) -- dialect-ok: min-max-by (id is never NULL)\nFROM t',
      'SELECT min(ts) AS min_by FROM t',
    ],
  },
  qualify: {
    bad: [
      {
        sql: 'SELECT a\nFROM t\nQUALIFY row_number() OVER (PARTITION BY a ORDER BY b) = 1',
        at: 'QUALIFY',
      },
    ],
    good: [
      'SELECT * FROM (SELECT a, row_number() OVER (PARTITION BY a) AS rn FROM t) WHERE rn = 1',
      'SELECT "qualify", qualify_flag FROM t',
    ],
  },
  'date-trunc-date': {
    bad: [
      { sql: "SELECT\n  date_trunc('month', order_date) AS m\nFROM t", at: 'date_trunc' },
      { sql: "SELECT date_trunc('month', CAST(ts AS DATE)) FROM t", at: 'date_trunc' },
      { sql: "SELECT CAST(date_trunc('month', d) AS VARCHAR) FROM t", at: 'date_trunc' },
      { sql: "SELECT date_trunc('month', o.order_date) FROM t", at: 'date_trunc' },
      { sql: "SELECT date_trunc('day', dt) FROM t", at: 'date_trunc' },
    ],
    good: [
      "SELECT CAST(date_trunc('month', order_date) AS DATE) FROM t",
      "SELECT CAST(date_trunc('hour', ts) AS TIMESTAMP(3)) FROM t",
      "SELECT date_trunc('hour', CAST(ts AS TIMESTAMP)) FROM t",
      "SELECT date_trunc('hour', CAST(ts AS TIMESTAMP WITH TIME ZONE)) FROM t",
      "SELECT date_trunc('hour', from_iso8601_timestamp(s)) FROM t",
      "SELECT date_trunc('day', TIMESTAMP '2026-11-01 10:00:00')",
      "SELECT date_trunc('day', current_timestamp)",
      'SELECT date_trunc(\'hour\', event_ts), date_trunc(\'hour\', "o"."created_at") FROM t',
      "SELECT date_trunc('hour', x AT TIME ZONE 'UTC') FROM t",
      'SELECT date_trunc_col FROM t',
    ],
  },
  'interval-on-date': {
    bad: [
      { sql: "SELECT d,\n  d + INTERVAL '1' DAY AS next\nFROM t", at: '+ INTERVAL' },
      { sql: "SELECT current_date - interval '7' day", at: '- interval' },
      { sql: "SELECT CAST(s AS DATE) + INTERVAL '1' MONTH FROM t", at: '+ INTERVAL' },
      { sql: "SELECT DATE '2026-11-01' + INTERVAL '1' DAY", at: '+ INTERVAL' },
      { sql: "SELECT INTERVAL '1' DAY + d FROM t", at: 'INTERVAL' },
      { sql: "SELECT CAST(d + INTERVAL '1' DAY AS VARCHAR) FROM t", at: '+ INTERVAL' },
      { sql: "SELECT o.order_date + INTERVAL '1' DAY FROM t", at: '+ INTERVAL' },
      { sql: "SELECT ts_count + INTERVAL '1' DAY FROM t", at: '+ INTERVAL' },
    ],
    good: [
      "SELECT CAST(d + INTERVAL '1' DAY AS DATE) FROM t",
      "SELECT CAST(ts AS TIMESTAMP) + INTERVAL '1' HOUR FROM t",
      "SELECT from_iso8601_timestamp(s) - INTERVAL '30' MINUTE FROM t",
      "SELECT TIMESTAMP '2026-11-01 00:00:00' + INTERVAL '1' DAY",
      "SELECT current_timestamp - INTERVAL '7' DAY",
      "SELECT date_trunc('hour', CAST(ts AS TIMESTAMP)) + INTERVAL '1' HOUR FROM t",
      "SELECT INTERVAL '1' DAY + CAST(ts AS TIMESTAMP) FROM t",
      "SELECT * FROM t WHERE event_ts > arrival_ts + INTERVAL '1' HOUR",
      "SELECT e.event_ts - INTERVAL '30' MINUTE, created_at + INTERVAL '1' DAY FROM t e",
      "SELECT x AT TIME ZONE 'UTC' + INTERVAL '1' HOUR FROM t",
      "SELECT INTERVAL '1' DAY + e.event_ts FROM t e",
      "SELECT INTERVAL '1' DAY AS one_day, 'x + interval' AS s",
    ],
  },
  division: {
    bad: [
      { sql: 'SELECT\n  revenue / 100 AS r\nFROM t', at: '/' },
      { sql: 'SELECT sum(revenue) / count(*) FROM t', at: '/' },
      { sql: 'SELECT CAST(a AS DECIMAL(12, 2)) / 3 FROM t', at: '/' },
      { sql: 'SELECT a / 2.0 FROM t', at: '/' },
      { sql: 'SELECT CAST(a AS BIGINT) / b FROM t', at: '/' },
    ],
    good: [
      'SELECT CAST(revenue AS DOUBLE) / 100 FROM t',
      'SELECT sum(revenue) / CAST(count(*) AS DOUBLE) FROM t',
      'SELECT TRY_CAST(a AS REAL) / b FROM t',
      'SELECT a / -CAST(b AS DOUBLE) FROM t',
      'SELECT a / 1e2 FROM t',
      'SELECT CAST(a AS BIGINT) / CAST(b AS INTEGER) FROM t',
      'SELECT \'a/b\' AS path, "x/y" FROM t -- a / b\n/* a / b */',
    ],
  },
  'unnest-rows': {
    bad: [
      {
        sql: 'SELECT u.sku, u.qty\nFROM orders o\nCROSS JOIN UNNEST(o.items) AS u(sku, qty)',
        at: 'UNNEST',
      },
      { sql: 'SELECT * FROM t CROSS JOIN UNNEST(a, b) AS u(x, y)', at: 'UNNEST' },
      { sql: 'SELECT * FROM t CROSS JOIN UNNEST(a) WITH ORDINALITY u(x, y, n)', at: 'UNNEST' },
    ],
    good: [
      'SELECT u.item.sku FROM orders o CROSS JOIN UNNEST(o.items) AS u(item)',
      'SELECT * FROM t CROSS JOIN UNNEST(a) WITH ORDINALITY AS u(x, n)',
      'SELECT * FROM t CROSS JOIN UNNEST(a) AS "u"("x")',
      'SELECT * FROM t CROSS JOIN UNNEST(a)',
      'SELECT "unnest"(a, b) FROM t',
    ],
  },
};

describe('lintSql rules', () => {
  test('every rule has cases, and every case names a rule', () => {
    expect(Object.keys(CASES).sort()).toEqual(DIALECT_RULES.map((r) => r.id).sort());
  });

  test('the rule table is complete data (ids unique, text filled in)', () => {
    expect(new Set(DIALECT_RULES.map((r) => r.id)).size).toBe(DIALECT_RULES.length);
    for (const r of DIALECT_RULES) {
      expect(r.id).toMatch(/^[a-z0-9-]+$/);
      for (const field of [r.construct, r.why, r.alternative, r.detection]) {
        expect(field.length, r.id).toBeGreaterThan(3);
      }
    }
  });

  for (const [id, { bad, good }] of Object.entries(CASES)) {
    describe(id, () => {
      test.each(bad)('flags $sql', ({ sql, at }) => {
        const problems = lintSql(sql, 'x.sql');
        const expected = positionOf(sql, at);
        expect(problems, problems.map(formatProblem).join('\n')).toEqual([
          {
            file: 'x.sql',
            ...expected,
            construct: rule(id).construct,
            message: expect.stringContaining(rule(id).alternative),
            alternative: rule(id).alternative,
            rule: id,
          },
        ]);
      });
      test.each(good)('accepts %s', (sql) => {
        const problems = lintSql(sql, 'x.sql');
        expect(problems.map(formatProblem)).toEqual([]);
      });
    });
  }
});

describe('lintSql', () => {
  test('reports several problems in source order with their own lines', () => {
    const sql = [
      '-- materialization: table',
      'SELECT',
      '  concat(a, b) AS ab,',
      "  /* md5( in a comment */ md5(x) AS h, format('%s', c) AS f",
      'FROM t',
      'QUALIFY 1 = 1',
    ].join('\n');
    const found = lintSql(sql, 'athena/models/gold/x.sql').map((p) => [p.rule, p.line, p.column]);
    expect(found).toEqual([
      ['concat', 3, 3],
      ['md5', 4, 27],
      ['format', 4, 40],
      ['qualify', 6, 1],
    ]);
  });

  test('counts lines in CRLF text and after multi-line strings and comments', () => {
    const sql = "SELECT 'a\r\nb' AS s,\r\n/* one\r\ntwo */\r\n  date_add('day', 1, d)\r\nFROM t";
    expect(lintSql(sql, 'x.sql').map((p) => [p.line, p.column])).toEqual([[5, 3]]);
  });

  test('accepts array_join, shimmed in athena/compat/duckdb.sql', () => {
    const sql = "SELECT array_join(array_sort(array_except(map_keys(m), ARRAY['a'])), ',') FROM t";
    expect(lintSql(sql, 'x.sql').map(formatProblem)).toEqual([]);
    expect(DIALECT_RULES.map((r) => r.id)).not.toContain('array-join');
  });

  test('is case-insensitive', () => {
    expect(lintSql('select CoNcAt(a, b), Md5(c) from t', 'x.sql').map((p) => p.rule)).toEqual([
      'concat',
      'md5',
    ]);
  });

  test('-- dialect-ok: silences a heuristic rule on its own line only', () => {
    const sql = [
      'SELECT a / b AS r, -- dialect-ok: division (both BIGINT counts)',
      '  c / d AS s',
      'FROM t',
    ].join('\n');
    expect(lintSql(sql, 'x.sql').map((p) => [p.rule, p.line])).toEqual([['division', 2]]);
  });

  test('-- dialect-ok: cannot silence an exact rule or an unknown id', () => {
    const sql = 'SELECT concat(a, b) -- dialect-ok: concat, nope\nFROM t';
    expect(lintSql(sql, 'x.sql').map((p) => [p.rule, p.message])).toEqual([
      ['concat', expect.stringContaining('||')],
      ['dialect-ok', 'dialect-ok: concat is an exact rule and cannot be silenced'],
      ['dialect-ok', 'dialect-ok: unknown rule nope'],
    ]);
  });

  test('does not throw on unterminated strings, identifiers or comments', () => {
    for (const sql of ["SELECT 'abc", 'SELECT "abc', 'SELECT 1 /* open', 'SELECT (((', ')))']) {
      expect(() => lintSql(sql, 'x.sql')).not.toThrow();
    }
    expect(lintSql("SELECT 'concat(", 'x.sql')).toEqual([]);
  });

  test('formatProblem gives file:line:column', () => {
    const [p] = lintSql('SELECT\n md5(x)', 'q.sql');
    expect(formatProblem(p!)).toMatch(/^q\.sql:2:2 md5\(\.\.\.\): md5\(\.\.\.\) is not portable/);
  });
});

describe('tokenize', () => {
  test('keeps literals and quoted identifiers whole, unescaped, and drops comments', () => {
    const { tokens, comments } = tokenize(
      'SELECT \'it\'\'s\' AS "a ""b""", x.y -- c\n/* d */ 1.5e3, a||b',
    );
    expect(tokens.map((t) => [t.kind, t.value])).toEqual([
      ['word', 'select'],
      ['string', "it's"],
      ['word', 'as'],
      ['quoted', 'a "b"'],
      ['punct', ','],
      ['word', 'x'],
      ['punct', '.'],
      ['word', 'y'],
      ['number', '1.5e3'],
      ['punct', ','],
      ['word', 'a'],
      ['punct', '||'],
      ['word', 'b'],
    ]);
    expect(comments.map((c) => c.text)).toEqual(['-- c', '/* d */']);
  });
});
