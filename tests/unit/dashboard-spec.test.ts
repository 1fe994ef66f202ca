/**
 * The panel spec's loader, the local expansion of the Athena data source's time macros, and the
 * Arrow IPC encoding of panel results.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { toArrowIpc, toEpochMs } from '../../lib/dashboards/arrow.ts';
import { allPanels, loadDashboards } from '../../lib/dashboards/dashboards.ts';
import { dayRange, expandMacros } from '../../lib/dashboards/macros.ts';
import { loadPages, panelColumns, type PageInput } from '../../lib/dashboards/panel-spec.ts';

const RANGE = dayRange('2026-11-16', '2026-11-22');

describe('time macros, expanded as grafana-athena-datasource does', () => {
  it('expands each macro to the plugin text', () => {
    expect(expandMacros('SELECT $__timeFrom(), $__timeTo()', RANGE)).toBe(
      "SELECT TIMESTAMP '2026-11-16 00:00:00', TIMESTAMP '2026-11-22 23:59:59'",
    );
    expect(expandMacros('WHERE $__timeFilter(event_ts)', RANGE)).toBe(
      "WHERE event_ts BETWEEN TIMESTAMP '2026-11-16 00:00:00' AND TIMESTAMP '2026-11-22 23:59:59'",
    );
    expect(expandMacros('WHERE $__dateFilter( d )', RANGE)).toBe(
      "WHERE d BETWEEN date '2026-11-16' AND date '2026-11-22'",
    );
  });

  it('rejects unknown macros, wrong arity and reversed ranges, naming them', () => {
    expect(() => expandMacros('SELECT $__timeGroup(ts, 1h)', RANGE)).toThrow(
      /unknown macro \$__timeGroup; panels may use \$__timeFrom/,
    );
    expect(() => expandMacros('SELECT $__timeFilter()', RANGE)).toThrow(
      '$__timeFilter takes 1 argument(s), got 0',
    );
    expect(() => dayRange('2026-11-22', '2026-11-16')).toThrow(/ends before it starts/);
    expect(() => dayRange('2026-11-22', 'today')).toThrow(/YYYY-MM-DD/);
    expect(() => dayRange('2026-02-30', '2026-03-01')).toThrow('not a date: 2026-02-30');
    expect(() => dayRange('2026-13-01', '2026-13-02')).toThrow(/not a date: 2026-13-01/);
  });
});

describe('the panel spec', () => {
  const page = (panels: unknown[]): PageInput =>
    ({ id: 'p', title: 'P', description: 'd', panels }) as PageInput;
  const stat = (id: string, extra: object = {}) => ({
    id,
    title: id,
    description: 'd',
    visual: 'stat',
    width: 6,
    height: 4,
    value: 'v',
    ...extra,
  });

  function root(files: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'panel-spec-'));
    for (const f of files) {
      mkdirSync(join(dir, 'dashboards', 'sql', 'p'), { recursive: true });
      writeFileSync(join(dir, 'dashboards', 'sql', 'p', f), 'SELECT 1 AS v;\n');
    }
    return dir;
  }

  it('reads each panel SQL file (or the shared query), without a trailing semicolon', () => {
    const [p] = loadPages([page([stat('a'), stat('b', { query: 'a' })])], root(['a.sql']));
    expect(p!.panels.map((x) => [x.id, x.file, x.sql, x.unit])).toEqual([
      ['a', 'dashboards/sql/p/a.sql', 'SELECT 1 AS v', 'number'],
      ['b', 'dashboards/sql/p/a.sql', 'SELECT 1 AS v', 'number'],
    ]);
  });

  it('lists every problem at once: bad fields, duplicate ids, missing SQL files', () => {
    const bad = [
      page([stat('a'), stat('a'), stat('c')]),
      page([stat('Bad Id'), { ...stat('d'), visual: 'gauge' }]),
      page([
        {
          ...stat('e'),
          visual: 'bar',
          category: 'c',
          values: ['x', 'y'],
          series: 's',
          value: undefined,
        },
      ]),
    ];
    let message = '';
    try {
      loadPages(bad, root(['a.sql']));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/p\/a: the id a is used twice/);
    expect(message).toMatch(/p\/c: no SQL file dashboards\/sql\/p\/c\.sql/);
    expect(message).toMatch(/panels\.0\.id: kebab-case/);
    expect(message).toMatch(/panels\.1\.visual/);
    expect(message).toMatch(/`series` \(long rows\) takes exactly one value column/);
  });

  it('rejects thresholds that do not ascend', () => {
    const p = page([
      stat('a', {
        thresholds: {
          base: 'green',
          steps: [
            { value: 5, color: 'red' },
            { value: 1, color: 'orange' },
          ],
        },
      }),
    ]);
    expect(() => loadPages([p], root(['a.sql']))).toThrow(/threshold steps must ascend/);
  });

  it("the project's pages load: four pages, unique ids, every panel with SQL", () => {
    const pages = loadDashboards();
    expect(pages.map((p) => p.id)).toEqual(['overview', 'funnel', 'customers', 'health']);
    const panels = allPanels(pages);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.sql, p.id).toMatch(/\bSELECT\b/i);
      expect(panelColumns(p).length, `${p.id} draws no column`).toBeGreaterThan(0);
    }
  });
});

describe('Arrow IPC encoding of a result', () => {
  it('sends numbers as Float64, dates and timestamps as UTC ms, strings and nulls as they are', () => {
    const ipc = toArrowIpc({
      columns: [
        { name: 'n', type: 'bigint' },
        { name: 'm', type: 'decimal(18,2)' },
        { name: 'd', type: 'date' },
        { name: 't', type: 'timestamp' },
        { name: 's', type: 'varchar' },
        { name: 'b', type: 'boolean' },
      ],
      rows: [
        {
          n: '9007199254740991',
          m: '12.50',
          d: '2026-11-20',
          t: '2026-11-20 13:05:00',
          s: 'x',
          b: true,
        },
        { n: null, m: null, d: null, t: null, s: null, b: null },
      ],
    });
    const table = tableFromIPC(ipc);
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'n:Float64',
      'm:Float64',
      'd:Timestamp<MILLISECOND, UTC>',
      't:Timestamp<MILLISECOND, UTC>',
      's:Utf8',
      'b:Bool',
    ]);
    const [first, second] = table.toArray().map((r) => r.toJSON());
    expect(first).toEqual({
      n: 9007199254740991,
      m: 12.5,
      d: Date.UTC(2026, 10, 20),
      t: Date.UTC(2026, 10, 20, 13, 5),
      s: 'x',
      b: true,
    });
    expect(Object.values(second!)).toEqual([null, null, null, null, null, null]);
  });

  it('reads DuckDB timestamps with and without a zone', () => {
    expect(toEpochMs('2026-11-20 13:05:00.5+00')).toBe(Date.UTC(2026, 10, 20, 13, 5, 0, 500));
    expect(toEpochMs('2026-11-20 15:05:00+02:00')).toBe(Date.UTC(2026, 10, 20, 13, 5));
    expect(() => toEpochMs('yesterday')).toThrow(/not a date or timestamp: yesterday/);
  });
});
