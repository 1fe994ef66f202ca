-- DuckDB shims that let the Athena engine v3 (Trino) SQL of athena/models run unchanged on DuckDB.
--
-- Loaded by lib/engine/duckdb-compat.ts (prepareConnection) on every DuckDB connection, right
-- after `SET TimeZone = 'UTC'` (Athena sessions are UTC), `SET integer_division = true`
-- (Trino's `7 / 2` is 3) and `SET disabled_optimizers = 'common_subexpressions'` (DuckDB 1.5
-- hoists a subexpression that occurs twice out of an enclosing TRY(...), so its error escapes;
-- these macros name their arguments more than once). Measured on DuckDB 1.5.5; the expectations
-- are pinned in tests/unit/duckdb-compat.test.ts.
--
-- Conventions:
-- * Every macro is TEMP: it lives in the connection's temp catalog, which DuckDB searches before
--   the built-ins, so it works whatever database the connection uses and is never persisted into
--   a database file. Each connection therefore runs this file once.
-- * A macro named like a DuckDB built-in hides every overload of that built-in; inside the file
--   the original is always called as system.main.<name>.
-- * Trino raises where these macros must raise too, so that `TRY(...)` yields NULL on both
--   engines. DuckDB's error() is volatile and TRY refuses volatile functions, so a macro raises by
--   casting a message to the result type, e.g. CAST('from_iso8601_timestamp: ...' AS TIMESTAMPTZ):
--   the message then appears inside DuckDB's conversion error. The message always includes an
--   argument: DuckDB 1.5 may evaluate a constant raising expression even in a branch no row
--   takes (seen inside a subscript), failing every row.
-- * DuckDB macros cannot be used as window functions unless their body is a single aggregate call
--   (approx_distinct can, approx_percentile cannot).
--
-- Reference: https://trino.io/docs/current/functions/ (the page is named per macro) and, where the
-- docs are silent, the Trino source the behaviour comes from.

-- from_iso8601_timestamp(string) -> timestamp(3) with time zone
-- Trino (datetime.html; Joda ISODateTimeFormat.dateTimeParser().withOffsetParsed()): keeps the
-- instant the offset denotes ('2026-11-01T23:30:00-02:00' is 2026-11-02 01:30 UTC), 'Z' is UTC,
-- no offset means the session zone (UTC on Athena and here), a date alone is midnight, fractional
-- seconds are truncated to milliseconds, 't'/'z' are accepted in any case, and a malformed string
-- raises (so TRY(...) is NULL). A plain CAST(... AS TIMESTAMP) in DuckDB would silently drop the
-- offset; DuckDB's TIMESTAMPTZ cast alone would also accept forms Trino rejects (a space for 'T',
-- zone names, hour 24, surrounding blanks).
-- Accepted: YYYY-MM-DD[THH:MM[:SS[.f{1,9}]][Z|+HH|+HHMM|+HH:MM]] (any sign).
-- Differences left: the result is an instant (DuckDB TIMESTAMPTZ), not a value carrying its
-- offset, so hour(), day_of_week(), CAST(... AS DATE|TIMESTAMP) and date_trunc() on it see UTC
-- where Trino sees the original offset: apply `AT TIME ZONE 'UTC'` first (same result on both).
-- Joda's rarer ISO forms raise here but parse on Trino: reduced precision (yyyy, yyyy-MM, THH),
-- week and ordinal dates, ',' as the decimal mark, fractional hours or minutes, a time without a
-- date, and 1-digit months or days.
CREATE OR REPLACE TEMP MACRO from_iso8601_timestamp(s) AS
  CASE
    -- Fast path for the common full form (date, time with seconds, offset), same result.
    WHEN regexp_full_match(
      s,
      '\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)'
    ) THEN date_trunc('millisecond', CAST(s AS TIMESTAMPTZ))
    WHEN regexp_full_match(
      upper(s),
      '\d{4}-\d{2}-\d{2}'
      || '(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3])(:?[0-5]\d)?)?)?'
    ) THEN date_trunc(
      'millisecond',
      -- DuckDB needs the seconds when an offset follows: T23:30Z -> T23:30:00Z
      CAST(
        regexp_replace(upper(s), '^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})([^:]|$)', '\1:00\2')
        AS TIMESTAMPTZ
      )
    )
    ELSE CAST('from_iso8601_timestamp: invalid format: ' || s AS TIMESTAMPTZ)
  END;

-- from_iso8601_date(string) -> date
-- Trino (datetime.html; Joda ISODateTimeFormat.dateElementParser()): a calendar date
-- ('2020-05-11'), a reduced one ('2020-05', '2020'), an ISO week date ('2020-W10' is 2020-03-02,
-- '2020-W10-3' its Wednesday) or an ordinal date ('2020-123' is 2020-05-02); anything else, a time
-- part included, raises. Out-of-range fields (month 13, Feb 30, week 54, day 367) raise.
-- Differences left: signed or 5+-digit years and 1-digit months or days parse on Trino only.
CREATE OR REPLACE TEMP MACRO from_iso8601_date(s) AS
  CASE
    WHEN regexp_full_match(s, '\d{4}-\d{2}-\d{2}') THEN CAST(s AS DATE)
    WHEN regexp_full_match(s, '\d{4}-\d{2}') THEN CAST(s || '-01' AS DATE)
    WHEN regexp_full_match(s, '\d{4}') THEN CAST(s || '-01-01' AS DATE)
    WHEN regexp_full_match(s, '\d{4}-\d{3}')
      AND TRY_CAST(system.main.substr(s, 6, 3) AS INTEGER)
        BETWEEN 1 AND dayofyear(make_date(TRY_CAST(system.main.substr(s, 1, 4) AS INTEGER), 12, 31))
      THEN make_date(CAST(system.main.substr(s, 1, 4) AS INTEGER), 1, 1)
        + (CAST(system.main.substr(s, 6, 3) AS INTEGER) - 1)
    WHEN regexp_full_match(s, '\d{4}-W\d{2}(-[1-7])?')
      AND TRY_CAST(system.main.substr(s, 7, 2) AS INTEGER)
        BETWEEN 1 AND week(make_date(TRY_CAST(system.main.substr(s, 1, 4) AS INTEGER), 12, 28))
      THEN make_date(CAST(system.main.substr(s, 1, 4) AS INTEGER), 1, 4)
        - CAST(
          isodow(make_date(CAST(system.main.substr(s, 1, 4) AS INTEGER), 1, 4)) - 1 AS INTEGER
        )
        + (CAST(system.main.substr(s, 7, 2) AS INTEGER) - 1) * 7
        + (coalesce(CAST(nullif(system.main.substr(s, 10, 1), '') AS INTEGER), 1) - 1)
    ELSE CAST('from_iso8601_date: invalid format: ' || s AS DATE)
  END;

-- regexp_like(string, pattern) -> boolean
-- Trino (regexp.html): true when the pattern matches anywhere in the string (a contains, not a
-- full match; anchor with ^ and $). DuckDB's regexp_matches has the same semantics.
-- Differences left: Trino compiles Java-syntax patterns with Joni, DuckDB uses RE2: no
-- backreferences, lookaround or possessive quantifiers here (RE2 rejects them, loudly), and
-- Java's `$` also matches before a final line terminator. Keep patterns to the common subset.
CREATE OR REPLACE TEMP MACRO regexp_like(s, pattern) AS regexp_matches(s, pattern);

-- approx_distinct(x [, max_standard_error]) -> bigint
-- Trino (aggregate.html): HyperLogLog estimate of count(DISTINCT x) with a 2.3% standard error
-- by default, exact in practice for small inputs (sparse representation); NULLs are not counted.
-- DuckDB's approx_count_distinct is far off on small inputs (measured: 1,000 distinct values
-- estimated as 1,249), so the shim counts exactly.
-- Differences left: on large inputs Trino's value is an estimate and this one is exact; the
-- max_standard_error argument is accepted and ignored (Trino validates its range).
CREATE OR REPLACE TEMP MACRO approx_distinct(x) AS count(DISTINCT x),
  (x, max_standard_error) AS count(DISTINCT x);

-- approx_percentile(x, percentage) -> same type as x
-- Trino (aggregate.html; ApproximateLongPercentileAggregations, airlift TDigest.valueAt): the
-- percentile of the non-NULL values of x, percentage in [0, 1] (outside raises), a value of the
-- input type. While the t-digest holds one centroid per value (small groups) its answer is the
-- order statistic at 0-based rank floor(percentage * n), capped at n - 1: 0.5 of [1, 2, 3, 4] is
-- 3. The shim returns exactly that order statistic. DuckDB's quantile_disc would give 2 and its
-- approx_quantile interpolates.
-- Differences left: on large groups Trino interpolates between merged centroids and this stays
-- an exact order statistic; no weighted (x, w, p) or array-of-percentages form; cannot be used
-- as a window function here; memory grows with the group (it sorts the group's values).
CREATE OR REPLACE TEMP MACRO approx_percentile(x, percentage) AS
  CASE
    WHEN percentage BETWEEN 0 AND 1 THEN
      list_sort(list(x) FILTER (WHERE x IS NOT NULL))[
        CAST(least(floor(percentage * count(x)), count(x) - 1) AS BIGINT) + 1
      ]
    ELSE list_sort(list(x))[
      CAST(
        'approx_percentile: percentile must be between 0 and 1, got ' || CAST(percentage AS VARCHAR)
        AS BIGINT
      )
    ]
  END;

-- to_unixtime(timestamp) -> double
-- Trino (datetime.html): seconds since 1970-01-01 00:00:00 UTC, fractional. A timestamp without
-- zone is read in the session zone (UTC). DuckDB's epoch() is the same.
CREATE OR REPLACE TEMP MACRO to_unixtime(ts) AS epoch(ts);

-- from_unixtime(unixtime) -> timestamp(3) with time zone
-- Trino (datetime.html; DateTimeFunctions.fromUnixTime): the double is rounded to milliseconds
-- with Java's Math.round (floor(x * 1000 + 0.5)), in the session zone (UTC).
-- Differences left: the (unixtime, zone) and (unixtime, hours, minutes) forms are not shimmed
-- (DuckDB raises a binder error for them).
CREATE OR REPLACE TEMP MACRO from_unixtime(unixtime) AS
  make_timestamptz(CAST(floor(CAST(unixtime AS DOUBLE) * 1000 + 0.5) AS BIGINT) * 1000);

-- json_parse(string) -> json
-- Trino (json.html; JsonTypeUtil.jsonParse, Jackson with default features): parses RFC 7159
-- text and raises on anything else, so TRY(json_parse('{bad')) is NULL; the result is minified.
-- DuckDB's JSON reader is laxer: it accepts trailing commas ('[1,]') and NaN / Infinity tokens.
-- The shim rejects them too, looking outside string literals, but only on lines that contain
-- ',]', ',}', 'NaN' or 'Infinity' at all: the full check costs ~8x the parse, so every other
-- line skips it.
-- Differences left: trailing commas followed by blanks (', ]') and lower-case nan / inf tokens
-- are still accepted here. Trino's JSON value is canonical (object keys sorted, numbers
-- re-printed by Java: 1e21 -> 1.0E21, 0.0001 -> 1.0E-4, duplicate keys collapsed to the last);
-- here keys keep their order, duplicates stay, and numbers print the DuckDB way (12.50 -> 12.5
-- and 1e3 -> 1000.0 on both). Compare scalars, not json_format() of whole objects.
CREATE OR REPLACE TEMP MACRO json_parse(s) AS
  CASE
    WHEN (
      contains(s, ',]') OR contains(s, ',}') OR contains(s, 'NaN') OR contains(s, 'Infinity')
    )
      AND regexp_matches(
        regexp_replace(s, '"(?:[^"\\]|\\.)*"', '""', 'g'),
        ',[ \t\n\r]*[\]}]|NaN|Infinity'
      )
      THEN CAST('json_parse: Cannot convert value to JSON: ' || s AS JSON)
    -- Valid text is returned as it is (not re-serialized: that doubles the cost); json_format
    -- minifies what it prints, so the canonical form is still what a reader sees.
    WHEN json_valid(s) THEN CAST(s AS JSON)
    ELSE system.main.json_extract(CAST(s AS JSON), '$')
  END;

-- json_extract_scalar(json, json_path) -> varchar
-- Trino (json.html; JsonExtract with ScalarValueJsonExtractor): works on JSON and on varchar
-- text; returns the scalar at the path as text (a string unquoted and unescaped, a number or
-- boolean as text); NULL for an object, an array, a JSON null, a missing path and for malformed
-- varchar text (json_extract_scalar(j, '$') of a JSON scalar is its unquoted value). DuckDB's
-- json_extract_string instead returns objects and arrays as text and raises on malformed text.
-- Paths: $.key, $.key[0], $[0] and Trino's $["key"] (rewritten to DuckDB's $."key").
-- Differences left: numbers come back as DuckDB prints them (on varchar input Trino keeps the
-- literal text: '12.50' stays '12.50' there, '12.5' here); Trino's extractor streams, so it can
-- return a value from a document that is malformed after it, where this returns NULL; DuckDB's
-- wildcard paths ($.*) are not Trino syntax and change the result type.
-- Fast path, same result without parsing: '$' of a JSON string with no escapes and no control
-- characters is the text between its quotes.
CREATE OR REPLACE TEMP MACRO json_extract_scalar(j, json_path) AS
  CASE
    WHEN json_path = '$' AND regexp_full_match(CAST(j AS VARCHAR), '"[^"\\\x00-\x1f]*"')
      THEN system.main.substr(CAST(j AS VARCHAR), 2, length(CAST(j AS VARCHAR)) - 2)
    WHEN json_valid(j) THEN system.main.json_extract_string(
      json_value(j, regexp_replace(json_path, '\["((?:[^"\\]|\\.)*)"\]', '."\1"', 'g')),
      '$'
    )
  END;

-- json_format(json) -> varchar
-- Trino (json.html): the JSON text of the value, minified; strings keep their quotes
-- (json_format(JSON '"a"') = '"a"', json_format(JSON '42') = '42'). Not CAST(json AS VARCHAR),
-- which differs between the engines (see the tests).
-- Differences left: the canonical form differs as described for json_parse (key order, number
-- printing outside DuckDB's and Java's common range).
-- Fast path, same result without parsing: a JSON string with no escapes and no control
-- characters, a plain number, true, false or null is already in minified form.
CREATE OR REPLACE TEMP MACRO json_format(j) AS
  CASE
    WHEN regexp_full_match(CAST(j AS VARCHAR), '"[^"\\\x00-\x1f]*"|true|false|null|0|-?[1-9][0-9]{0,14}')
      THEN CAST(j AS VARCHAR)
    ELSE CAST(system.main.json_extract(CAST(j AS JSON), '$') AS VARCHAR)
  END;

-- cardinality(x) -> bigint
-- Trino (array.html, map.html): the number of elements of an array or entries of a map; NULL
-- for NULL. DuckDB's cardinality only takes maps and its len() only lists, and a macro cannot
-- dispatch on type, so both are counted through their JSON text (to_json binds for any type).
-- Differences left: slower than len() on long arrays (serializes them).
CREATE OR REPLACE TEMP MACRO cardinality(x) AS
  CASE
    WHEN typeof(x) LIKE 'MAP(%' THEN CAST(len(json_keys(to_json(x))) AS BIGINT)
    ELSE CAST(json_array_length(to_json(x)) AS BIGINT)
  END;

-- element_at(array, index) -> element; element_at(map, key) -> value
-- Trino (array.html, map.html): arrays are 1-based, a negative index counts from the end, an
-- index past either end is NULL and index 0 raises ('SQL array indices start at 1'); maps return
-- the value for the key or NULL when absent. DuckDB's element_at returns a one-element list for
-- maps; its subscript x[k] has Trino's element_at semantics for both (except index 0 -> NULL).
-- Note: Trino's own subscript (arr[9], map['absent']) raises where DuckDB's returns NULL: write
-- element_at() in models, never the subscript.
CREATE OR REPLACE TEMP MACRO element_at(x, k) AS
  CASE
    WHEN typeof(x) NOT LIKE 'MAP(%' AND CAST(k AS VARCHAR) = '0'
      THEN x[CASE
        WHEN CAST('element_at: SQL array indices start at 1, got ' || CAST(k AS VARCHAR) AS BOOLEAN)
          THEN k
      END]
    ELSE x[k]
  END;

-- array_except(x, y) -> array
-- Trino (array.html; ArrayExceptFunction): the elements of x that are not in y, without
-- duplicates, in the order of their first occurrence in x; NULL when x or y is NULL. Elements
-- compare as IS NOT DISTINCT FROM: a NULL in x is kept once, unless y holds a NULL too.
-- DuckDB has no array_except; list_position matches NULLs that way, and its list_distinct
-- would neither keep the order nor the NULL.
-- Differences left: Trino releases since 2023 return x itself when y is empty, duplicates
-- included (array_except(ARRAY[1, 1], ARRAY[]) is [1, 1] there, [1] here; the docs and older
-- releases say "without duplicates"); quadratic in the length of x (fine for short arrays).
CREATE OR REPLACE TEMP MACRO array_except(x, y) AS
  CASE
    WHEN y IS NOT NULL
      THEN list_filter(x, (e, i) -> list_position(x, e) = i AND list_position(y, e) IS NULL)
  END;

-- array_join(x, delimiter [, null_replacement]) -> varchar
-- Trino (array.html; ArrayJoin): the elements cast to varchar and joined with the delimiter;
-- NULL elements are skipped (or written as null_replacement), so an empty array or one of NULLs
-- gives ''; NULL when any argument is NULL. DuckDB has no array_join, and its array_to_string
-- gives NULL for an array of NULLs and ignores a NULL delimiter.
-- Differences left: non-text elements print as DuckDB casts them to VARCHAR (doubles as 1e+21,
-- not 1.0E21; timestamps without trailing milliseconds); Trino rejects element types it cannot
-- cast to varchar (rows, maps), DuckDB prints them.
CREATE OR REPLACE TEMP MACRO array_join(x, delimiter) AS
  CASE
    WHEN delimiter IS NOT NULL THEN array_to_string(list_filter(x, e -> e IS NOT NULL), delimiter)
  END,
  (x, delimiter, null_replacement) AS
  CASE
    WHEN delimiter IS NOT NULL AND null_replacement IS NOT NULL
      THEN array_to_string(
        list_transform(x, e -> coalesce(CAST(e AS VARCHAR), null_replacement)),
        delimiter
      )
  END;

-- day_of_week(x) / dow(x) -> bigint, and the other Trino date-part names DuckDB lacks
-- Trino (datetime.html): ISO day of the week, 1 (Monday) to 7 (Sunday); day_of_year / doy
-- (1-366), day_of_month (= day), week_of_year (= week, ISO), year_of_week / yow (ISO week-year).
-- DuckDB's dayofweek() and EXTRACT(DOW ...) are 0 (Sunday) to 6: never use EXTRACT(DOW ...).
-- Differences left: on a TIMESTAMPTZ Trino uses the value's own offset and DuckDB the session
-- zone (UTC): normalize with AT TIME ZONE 'UTC' first, as for every date part.
CREATE OR REPLACE TEMP MACRO day_of_week(x) AS isodow(x);
CREATE OR REPLACE TEMP MACRO dow(x) AS isodow(x);
CREATE OR REPLACE TEMP MACRO day_of_year(x) AS dayofyear(x);
CREATE OR REPLACE TEMP MACRO doy(x) AS dayofyear(x);
CREATE OR REPLACE TEMP MACRO day_of_month(x) AS dayofmonth(x);
CREATE OR REPLACE TEMP MACRO week_of_year(x) AS week(x);
CREATE OR REPLACE TEMP MACRO year_of_week(x) AS isoyear(x);
CREATE OR REPLACE TEMP MACRO yow(x) AS isoyear(x);

-- millisecond(x) -> bigint
-- Trino (datetime.html): the millisecond of the second, 0-999. DuckDB's millisecond() counts
-- from the start of the minute (seconds * 1000 + ms), so 05.321 gives 5321 there, 321 here.
CREATE OR REPLACE TEMP MACRO millisecond(x) AS system.main.millisecond(x) % 1000;

-- date_diff(unit, timestamp1, timestamp2) -> bigint
-- Trino (datetime.html; Joda DateTimeField.getDifferenceAsLong): the number of whole units from
-- timestamp1 to timestamp2, truncated toward zero: 23:00 to 01:00 the next day is 0 days. DuckDB's
-- date_diff counts unit boundaries crossed (1 there); its date_sub counts whole units, including
-- Joda's end-of-month rule (Jan 31 -> Feb 28 is one month) and leap-day rule for years.
-- Units: millisecond, second, minute, hour, day, week, month, quarter, year (any case).
-- Differences left: DuckDB also accepts plural and other units where Trino raises; on
-- TIMESTAMPTZ month and year differences use UTC here and timestamp1's offset on Trino.
CREATE OR REPLACE TEMP MACRO date_diff(unit, timestamp1, timestamp2) AS
  date_sub(unit, timestamp1, timestamp2);

-- from_utf8(binary) -> varchar
-- Trino (binary.html; airlift SliceUtf8.fixInvalidUtf8): decodes UTF-8, replacing each invalid
-- sequence with U+FFFD. DuckDB's decode() raises on invalid UTF-8, so the slow path tokenizes
-- the hex dump the way airlift does (a lead byte with its continuation bytes, a lone
-- continuation byte, 0xFE/0xFF, an ASCII byte), keeps valid tokens (no overlong forms, no
-- surrogates, nothing above U+10FFFF) and replaces each other token with EF BF BD.
-- Differences left: the (binary, replace) forms are not shimmed; invalid input is slow (TRY
-- falls back to row-at-a-time evaluation).
CREATE OR REPLACE TEMP MACRO from_utf8(b) AS
  coalesce(
    TRY(decode(b)),
    decode(unhex(array_to_string(list_transform(
      regexp_extract_all(
        hex(b),
        '[CD][0-9A-F][89AB][0-9A-F]|E[0-9A-F](?:[89AB][0-9A-F]){2}|F[0-7](?:[89AB][0-9A-F]){3}'
        || '|F[89AB](?:[89AB][0-9A-F]){4}|F[CD](?:[89AB][0-9A-F]){5}'
        || '|(?:[CD][0-9A-F]|E[0-9A-F]|F[0-9A-D])(?:[89AB][0-9A-F])*'
        || '|[89AB][0-9A-F]|F[EF]|[0-7][0-9A-F]'
      ),
      tok -> CASE
        WHEN regexp_full_match(
          tok,
          '[0-7][0-9A-F]|(C[2-9A-F]|D[0-9A-F])[89AB][0-9A-F]'
          || '|(E0[AB][0-9A-F]|E[1-9A-CEF][89AB][0-9A-F]|ED[89][0-9A-F])[89AB][0-9A-F]'
          || '|(F0(9[0-9A-F]|[AB][0-9A-F])|F[1-3][89AB][0-9A-F]|F48[0-9A-F])'
          || '[89AB][0-9A-F][89AB][0-9A-F]'
        ) THEN tok
        ELSE 'EFBFBD'
      END
    ), '')))
  );

-- split_part(string, delimiter, index) -> varchar
-- Trino (string.html; StringFunctions.splitPart): field `index` counting from 1; NULL when the
-- index is past the last field; index 0 or negative raises; an empty delimiter splits into
-- characters. DuckDB's split_part returns '' past the end and counts negative indexes from the
-- end.
CREATE OR REPLACE TEMP MACRO split_part(s, delimiter, idx) AS
  CASE
    WHEN idx <= 0
      THEN CAST(CAST(
        'split_part: index must be greater than zero, got ' || CAST(idx AS VARCHAR) AS INTEGER
      ) AS VARCHAR)
    WHEN idx <= len(string_split(s, delimiter)) THEN system.main.split_part(s, delimiter, idx)
  END;

-- substr(string, start [, length]) and its alias substring
-- Trino (string.html; StringFunctions.substring): 1-based, in code points; start 0 gives '';
-- a negative start counts from the end and one before the beginning gives ''; a length of 0 or
-- less gives ''. DuckDB follows PostgreSQL there (substr('hello', 0, 2) = 'h',
-- substr('hello', -10) = 'hello', substr('hello', 2, -1) = 'h').
CREATE OR REPLACE TEMP MACRO substr(s, start) AS
  CASE
    WHEN s IS NULL OR start IS NULL THEN NULL
    WHEN start = 0 OR start < -length(s) THEN ''
    ELSE system.main.substr(s, start)
  END,
  (s, start, n) AS
  CASE
    WHEN s IS NULL OR start IS NULL OR n IS NULL THEN NULL
    WHEN start = 0 OR start < -length(s) OR n <= 0 THEN ''
    ELSE system.main.substr(s, start, n)
  END;
CREATE OR REPLACE TEMP MACRO substring(s, start) AS substr(s, start),
  (s, start, n) AS substr(s, start, n);

-- trim / ltrim / rtrim(string [, characters]) -> varchar
-- Trino (string.html; airlift SliceUtf8.trim): removes Java whitespace (Character.isWhitespace:
-- tab, LF, VT, FF, CR, U+001C-U+001F, space, U+1680, U+2000-U+2006, U+2008-U+200A, U+2028,
-- U+2029, U+205F, U+3000), not the no-break spaces U+00A0, U+2007, U+202F. DuckDB's one-argument
-- trim removes spaces and U+00A0 but keeps tabs and newlines. The two-argument forms (remove
-- any of the given characters) are the same on both engines and pass through.
-- trino_whitespace() is a helper (not a Trino function): the set above.
CREATE OR REPLACE TEMP MACRO trino_whitespace() AS
  chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(28) || chr(29) || chr(30) || chr(31)
  || chr(32) || chr(5760) || chr(8192) || chr(8193) || chr(8194) || chr(8195) || chr(8196)
  || chr(8197) || chr(8198) || chr(8200) || chr(8201) || chr(8202) || chr(8232) || chr(8233)
  || chr(8287) || chr(12288);
-- Written as one regular expression over the same set: DuckDB's trim with a character set is
-- several times slower, and a macro that names its argument more than once evaluates it more
-- than once (the common-subexpression optimizer is off, see the top of this file).
CREATE OR REPLACE TEMP MACRO trim(s) AS
  system.main.regexp_replace(s, '^[\t-\r\x1c-\x20\x{1680}\x{2000}-\x{2006}\x{2008}-\x{200a}\x{2028}\x{2029}\x{205f}\x{3000}]+|[\t-\r\x1c-\x20\x{1680}\x{2000}-\x{2006}\x{2008}-\x{200a}\x{2028}\x{2029}\x{205f}\x{3000}]+$', '', 'g'),
  (s, characters) AS system.main.trim(s, characters);
CREATE OR REPLACE TEMP MACRO ltrim(s) AS
  system.main.regexp_replace(s, '^[\t-\r\x1c-\x20\x{1680}\x{2000}-\x{2006}\x{2008}-\x{200a}\x{2028}\x{2029}\x{205f}\x{3000}]+', ''),
  (s, characters) AS system.main.ltrim(s, characters);
CREATE OR REPLACE TEMP MACRO rtrim(s) AS
  system.main.regexp_replace(s, '[\t-\r\x1c-\x20\x{1680}\x{2000}-\x{2006}\x{2008}-\x{200a}\x{2028}\x{2029}\x{205f}\x{3000}]+$', ''),
  (s, characters) AS system.main.rtrim(s, characters);

-- regexp_extract(string, pattern [, group]) -> varchar
-- Trino (regexp.html): the first match (or its capturing group), NULL when the pattern does not
-- match. DuckDB returns '' for no match.
-- Differences left: a group that did not take part in the match ('(x)?c' on 'abc', group 1) is
-- NULL on Trino and '' here; a group number above the pattern's count raises on Trino only.
CREATE OR REPLACE TEMP MACRO regexp_extract(s, pattern) AS
  CASE WHEN regexp_matches(s, pattern) THEN system.main.regexp_extract(s, pattern) END,
  (s, pattern, grp) AS
  CASE WHEN regexp_matches(s, pattern) THEN system.main.regexp_extract(s, pattern, grp) END;

-- from_base64(string) -> varbinary
-- Trino (binary.html; BinaryFunctions.fromBase64Varchar, java.util.Base64.getDecoder()): the
-- trailing '=' padding is optional ('aGk' decodes to 'hi'); other malformed input raises. DuckDB
-- requires the padding, so the shim adds it.
CREATE OR REPLACE TEMP MACRO from_base64(s) AS
  system.main.from_base64(s || repeat('=', CAST((4 - length(s) % 4) % 4 AS INTEGER)));
