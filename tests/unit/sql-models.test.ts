/**
 * The repository-wide SQL guard: every `.sql` under `athena/` (except `athena/compat/`, which is
 * DuckDB SQL) parses with a Trino grammar and uses no construct the dialect lint denies; every
 * model also loads, and parses again in the forms the adapters run (scoped WITH, CTAS, INSERT).
 *
 * The dashboards' panel SQL (`dashboards/sql/`) is guarded the same way, with the Athena data
 * source's time macros expanded as Grafana expands them.
 *
 * `SQL_GUARD_DIR=<dir>` checks another tree laid out like `athena/` (to try the guard on
 * fixtures).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ParseError } from 'dt-sql-parser';
// The Trino parser alone: the package index loads all seven grammars (~9 s in vitest, vs ~1 s).
import { TrinoSQL } from 'dt-sql-parser/dist/parser/trino/index.js';
import { ATHENA_DIR, REPO_ROOT, loadModels, parseModel } from '../../lib/engine/model.ts';
import type { Model } from '../../lib/engine/model.ts';
import { ctasStatement, insertStatement } from '../../lib/engine/statements.ts';
import { scopedQuery } from '../../lib/engine/wrap.ts';
import { formatProblem, lintSql, tokenize } from '../../lib/sql/dialect.ts';
import { dayRange, expandMacros } from '../../lib/dashboards/macros.ts';
import { PANEL_SQL_DIR } from '../../lib/dashboards/panel-spec.ts';

const ROOT = process.env.SQL_GUARD_DIR ? resolve(process.env.SQL_GUARD_DIR) : ATHENA_DIR;
const MODELS_DIR = join(ROOT, 'models');
/** DuckDB SQL (the shims): exempt from the Trino grammar and from the lint. */
const EXEMPT_DIR = join(ROOT, 'compat');

/** Every `.sql` under `dir`, recursively, sorted, minus the exempt folder. */
function sqlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== EXEMPT_DIR) out.push(...sqlFiles(path));
    } else if (entry.name.endsWith('.sql')) {
      out.push(path);
    }
  }
  return out.sort();
}

const label = (file: string): string => relative(REPO_ROOT, file);

/**
 * One parser for the whole file. Construction is cheap (well under 1 ms); the cost is the first
 * validate (ANTLR fills its shared prediction cache), after which a 150-line model takes tens of
 * milliseconds.
 */
const trino = new TrinoSQL();

/**
 * `sql` with every comment blanked out (newlines kept, so lines and columns do not move). When
 * the first parse fails, dt-sql-parser re-splits the text on `;` without skipping comments and
 * re-parses the pieces, so a `;` or `'` in a comment would turn one real error into many false
 * ones.
 */
function withoutComments(sql: string): string {
  let out = sql;
  for (const c of tokenize(sql).comments) {
    out =
      out.slice(0, c.start) + c.text.replace(/[^\n]/g, ' ') + out.slice(c.start + c.text.length);
  }
  return out;
}

/** The parser's errors as `where:line:column message` plus the offending source line. */
function syntaxErrors(sql: string, where: string): string[] {
  const lines = sql.split('\n');
  return trino.validate(withoutComments(sql)).map((e: ParseError) => {
    const source = lines[e.startLine - 1] ?? '';
    const caret = `${' '.repeat(Math.max(0, e.startColumn - 1))}^`;
    return `${where}:${e.startLine}:${e.startColumn} ${e.message}\n    ${source}\n    ${caret}`;
  });
}

function expectParses(sql: string, where: string): void {
  const errors = syntaxErrors(sql, where);
  expect(errors, `Trino grammar rejects ${where}:\n${errors.join('\n')}`).toEqual([]);
}

/** The statements the Athena engine runs for a model (its own builders), with stand-in names. */
function wrappedForms(model: Model): Record<string, string> {
  const qualify = (table: string): string => `"db"."${table}"`;
  const query =
    model.materialization === 'partition_overwrite'
      ? scopedQuery(model, ['2026-11-01'], qualify)
      : scopedQuery(model, undefined, qualify);
  return {
    query,
    ctas: ctasStatement('"db"."x"', 's3://b/p/', query, model.partitionedBy[0]),
    insert: insertStatement('"db"."x"', query),
  };
}

describe('the guard can fail: dt-sql-parser with the Trino grammar', () => {
  test('reports a syntax error with its line and column', () => {
    expect(trino.validate('SELEC 1')).toEqual([
      expect.objectContaining({ startLine: 1, startColumn: 1, message: expect.any(String) }),
    ]);
    const errors = trino.validate('SELECT a,\n  b c d\nFROM t');
    expect(errors.map((e) => [e.startLine, e.startColumn])).toEqual([[2, 7]]);
    expect(syntaxErrors('SELECT a,\n  b c d\nFROM t', 'x.sql')[0]).toMatch(/^x\.sql:2:7 /);
  });

  test("reports only the real error when comments hold ';' or '", () => {
    const sql = "-- one; two, don't\nSELECT a\n/* x; y */ FROM FROM t";
    expect(syntaxErrors(sql, 'x.sql').map((e) => e.split(' ')[0])).toEqual(['x.sql:3:17']);
  });

  test('rejects DuckDB-only syntax', () => {
    for (const sql of [
      'SELECT * EXCLUDE (a) FROM t',
      'SELECT a FROM t QUALIFY row_number() OVER (PARTITION BY a) = 1',
      'SELECT [1, 2] AS xs',
      "SELECT {'a': 1} AS s",
    ]) {
      expect(trino.validate(sql), sql).not.toEqual([]);
    }
  });

  test('accepts Trino-only syntax', () => {
    for (const sql of [
      'SELECT CAST(json_parse(x) AS ROW(a VARCHAR, b ARRAY(ROW(c BIGINT)))) AS r FROM t',
      'SELECT TRY(CAST(x AS INTEGER)) FROM t',
      "SELECT x AT TIME ZONE 'UTC' FROM t",
      'SELECT transform(xs, x -> x + 1) FROM t',
      'SELECT count(*) FILTER (WHERE y > 0) FROM t',
      'SELECT u.a, u.n FROM t CROSS JOIN UNNEST(t.xs) WITH ORDINALITY AS u(a, n)',
      "CREATE TABLE \"db\".\"x\" WITH (format = 'PARQUET', partitioned_by = ARRAY['dt']) AS SELECT 1 AS a, 'x' AS dt",
    ]) {
      expectParses(sql, 'inline');
    }
  });
});

const files = sqlFiles(ROOT);
const modelFiles = files.filter((f) => f.startsWith(MODELS_DIR + '/'));

describe('discovery', () => {
  test('finds the models once athena/models has anything in it', () => {
    const started = existsSync(MODELS_DIR) && readdirSync(MODELS_DIR).length > 0;
    if (!started) {
      console.warn(
        `sql-models: no ${label(MODELS_DIR)} yet; checked ${files.length} other file(s)`,
      );
      return;
    }
    expect(modelFiles.length, `no .sql under ${label(MODELS_DIR)}`).toBeGreaterThan(0);
    // loadModels reads athena/models/<layer>/*.sql in dependency order: every file is a model.
    expect(
      loadModels(MODELS_DIR)
        .map((m) => m.file)
        .sort(),
    ).toEqual(modelFiles.map(label));
  });

  test('compat/ is not checked', () => {
    expect(files.filter((f) => f.startsWith(EXEMPT_DIR + '/'))).toEqual([]);
  });
});

describe.each(files.map((f) => [label(f), f]))('%s', (name, file) => {
  const text = readFileSync(file, 'utf8');

  test('parses with the Trino grammar', () => {
    expectParses(text, name);
  });

  test('uses no denied construct', () => {
    const problems = lintSql(text, name).map(formatProblem);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  if (!modelFiles.includes(file)) return;

  test('loads as a model and parses as the adapters wrap it', () => {
    const model = parseModel(file, text);
    for (const [form, sql] of Object.entries(wrappedForms(model))) {
      expectParses(sql, `${name} (${form})`);
    }
  });
});

describe.each(sqlFiles(PANEL_SQL_DIR).map((f) => [label(f), f]))('%s', (name, file) => {
  const text = expandMacros(readFileSync(file, 'utf8'), dayRange('2026-11-01', '2026-11-07'));

  test('parses with the Trino grammar (macros expanded)', () => {
    expectParses(text, name);
  });

  test('uses no denied construct', () => {
    const problems = lintSql(text, name).map(formatProblem);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
