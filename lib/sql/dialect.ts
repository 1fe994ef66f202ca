/**
 * The dialect lint: SQL under `athena/` is written once in Athena engine v3 (Trino) SQL and runs
 * unchanged on DuckDB, so constructs that parse on both engines but mean different things (or do
 * not exist on one) are denied here, each with the portable way to write it. The rules are the
 * "Do not use" list of the SQL dialect section in `shared/DESIGN.md`, minus what a macro in
 * `athena/compat/duckdb.sql` has since made portable (`array_join`); that file (DuckDB SQL) is
 * exempt.
 *
 * Pure TypeScript with no parser dependency: a small tokenizer drops comments and keeps string
 * literals and double-quoted identifiers as single tokens, so `"concat"`, `'date_add('` and
 * `-- format(...)` never match, and words match whole and case-insensitively (`concat_ws` and
 * `my_date_add_col` are other words). A function is "called" when its name is followed by `(`.
 *
 * Rules are `exact` (a syntactic fact: the construct is there) or `heuristic` (the lint cannot
 * see types, so it asks for the type to be made visible in the text). A heuristic finding that is
 * wrong can be silenced on its line with a comment naming the rule and, by convention, why:
 * `-- dialect-ok: division (both operands are BIGINT counts)`. Exact rules cannot be silenced.
 */

export interface DialectProblem {
  /** As given to {@link lintSql}. */
  file: string;
  /** 1-based, in the text given to {@link lintSql}. */
  line: number;
  /** 1-based (UTF-16 code units; a tab counts as one). */
  column: number;
  /** The rule's construct, e.g. `concat(...)`. */
  construct: string;
  message: string;
  /** The portable way to write it. */
  alternative: string;
  /** The rule's id (see {@link DIALECT_RULES}). */
  rule: string;
}

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token. */
  readonly text: string;
  /** Words: lower case. Strings and quoted identifiers: the unescaped content. Else the text. */
  readonly value: string;
  /** Offset of the first character in the source. */
  readonly start: number;
}

interface Comment {
  readonly text: string;
  readonly start: number;
}

const MULTI_CHAR_PUNCT = ['||', '<=', '>=', '<>', '!=', '->', '=>'];

/**
 * Splits SQL into tokens, dropping whitespace and comments (`--` to end of line, `/* … *\/`).
 * Never throws: an unterminated string, identifier or comment runs to the end of the text (the
 * parser reports it).
 */
export function tokenize(sql: string): { tokens: Token[]; comments: Comment[] } {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      comments.push({ text: sql.slice(i, stop), start: i });
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      comments.push({ text: sql.slice(i, stop), start: i });
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      // '' (or "") inside the literal is an escaped quote; backslash is not an escape in Trino.
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= n) break;
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          j++;
          break;
        }
        value += sql[j];
        j++;
      }
      tokens.push({
        kind: c === "'" ? 'string' : 'quoted',
        text: sql.slice(i, j),
        value,
        start: i,
      });
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i, i + 64))!;
      tokens.push({ kind: 'number', text: m[0], value: m[0], start: i });
      i += m[0].length;
    } else if (/[\p{L}_]/u.test(c)) {
      const m = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(sql.slice(i, i + 256))!;
      tokens.push({ kind: 'word', text: m[0], value: m[0].toLowerCase(), start: i });
      i += m[0].length;
    } else {
      const two = sql.slice(i, i + 2);
      const text = MULTI_CHAR_PUNCT.includes(two) ? two : c;
      tokens.push({ kind: 'punct', text, value: text, start: i });
      i += text.length;
    }
  }
  return { tokens, comments };
}

/** The tokens of one text with bracket matching, shared by the rules. */
export class SqlTokens {
  readonly tokens: readonly Token[];
  readonly comments: readonly Comment[];
  /** Index of the matching bracket for each `(`, `)`, `[`, `]` (-1 when unbalanced). */
  private readonly match: Int32Array;
  /** Index of the innermost enclosing `(` or `[` (-1 at top level). */
  private readonly parent: Int32Array;

  constructor(sql: string) {
    const { tokens, comments } = tokenize(sql);
    this.tokens = tokens;
    this.comments = comments;
    this.match = new Int32Array(tokens.length).fill(-1);
    this.parent = new Int32Array(tokens.length).fill(-1);
    const stack: number[] = [];
    tokens.forEach((t, i) => {
      if (t.kind === 'punct' && (t.text === ')' || t.text === ']')) {
        const open = stack.pop();
        if (open !== undefined) {
          this.match[open] = i;
          this.match[i] = open;
        }
      }
      this.parent[i] = stack.at(-1) ?? -1;
      if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) stack.push(i);
    });
  }

  at(i: number): Token | undefined {
    return i >= 0 ? this.tokens[i] : undefined;
  }

  /** True when token `i` is the bare word `word` (lower case). */
  isWord(i: number, ...words: string[]): boolean {
    const t = this.at(i);
    return t?.kind === 'word' && words.includes(t.value);
  }

  isPunct(i: number, text: string): boolean {
    const t = this.at(i);
    return t?.kind === 'punct' && t.text === text;
  }

  matching(i: number): number {
    return i >= 0 && i < this.match.length ? this.match[i]! : -1;
  }

  enclosing(i: number): number {
    return i >= 0 && i < this.parent.length ? this.parent[i]! : -1;
  }

  /** Indexes of words `name` followed by `(` (calls of that function). */
  calls(name: string): number[] {
    const out: number[] = [];
    this.tokens.forEach((t, i) => {
      if (t.kind === 'word' && t.value === name && this.isPunct(i + 1, '(')) out.push(i);
    });
    return out;
  }

  /** The top-level arguments of the call whose `(` is at `open`, as inclusive [from, to] ranges. */
  args(open: number): Array<[number, number]> {
    const close = this.matching(open);
    if (close < 0) return [];
    const out: Array<[number, number]> = [];
    let from = open + 1;
    for (let i = open + 1; i < close; i++) {
      const t = this.tokens[i]!;
      if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) {
        i = Math.max(i, this.matching(i));
      } else if (t.kind === 'punct' && t.text === ',') {
        out.push([from, i - 1]);
        from = i + 1;
      }
    }
    if (from <= close - 1) out.push([from, close - 1]);
    return out;
  }

  /** The type word after the top-level `AS` of the `CAST(` whose `(` is at `open`. */
  castType(open: number): string | undefined {
    const close = this.matching(open);
    for (let i = open + 1; i < close; i++) {
      const t = this.tokens[i]!;
      if (t.kind === 'punct' && (t.text === '(' || t.text === '['))
        i = Math.max(i, this.matching(i));
      else if (t.kind === 'word' && t.value === 'as') return this.at(i + 1)?.value;
    }
    return undefined;
  }

  /** Start index of the operand that ends at token `end` (the left side of a binary operator). */
  operandEndingAt(end: number): number {
    const t = this.at(end);
    if (!t) return end;
    if (t.kind === 'punct' && (t.text === ')' || t.text === ']')) {
      const open = this.matching(end);
      if (open < 0) return end;
      return this.at(open - 1)?.kind === 'word' ? open - 1 : open;
    }
    if (t.kind === 'string' && this.isWord(end - 1, 'timestamp', 'date', 'interval'))
      return end - 1;
    let start = end;
    while (
      this.isPunct(start - 1, '.') &&
      ['word', 'quoted'].includes(this.at(start - 2)?.kind ?? '')
    ) {
      start -= 2;
    }
    return start;
  }

  /** End index of the operand that starts at token `start` (the right side of an operator). */
  operandStartingAt(start: number): number {
    let i = start;
    while (this.isPunct(i, '-') || this.isPunct(i, '+')) i++;
    const t = this.at(i);
    if (!t) return start;
    if (t.kind === 'word' && this.isPunct(i + 1, '(')) return Math.max(i, this.matching(i + 1));
    if (t.kind === 'word' && this.at(i + 1)?.kind === 'string') return i + 1;
    if (t.kind === 'punct' && t.text === '(') return Math.max(i, this.matching(i));
    while (this.isPunct(i + 1, '.') && ['word', 'quoted'].includes(this.at(i + 2)?.kind ?? '')) {
      i += 2;
    }
    return i;
  }

  /**
   * What the tokens [from, to] visibly are, without knowing column types: a CAST target, a
   * typed literal, a function known to return a timestamp, or `unknown`.
   */
  classify(from: number, to: number): ValueClass {
    let i = from;
    while (i < to && (this.isPunct(i, '-') || this.isPunct(i, '+'))) i++;
    const t = this.at(i);
    if (!t) return 'unknown';
    // x AT TIME ZONE 'zone' (binds tighter than + and /) is a timestamp on both engines
    const zone = this.at(to)?.kind === 'string' && this.isWord(to - 1, 'zone');
    if (zone && this.isWord(to - 2, 'time') && this.isWord(to - 3, 'at')) return 'timestamp';
    if (i === to && t.kind === 'word' && TIMESTAMP_WORDS.includes(t.value)) return 'timestamp';
    const name = this.columnName(i, to);
    if (name !== undefined && TIMESTAMP_NAME.test(name)) return 'timestamp';
    if (i === to && t.kind === 'word' && t.value === 'current_date') return 'date';
    if (i === to && t.kind === 'number' && /[eE]/.test(t.text)) return 'double';
    if (i + 1 === to && t.kind === 'word' && this.at(to)?.kind === 'string') {
      if (t.value === 'timestamp') return 'timestamp';
      if (t.value === 'date') return 'date';
    }
    if (t.kind === 'word' && this.isPunct(i + 1, '(') && this.matching(i + 1) === to) {
      if (t.value === 'cast' || t.value === 'try_cast') return typeClass(this.castType(i + 1));
      if (TIMESTAMP_FUNCTIONS.includes(t.value)) return 'timestamp';
      if (t.value === 'date_trunc') {
        // date_trunc keeps a timestamp a timestamp on both engines
        const arg = this.args(i + 1)[1];
        return arg && this.classify(arg[0], arg[1]) === 'timestamp' ? 'timestamp' : 'unknown';
      }
    }
    return 'unknown';
  }

  /** The column's name when [from, to] is a column reference (`c`, `t.c`, `"t"."c"`). */
  columnName(from: number, to: number): string | undefined {
    for (let k = from; k <= to; k++) {
      const t = this.tokens[k]!;
      const even = (k - from) % 2 === 0;
      if (even ? t.kind !== 'word' && t.kind !== 'quoted' : !this.isPunct(k, '.')) return undefined;
    }
    const last = this.at(to);
    return (to - from) % 2 === 0 && last ? last.value.toLowerCase() : undefined;
  }

  /**
   * True when the expression [from, to] is the whole operand of `CAST(… AS <type>)` with a type
   * in `types` (e.g. `CAST(date_trunc('month', d) AS DATE)`).
   */
  directlyCast(from: number, to: number, types: readonly ValueClass[]): boolean {
    const open = from - 1;
    if (!this.isPunct(open, '(') || !this.isWord(open - 1, 'cast', 'try_cast')) return false;
    if (!this.isWord(to + 1, 'as')) return false;
    return types.includes(typeClass(this.castType(open)));
  }
}

const TIMESTAMP_WORDS = ['current_timestamp', 'localtimestamp'];
/**
 * Column names that say "timestamp" (`event_ts`, `created_at`, `arrival_time`): the models name
 * DATE columns `*_date` or `dt`, so a name is the one type hint the text carries.
 */
const TIMESTAMP_NAME = /(?:^|_)(?:ts|at|time|timestamp)$/;
/** Functions whose result is visibly a timestamp on both engines (shimmed where needed). */
const TIMESTAMP_FUNCTIONS = ['from_iso8601_timestamp', 'from_unixtime', 'now'];

/** What an expression visibly is (see {@link SqlTokens.classify}). */
export type ValueClass = 'timestamp' | 'date' | 'double' | 'integer' | 'unknown';

function typeClass(type: string | undefined): ValueClass {
  switch (type) {
    case 'timestamp':
      return 'timestamp';
    case 'date':
      return 'date';
    case 'double':
    case 'real':
      return 'double';
    case 'bigint':
    case 'integer':
    case 'int':
    case 'smallint':
    case 'tinyint':
      return 'integer';
    default:
      return 'unknown';
  }
}

export interface DialectRule {
  /** Stable id, used in `-- dialect-ok:` comments and in problem reports. */
  readonly id: string;
  /** What is denied, as it appears in SQL. */
  readonly construct: string;
  /** `exact`: the construct is syntactically there. `heuristic`: see {@link detection}. */
  readonly kind: 'exact' | 'heuristic';
  /** Why it is not portable (what differs between Trino and DuckDB). */
  readonly why: string;
  /** The portable way to write it. */
  readonly alternative: string;
  /** How the lint decides (for heuristic rules, what it accepts). */
  readonly detection: string;
  /** Token indexes where the construct is used. */
  readonly find: (sql: SqlTokens) => number[];
}

/** A rule that denies every call of `fn`. */
function denyCall(
  fn: string,
  why: string,
  alternative: string,
): Pick<DialectRule, 'construct' | 'kind' | 'detection' | 'why' | 'alternative' | 'find'> {
  return {
    construct: `${fn}(...)`,
    kind: 'exact',
    why,
    alternative,
    detection: `any call of \`${fn}\``,
    find: (s) => s.calls(fn),
  };
}

/** A `TIMESTAMP '…'` literal's text with a zone after the time: UTC, Z, an offset or a region. */
const ZONED_TIMESTAMP =
  /\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:z|utc|gmt|[+-]\d{1,2}(?::?\d{2})?|[a-z]+\/[a-z0-9_+\-/]+)\s*$/i;

/**
 * The rules, in the order of DESIGN.md's list. Data only: render a docs table from
 * `id`, `construct`, `kind`, `why`, `alternative`, `detection`.
 */
export const DIALECT_RULES: readonly DialectRule[] = [
  {
    id: 'concat',
    ...denyCall(
      'concat',
      "DuckDB's concat skips NULL arguments; Trino's returns NULL",
      "`a || b` (wrap a nullable side in `coalesce(x, '')` if NULL should read as empty)",
    ),
  },
  {
    id: 'date-add',
    ...denyCall(
      'date_add',
      'DuckDB has date_add(date, interval), Trino date_add(unit, n, x)',
      "`x + INTERVAL '1' DAY` (inside `CAST(... AS DATE)` when x is a DATE)",
    ),
  },
  {
    id: 'date-parse',
    ...denyCall(
      'date_parse',
      'the format patterns differ (Trino MySQL-style, DuckDB strptime) and DuckDB has no date_parse',
      '`CAST(x AS DATE)` or `from_iso8601_timestamp(x)` on ISO-8601 text',
    ),
  },
  {
    id: 'format-datetime',
    ...denyCall(
      'format_datetime',
      'Trino takes Java DateTimeFormatter patterns; DuckDB has no format_datetime',
      '`CAST(CAST(x AS DATE) AS VARCHAR)` or `substr(CAST(x AS VARCHAR), 1, 13)` for ISO text',
    ),
  },
  {
    id: 'at-timezone',
    ...denyCall(
      'at_timezone',
      'DuckDB has no at_timezone',
      'keep timestamps in UTC (both engines run with a UTC session) and `CAST(x AS TIMESTAMP)`',
    ),
  },
  {
    id: 'zoned-timestamp-literal',
    construct: "TIMESTAMP '... UTC'",
    kind: 'exact',
    why: 'Trino reads a zoned literal as TIMESTAMP WITH TIME ZONE; DuckDB drops the zone and keeps a plain TIMESTAMP',
    alternative:
      "`TIMESTAMP '2026-11-01 00:00:00'` (the sessions are UTC) or `from_iso8601_timestamp('2026-11-01T00:00:00Z')`",
    detection: 'a `TIMESTAMP` literal whose text ends in a zone (UTC, Z, GMT, ±hh:mm, Area/City)',
    find: (s) =>
      s.tokens.flatMap((t, i) =>
        t.kind === 'word' &&
        t.value === 'timestamp' &&
        s.at(i + 1)?.kind === 'string' &&
        ZONED_TIMESTAMP.test(s.at(i + 1)!.value)
          ? [i]
          : [],
      ),
  },
  {
    id: 'format',
    ...denyCall(
      'format',
      "Trino's format is Java printf-style, DuckDB's is fmt-style ({})",
      '`||` with `CAST(x AS VARCHAR)`',
    ),
  },
  {
    id: 'regexp-replace-backreference',
    construct: "regexp_replace(s, p, '...$1...')",
    kind: 'exact',
    why: 'Trino refers to groups as $1 / ${name}; DuckDB as \\1 and keeps $1 literally',
    alternative: 'pick the groups out with `regexp_extract(s, p, n)` and join them with `||`',
    detection:
      'a string literal in the third argument of `regexp_replace` that contains `$<digit>` or `${`',
    find: (s) =>
      s.calls('regexp_replace').filter((i) => {
        const replacement = s.args(i + 1)[2];
        if (!replacement) return false;
        for (let k = replacement[0]; k <= replacement[1]; k++) {
          const t = s.tokens[k]!;
          if (t.kind === 'string' && /\$(?:\d|\{)/.test(t.value)) return true;
        }
        return false;
      }),
  },
  {
    id: 'regexp-extract-unguarded',
    construct: 'regexp_extract(...) without NULLIF',
    kind: 'heuristic',
    why: "on no match Trino returns NULL, DuckDB ''",
    alternative: "`NULLIF(regexp_extract(s, p, n), '')` (or `coalesce(regexp_extract(...), '')`)",
    detection:
      "the call must be the whole first argument of `NULLIF(..., '')` or `coalesce(..., '')`, which map both results to one",
    find: (s) =>
      s.calls('regexp_extract').filter((i) => {
        const close = s.matching(i + 1);
        const open = i - 1;
        const guarded =
          s.isPunct(open, '(') &&
          s.isWord(open - 1, 'nullif', 'coalesce') &&
          s.isPunct(close + 1, ',') &&
          s.at(close + 2)?.kind === 'string' &&
          s.at(close + 2)?.value === '' &&
          s.matching(open) === close + 3;
        return !guarded;
      }),
  },
  {
    id: 'transform',
    ...denyCall(
      'transform',
      'DuckDB has no transform (its list_transform takes another lambda syntax)',
      '`CROSS JOIN UNNEST(arr) AS u(x)` and aggregate back with `array_agg`',
    ),
  },
  {
    id: 'sequence',
    ...denyCall(
      'sequence',
      'DuckDB has no sequence (its generate_series/range differ)',
      'a `VALUES` list, or join to a calendar or reference table',
    ),
  },
  {
    id: 'map-agg',
    ...denyCall(
      'map_agg',
      'DuckDB has no map_agg and maps differ between the engines',
      'one row per key (`GROUP BY key`) instead of a map column',
    ),
  },
  {
    id: 'md5',
    ...denyCall(
      'md5',
      'Trino md5 takes and returns VARBINARY; DuckDB takes VARCHAR and returns hex text',
      'a key built from the natural columns with `||`',
    ),
  },
  {
    id: 'count-if',
    ...denyCall(
      'count_if',
      'DuckDB count_if returns a HUGEINT (Trino: BIGINT), which Parquet and Glue see differently',
      '`count(*) FILTER (WHERE condition)`',
    ),
  },
  {
    id: 'min-max-by',
    construct: 'min_by(x, key) / max_by(x, key)',
    kind: 'heuristic',
    why: 'DuckDB skips the rows whose x is NULL; Trino returns the x of the row with the smallest (largest) key, NULL or not',
    alternative:
      "min_by/max_by of a column that is never NULL (the row's id: `min_by(id, ROW(ts, id))`), then join that row back for its other columns",
    detection:
      'the lint cannot see whether x can be NULL, so every min_by/max_by is flagged; where x is never NULL, say so on its line: `-- dialect-ok: min-max-by (id is never NULL)`',
    find: (s) => [...s.calls('min_by'), ...s.calls('max_by')].sort((a, b) => a - b),
  },
  {
    id: 'qualify',
    construct: 'QUALIFY',
    kind: 'exact',
    why: 'Athena (Trino) has no QUALIFY clause',
    alternative:
      'compute `row_number() OVER (...)` in a subquery or CTE and filter it with `WHERE`',
    detection: 'the bare word `qualify` (a column of that name must be double-quoted)',
    find: (s) =>
      s.tokens.flatMap((t, i) => (t.kind === 'word' && t.value === 'qualify' ? [i] : [])),
  },
  {
    id: 'date-trunc-date',
    construct: 'date_trunc(unit, date)',
    kind: 'heuristic',
    why: 'on a DATE, Trino returns a DATE and DuckDB a TIMESTAMP',
    alternative:
      "`CAST(date_trunc('month', d) AS DATE)`; on a timestamp, make it visible: `date_trunc('hour', CAST(x AS TIMESTAMP))`",
    detection:
      'accepted when the call is the whole operand of `CAST(... AS DATE|TIMESTAMP)`, or its second argument is visibly a timestamp: `CAST(... AS TIMESTAMP...)`, a `TIMESTAMP` literal, `from_iso8601_timestamp(...)`, `from_unixtime(...)`, `now()`, `current_timestamp`, a `date_trunc` of one of these, or a column named `*_ts`, `*_at`, `*_time` or `*_timestamp` (so DATE columns must not be named so)',
    find: (s) =>
      s.calls('date_trunc').filter((i) => {
        const close = s.matching(i + 1);
        if (s.directlyCast(i, close, ['date', 'timestamp'])) return false;
        const arg = s.args(i + 1)[1];
        return !arg || s.classify(arg[0], arg[1]) !== 'timestamp';
      }),
  },
  {
    id: 'interval-on-date',
    construct: '+ INTERVAL on a DATE',
    kind: 'heuristic',
    why: 'DATE ± INTERVAL is a DATE on Trino and a TIMESTAMP on DuckDB',
    alternative:
      "`CAST(d + INTERVAL '1' DAY AS DATE)`; on a timestamp, make it visible: `CAST(x AS TIMESTAMP) + INTERVAL '1' HOUR`",
    detection:
      '`x ± INTERVAL ...` (and `INTERVAL ... + x`) is accepted when x is visibly a timestamp (as for date_trunc, including `x AT TIME ZONE ...` and columns named `*_ts`, `*_at`, `*_time`, `*_timestamp`), or the arithmetic is directly inside `CAST(... AS DATE|TIMESTAMP)`',
    find: (s) =>
      s.tokens.flatMap((t, i) => {
        if (t.kind !== 'word' || t.value !== 'interval') return [];
        const insideCast = (): boolean => {
          const open = s.enclosing(i);
          return (
            s.isWord(open - 1, 'cast', 'try_cast') &&
            ['date', 'timestamp'].includes(typeClass(s.castType(open)))
          );
        };
        if (s.isPunct(i - 1, '+') || s.isPunct(i - 1, '-')) {
          const from = s.operandEndingAt(i - 2);
          if (s.classify(from, i - 2) === 'timestamp' || insideCast()) return [];
          return [i - 1];
        }
        // INTERVAL '1' DAY [TO SECOND] + x
        let end = i + 1;
        if (s.isPunct(end, '-') || s.isPunct(end, '+')) end++;
        if (s.at(end)?.kind !== 'string') return [];
        end++;
        if (s.at(end)?.kind === 'word') end++;
        if (s.isWord(end, 'to')) end += 2;
        if (!s.isPunct(end, '+')) return [];
        const to = s.operandStartingAt(end + 1);
        if (s.classify(end + 1, to) === 'timestamp' || insideCast()) return [];
        return [i];
      }),
  },
  {
    id: 'division',
    construct: 'a / b without a cast',
    kind: 'heuristic',
    why: 'DECIMAL ÷ INTEGER (or ÷ DECIMAL) is a DECIMAL rounded to a scale on Trino and a DOUBLE on DuckDB',
    alternative:
      '`CAST(a AS DOUBLE) / b`, or `CAST(a AS BIGINT) / CAST(b AS BIGINT)` for integer division',
    detection:
      'the lint cannot see types, so every `/` needs an operand written as `CAST(... AS DOUBLE|REAL)` (or a literal with an exponent, `1e0`), or both operands as `CAST(... AS <integer type>)`; the cast must be the operand right next to the `/`',
    find: (s) =>
      s.tokens.flatMap((t, i) => {
        if (t.kind !== 'punct' || t.text !== '/') return [];
        const left = s.classify(s.operandEndingAt(i - 1), i - 1);
        const right = s.classify(i + 1, s.operandStartingAt(i + 1));
        if (left === 'double' || right === 'double') return [];
        if (left === 'integer' && right === 'integer') return [];
        return [i];
      }),
  },
  {
    id: 'unnest-rows',
    construct: 'UNNEST of row arrays',
    kind: 'heuristic',
    why: 'Trino expands ARRAY(ROW(...)) into one column per field and zips several arrays; DuckDB yields one STRUCT column and takes one list',
    alternative:
      '`CROSS JOIN UNNEST(arr) AS u(r)` over one array, then `r.field` (the element as one column)',
    detection:
      'flagged when UNNEST has several arrays, or its alias names more columns than it has arrays (plus one for WITH ORDINALITY); an UNNEST without a column list is not checked',
    find: (s) =>
      s.calls('unnest').filter((i) => {
        const arrays = s.args(i + 1).length;
        if (arrays > 1) return true;
        let k = s.matching(i + 1) + 1;
        let ordinality = 0;
        if (s.isWord(k, 'with') && s.isWord(k + 1, 'ordinality')) {
          ordinality = 1;
          k += 2;
        }
        if (s.isWord(k, 'as')) k++;
        if (!(s.at(k)?.kind === 'word' || s.at(k)?.kind === 'quoted')) return false;
        if (!s.isPunct(k + 1, '(')) return false;
        return s.args(k + 1).length > arrays + ordinality;
      }),
  },
];

const RULES_BY_ID = new Map(DIALECT_RULES.map((r) => [r.id, r]));

/** `-- dialect-ok: division, unnest-rows (why)` */
const ALLOW = /dialect-ok:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)/i;

/** 1-based line and column of `offset` in `text`. */
function position(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
}

/**
 * The denied constructs in `sql`, in source order. `file` is only copied into the problems.
 * An empty result means the text uses none of them (it says nothing about whether it parses).
 */
export function lintSql(sql: string, file: string): DialectProblem[] {
  const s = new SqlTokens(sql);
  const lineStarts = [0];
  for (let i = 0; i < sql.length; i++) if (sql[i] === '\n') lineStarts.push(i + 1);

  const problems: Array<DialectProblem & { offset: number }> = [];
  const allowed = new Map<number, Set<string>>();
  for (const c of s.comments) {
    const m = ALLOW.exec(c.text);
    if (!m) continue;
    const { line, column } = position(lineStarts, c.start);
    const ids = m[1]!.split(',').map((x) => x.trim().toLowerCase());
    for (const id of ids) {
      const rule = RULES_BY_ID.get(id);
      if (rule?.kind === 'heuristic') {
        allowed.set(line, (allowed.get(line) ?? new Set()).add(id));
        continue;
      }
      const why = rule ? `${id} is an exact rule and cannot be silenced` : `unknown rule ${id}`;
      problems.push({
        file,
        line,
        column,
        construct: 'dialect-ok',
        message: `dialect-ok: ${why}`,
        alternative: `name heuristic rules only: ${DIALECT_RULES.filter(
          (r) => r.kind === 'heuristic',
        )
          .map((r) => r.id)
          .join(', ')}`,
        rule: 'dialect-ok',
        offset: c.start,
      });
    }
  }

  for (const rule of DIALECT_RULES) {
    for (const i of rule.find(s)) {
      const offset = s.tokens[i]!.start;
      const { line, column } = position(lineStarts, offset);
      if (allowed.get(line)?.has(rule.id)) continue;
      problems.push({
        file,
        line,
        column,
        construct: rule.construct,
        message: `${rule.construct} is not portable: ${rule.why}. Use ${rule.alternative}.`,
        alternative: rule.alternative,
        rule: rule.id,
        offset,
      });
    }
  }
  problems.sort((a, b) => a.offset - b.offset || a.rule.localeCompare(b.rule));
  return problems.map(({ offset: _offset, ...p }) => p);
}

/** `file:line:column construct: message`, the form editors jump to. */
export function formatProblem(p: DialectProblem): string {
  return `${p.file}:${p.line}:${p.column} ${p.construct}: ${p.message}`;
}
