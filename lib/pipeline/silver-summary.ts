/**
 * What a build did, for people: per model the partitions and rows written, and for Silver the
 * reconciliation (lines in = events + quarantined + duplicates dropped: the `reconcile_lines`
 * check the run's Silver gate ran, read back from `dq_results`) and the quarantine by reason and
 * field (the saved query, on the dates just built).
 */
import type { DuckDbEngine } from '../engine/duckdb.ts';
import { savedQuery } from '../catalog/saved-queries.ts';
import { sqlString, withScopedInputs } from '../engine/wrap.ts';

export interface ReconciliationRow {
  dt: string;
  bronzeLines: number;
  silverRows: number;
  quarantined: number;
  duplicatesDropped: number;
  unaccounted: number;
}

export interface BuildSummary {
  seconds: number;
  models: {
    model: string;
    layer: string;
    partitions: number;
    rows: number;
    removed: number;
    seconds: number;
    bytes: number;
  }[];
  /** Dates whose Silver was rebuilt, with their reconciliation. */
  reconciliation: ReconciliationRow[];
  totals: Omit<ReconciliationRow, 'dt'>;
  quarantine: { reason: string; detail: string | null; lines: number }[];
}

/** Tables the quarantine summary reads, partitioned by `dt`. */
const SILVER_SCOPE = { silver_quarantine: 'dt' };

/** One model a run built: the partition values it was asked for, and what it wrote. */
export interface BuiltModel {
  readonly model: string;
  readonly layer: string;
  /** Partition values planned (empty for a whole table). */
  readonly partitions: readonly string[];
  readonly rows: number;
  readonly removed: number;
  readonly seconds: number;
  readonly bytes: number;
}

export async function summarizeSilver(
  engine: DuckDbEngine,
  built: readonly BuiltModel[],
  seconds: number,
  runId: string,
): Promise<BuildSummary> {
  const models = built.map((r) => ({
    model: r.model,
    layer: r.layer,
    partitions: r.partitions.length,
    rows: r.rows,
    removed: r.removed,
    seconds: r.seconds,
    bytes: r.bytes,
  }));
  const dtModels = ['silver_event_lines', 'silver_events', 'silver_quarantine'];
  const dates = [
    ...new Set(built.filter((r) => dtModels.includes(r.model)).flatMap((r) => r.partitions)),
  ].sort();
  const names = new Set(built.map((r) => r.model));
  const totals = {
    bronzeLines: 0,
    silverRows: 0,
    quarantined: 0,
    duplicatesDropped: 0,
    unaccounted: 0,
  };
  if (dates.length === 0 || !dtModels.every((t) => names.has(t))) {
    return { seconds, models, reconciliation: [], totals, quarantine: [] };
  }
  const scoped = (name: string) =>
    withScopedInputs(savedQuery(name), SILVER_SCOPE, dates, (t) => engine.qualify(t));
  // The reconciliation is a check the run's Silver gate ran already: read its results.
  await engine.refreshRecords((t) => t === 'dq_results');
  const rec = await engine.query(
    `SELECT "partition", details FROM ${engine.qualify('dq_results')} ` +
      `WHERE run_id = ${sqlString(runId)} AND table_name = 'silver_events' ` +
      `AND check_name = 'reconcile_lines' ORDER BY "partition"`,
  );
  const reconciliation = rec.rows.flatMap((r) => {
    const f = JSON.parse(String(r.details ?? '{}')) as Record<string, number | undefined>;
    if (r.partition === null || f.left === undefined || f.right === undefined) return [];
    return [
      {
        dt: String(r.partition),
        bronzeLines: f.left,
        silverRows: f.silver_rows ?? 0,
        quarantined: f.quarantined ?? 0,
        duplicatesDropped: f.duplicates_dropped ?? 0,
        unaccounted: f.left - f.right,
      },
    ];
  });
  for (const r of reconciliation) {
    totals.bronzeLines += r.bronzeLines;
    totals.silverRows += r.silverRows;
    totals.quarantined += r.quarantined;
    totals.duplicatesDropped += r.duplicatesDropped;
    totals.unaccounted += r.unaccounted;
  }
  const reasons = await engine.query(scoped('silver_quarantine_reasons'));
  const quarantine = reasons.rows.map((r) => ({
    reason: String(r.reason),
    detail: r.detail === null ? null : String(r.detail),
    lines: Number(r.lines),
  }));
  return { seconds, models, reconciliation, totals, quarantine };
}
