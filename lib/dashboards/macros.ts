/**
 * The Athena data source's time macros, expanded locally to the text Grafana's plugin
 * (grafana-athena-datasource, `pkg/athena/macros.go`) produces in the account, so a panel's SQL
 * is one text on both engines. Only the macros a panel may use are known; any other `$__name(`
 * is an error naming it, rather than SQL that fails further on.
 */

export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}

/** `2026-11-22 13:05:00` (UTC), the plugin's timestamp format. */
function stamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

const MACROS: Record<string, (range: TimeRange, args: string[]) => string> = {
  timeFrom: (r) => `TIMESTAMP '${stamp(r.from)}'`,
  timeTo: (r) => `TIMESTAMP '${stamp(r.to)}'`,
  timeFilter: (r, [col]) =>
    `${col} BETWEEN TIMESTAMP '${stamp(r.from)}' AND TIMESTAMP '${stamp(r.to)}'`,
  dateFilter: (r, [col]) => `${col} BETWEEN date '${day(r.from)}' AND date '${day(r.to)}'`,
};
const ARITY: Record<string, number> = { timeFrom: 0, timeTo: 0, timeFilter: 1, dateFilter: 1 };

export const SUPPORTED_MACROS = Object.keys(MACROS).map((m) => `$__${m}`);

/** Replaces every `$__macro(args)` in `sql` for the range; throws on an unknown macro. */
export function expandMacros(sql: string, range: TimeRange): string {
  if (!(range.from <= range.to)) throw new Error('the time range ends before it starts');
  return sql.replace(/\$__(\w+)\(([^()]*)\)/g, (_m, name: string, argText: string) => {
    const macro = MACROS[name];
    if (!macro) {
      throw new Error(`unknown macro $__${name}; panels may use ${SUPPORTED_MACROS.join(', ')}`);
    }
    const args = argText.trim() === '' ? [] : argText.split(',').map((a) => a.trim());
    if (args.length !== ARITY[name]) {
      throw new Error(`$__${name} takes ${ARITY[name]} argument(s), got ${args.length}`);
    }
    return macro(range, args);
  });
}

/** Whole UTC days `from` … `to` (inclusive), as the local time picker sends them. */
export function dayRange(from: string, to: string): TimeRange {
  const re = /^\d{4}-\d{2}-\d{2}$/;
  if (!re.test(from) || !re.test(to))
    throw new Error(`dates must be YYYY-MM-DD, got ${from} and ${to}`);
  const range = { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T23:59:59Z`) };
  // Date.parse rolls 2026-02-30 over to March: a date must print back as it was written.
  for (const [text, d] of [
    [from, range.from],
    [to, range.to],
  ] as const) {
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) {
      throw new Error(`not a date: ${text}`);
    }
  }
  if (range.from > range.to) throw new Error(`the range ${from} … ${to} ends before it starts`);
  return range;
}
