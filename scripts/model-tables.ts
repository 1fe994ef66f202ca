#!/usr/bin/env tsx
/**
 * `npm run ddl`: regenerates athena/ddl/model-tables.json, the typed Glue definitions of the
 * model tables that `cdk deploy` creates (see lib/catalog/model-tables.ts).
 */
import {
  MODEL_TABLES_PATH,
  ModelTableError,
  writeModelTables,
} from '../lib/catalog/model-tables.ts';

try {
  const tables = await writeModelTables();
  console.log(`${MODEL_TABLES_PATH}: ${tables.length} tables`);
  for (const t of tables) {
    const partition = t.partitionKeys.length ? `, partitioned by ${t.partitionKeys[0]!.name}` : '';
    console.log(`  ${t.layer}.${t.name} (${t.columns.length} columns${partition})`);
  }
} catch (e) {
  if (!(e instanceof ModelTableError)) throw e;
  console.error(`ddl: ${e.message}`);
  process.exitCode = 1;
}
