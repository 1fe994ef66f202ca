/**
 * The saved queries as the stack deploys them (athena/queries/*.sql → Athena named queries): at
 * least a dozen, each described by its leading comment lines, none tied to the clock. Whether
 * each one runs is tests/integration/saved-queries.test.ts; whether it parses as Trino SQL and
 * avoids the denied constructs is tests/unit/sql-models.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { listSavedQueries, SAVED_QUERIES_DIR } from '../../lib/catalog/saved-queries.ts';
import { tokenize } from '../../lib/sql/dialect.ts';

const queries = listSavedQueries();

test('there are at least a dozen saved queries, named in snake_case', () => {
  expect(queries.length).toBeGreaterThanOrEqual(12);
  for (const q of queries) expect(q.name).toMatch(/^[a-z][a-z0-9_]*$/);
});

test('the queries `lakehouse start` runs are there', () => {
  expect(queries.map((q) => q.name)).toEqual(
    expect.arrayContaining(['lake_headlines', 'top_products']),
  );
});

describe.each(queries.map((q) => [q.name, q] as const))('%s', (_name, q) => {
  const text = readFileSync(join(SAVED_QUERIES_DIR, `${q.name}.sql`), 'utf8');
  const lines = text.split('\n');

  test('has a description: its leading comment lines, within Athena’s 1024 characters', () => {
    expect(lines[0]).toMatch(/^-- \S/);
    const leading = lines.slice(
      0,
      lines.findIndex((l) => !l.startsWith('--')),
    );
    expect(q.description).toBe(leading.map((l) => l.replace(/^--\s?/, '').trim()).join(' '));
    expect(q.description.length).toBeGreaterThan(40);
    expect(q.description.length).toBeLessThanOrEqual(1024);
  });

  test('has no other comment at the start of a line (it would join the description)', () => {
    const first = lines.findIndex((l) => !l.startsWith('--'));
    expect(lines.slice(first).filter((l) => l.startsWith('--'))).toEqual([]);
  });

  test('is one statement', () => {
    expect(tokenize(q.sql).tokens.filter((t) => t.text === ';')).toEqual([]);
  });

  test('takes "today" from the data, not from the clock (the local lake is historical)', () => {
    const words = tokenize(q.sql)
      .tokens.filter((t) => t.kind === 'word')
      .map((t) => t.value);
    for (const clock of ['current_date', 'current_timestamp', 'now', 'localtimestamp']) {
      expect(words).not.toContain(clock);
    }
  });
});
