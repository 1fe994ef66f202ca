import type { QueryResult, SqlEngine } from '../engine/sql-engine.ts';
import { expandMacros, type TimeRange } from './macros.ts';
import { panelColumns, type LoadedPanel } from './panel-spec.ts';

/**
 * Runs a panel's SQL for a time range, as the Athena data source would (its macros expanded),
 * and checks that the columns the panel draws are in the result: a spec that names a column its
 * SQL does not return is an error in that panel, not an empty chart.
 */
export async function queryPanel(
  engine: Pick<SqlEngine, 'query'>,
  panel: LoadedPanel,
  range: TimeRange,
): Promise<QueryResult> {
  return checkColumns(panel, await engine.query(expandMacros(panel.sql, range)));
}

/** The result, once the columns the panel draws are known to be in it. */
function checkColumns(panel: LoadedPanel, result: QueryResult): QueryResult {
  const have = new Set(result.columns.map((c) => c.name));
  const missing = panelColumns(panel).filter((c) => !have.has(c));
  if (missing.length) {
    throw new Error(
      `${panel.file} returns no column ${missing.join(', ')} (it returns ${[...have].join(', ')})`,
    );
  }
  return result;
}
