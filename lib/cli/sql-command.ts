/**
 * `lakehouse sql "SELECT ..."` (or `--file q.sql`): ad-hoc SQL on the local lake with the table
 * names an Athena console shows (`bronze_events`, `silver_events`, ... or `<database>.<table>`).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { databaseName } from '../config.ts';
import { DuckDbEngine } from '../engine/duckdb.ts';
import type { QueryResult } from '../engine/sql-engine.ts';
import { CliError, config, formatTable, lakeHome, lakeRoot, type CommonOptions } from './common.ts';

type Format = 'table' | 'csv' | 'json';

interface SqlOptions extends Pick<CommonOptions, 'lake'> {
  file?: string;
  format: Format;
  maxRows: number;
}

export async function runSql(sql: string, opts: Pick<CommonOptions, 'lake'>): Promise<QueryResult> {
  const engine = await DuckDbEngine.open({
    lakeRoot: lakeRoot(lakeHome(opts)),
    database: databaseName(config()),
  });
  try {
    return await engine.query(sql);
  } catch (err) {
    throw new CliError((err as Error).message);
  } finally {
    await engine.close();
  }
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = text(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatResult(r: QueryResult, format: Format, maxRows = Infinity): string {
  const names = r.columns.map((c) => c.name);
  if (format === 'json') return JSON.stringify(r.rows, null, 2) + '\n';
  if (format === 'csv') {
    const lines = [names.map(csvCell).join(',')];
    for (const row of r.rows) lines.push(names.map((n) => csvCell(row[n])).join(','));
    return lines.join('\n') + '\n';
  }
  const shown = r.rows.slice(0, maxRows);
  const lines = formatTable(
    names,
    shown.map((row) => names.map((n) => text(row[n]).replace(/\s+/g, ' ').slice(0, 80))),
  );
  const more =
    r.rows.length > maxRows
      ? `(${r.rows.length - maxRows} more rows; use --format csv or json for all)\n`
      : '';
  return (
    lines.join('\n') + '\n' + `(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})\n` + more
  );
}

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description('Run SQL on the local lake (same table names as the Athena console)')
    .argument('[query]', 'the SQL to run; - reads it from stdin (or use --file)')
    .option('--file <path>', 'read the SQL from a file')
    .option(
      '--format <format>',
      'table | csv | json (an array of row objects)',
      (v) => {
        if (!['table', 'csv', 'json'].includes(v)) {
          throw new InvalidArgumentError('table, csv or json');
        }
        return v as Format;
      },
      'table' as Format,
    )
    .option('--max-rows <n>', 'rows shown in table format', (v) => Number(v), 200)
    .option('--lake <dir>', 'lake home (default: $LAKEHOUSE_HOME or ./.lakehouse)')
    .action(async (query: string | undefined, opts: SqlOptions) => {
      if (query && opts.file) throw new CliError('give the SQL or --file, not both');
      let sql = query;
      if (query === '-') sql = readFileSync(0, 'utf8');
      if (opts.file) {
        try {
          sql = readFileSync(opts.file, 'utf8');
        } catch (err) {
          throw new CliError(`cannot read ${opts.file}: ${(err as Error).message}`);
        }
      }
      if (!sql?.trim())
        throw new CliError('no SQL given (lakehouse sql "SELECT ..." or --file q.sql)');
      const result = await runSql(sql, opts);
      process.stdout.write(formatResult(result, opts.format, opts.maxRows));
    });
}
