/**
 * Makes a DuckDB connection run the models' Athena (Trino) SQL unchanged: the session settings
 * Athena implies, then the macros of `athena/compat/duckdb.sql` (one TEMP macro per Trino
 * function whose DuckDB namesake is missing or behaves differently; the file documents each).
 *
 * ```ts
 * const conn = await (await DuckDBInstance.create(':memory:')).connect();
 * await prepareConnection(conn);
 * ```
 *
 * The macros are TEMP, so every connection must be prepared (they are never written into a
 * database file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ATHENA_DIR } from './model.ts';

/** Absolute path of the shim file. */
export const COMPAT_SQL_FILE = join(ATHENA_DIR, 'compat', 'duckdb.sql');

/**
 * Settings every connection starts with: Athena sessions are UTC; Trino divides integers as
 * integers (`7 / 2` is 3) where DuckDB would return 3.5; and DuckDB 1.5's common-subexpression
 * optimizer is off because it hoists an expression that occurs twice out of an enclosing
 * `TRY(...)`, so its error escapes: `TRY(from_utf8(from_base64(x)))` raises on bad base64 (the
 * macro names its argument twice) where Trino returns NULL. Costs ~10% on the Silver queries.
 * The first two are per connection; `disabled_optimizers` applies to the whole DuckDB instance.
 */
export const SESSION_SETTINGS: readonly string[] = [
  "SET TimeZone = 'UTC'",
  'SET integer_division = true',
  "SET disabled_optimizers = 'common_subexpressions'",
];

/**
 * Splits SQL text into statements on `;`, ignoring semicolons inside '…' strings (with ''
 * escapes), "…" identifiers, $tag$…$tag$ strings, `--` line comments and block comments (which
 * DuckDB nests). Statements are trimmed, keep their comments, lose the `;`; pieces holding only
 * comments and blanks are dropped.
 */
export function splitSqlStatements(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let code = false; // whether the current piece has anything but comments and blanks
  let i = 0;
  const n = text.length;
  const push = (end: number): void => {
    if (code) out.push(text.slice(start, end).trim());
    start = end + 1;
    code = false;
  };
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) throw new Error('unterminated block comment in SQL');
    } else if (c === "'" || c === '"') {
      code = true;
      i++;
      for (;;) {
        if (i >= n) throw new Error(`unterminated ${c === "'" ? 'string' : 'identifier'} in SQL`);
        if (text[i] === c) {
          if (text[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(text.slice(i, i + 64))) {
      code = true;
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i, i + 64))![0];
      const end = text.indexOf(tag, i + tag.length);
      if (end < 0) throw new Error(`unterminated ${tag} string in SQL`);
      i = end + tag.length;
    } else if (c === ';') {
      push(i);
      i++;
    } else {
      if (!/\s/.test(c)) code = true;
      i++;
    }
  }
  push(n);
  return out;
}

let cached: string[] | undefined;

/** The statements of `athena/compat/duckdb.sql`, in file order (read once). */
export function compatStatements(): string[] {
  cached ??= splitSqlStatements(readFileSync(COMPAT_SQL_FILE, 'utf8'));
  return [...cached];
}

/** Applies the session settings, then creates the shims, on `conn`. Idempotent. */
export async function prepareConnection(conn: DuckDBConnection): Promise<void> {
  for (const sql of [...SESSION_SETTINGS, ...compatStatements()]) {
    try {
      await conn.run(sql);
    } catch (err) {
      const first = sql.split('\n').find((l) => l.trim() && !l.trim().startsWith('--')) ?? sql;
      throw new Error(
        `${COMPAT_SQL_FILE}: statement failed (${first.trim()}): ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
