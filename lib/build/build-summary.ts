/**
 * What a build did, for people: per model the partitions and rows written, and for Silver the
 * reconciliation (lines in = events + quarantined + duplicates dropped) and the quarantine by
 * reason, both from the saved queries in athena/queries/ run on the dates just built.
 */
import type { DuckDbEngine } from '../engine/duckdb.ts';
import { savedQuery } from '../catalog/saved-queries.ts';
import type { Model } from '../engine/model.ts';
import { withScopedInputs } from '../engine/wrap.ts';
import type { ModelRun } from './run-build.ts';

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
  models: { model: string; partitions: number; rows: number; removed: number; seconds: number }[];
  /** Dates whose Silver was rebuilt, with their reconciliation. */
  reconciliation: ReconciliationRow[];
  totals: Omit<ReconciliationRow, 'dt'>;
  quarantine: { reason: string; detail: string | null; lines: number }[];
}

/** `3 dates`, `1 snapshot`, `whole table`: what a plan covers, for progress labels. */
export function planned(model: Model, partitions: readonly string[]): string {
  if (model.materialization === 'table') return 'whole table';
  const unit = model.partitionedBy[0] === 'dt' ? 'date' : 'partition';
  return `${partitions.length} ${unit}${partitions.length === 1 ? '' : 's'}`;
}

/** Tables a Silver summary reads, all partitioned by `dt`. */
const SILVER_SCOPE = {
  bronze_events: 'dt',
  bronze_delivery_errors: 'dt',
  silver_event_lines: 'dt',
  silver_events: 'dt',
  silver_quarantine: 'dt',
};

export async function summarizeSilver(
  engine: DuckDbEngine,
  runs: readonly ModelRun[],
  seconds: number,
): Promise<BuildSummary> {
  const models = runs.map((r) => ({
    model: r.model.name,
    partitions: r.planned.length,
    rows: r.result?.rows ?? 0,
    removed: r.result?.removed.length ?? 0,
    seconds: r.result?.seconds ?? 0,
  }));
  const dates = [
    ...new Set(runs.filter((r) => r.model.partitionedBy[0] === 'dt').flatMap((r) => r.planned)),
  ].sort();
  const built = new Set(runs.map((r) => r.model.name));
  const totals = {
    bronzeLines: 0,
    silverRows: 0,
    quarantined: 0,
    duplicatesDropped: 0,
    unaccounted: 0,
  };
  if (
    dates.length === 0 ||
    !['silver_event_lines', 'silver_events', 'silver_quarantine'].every((t) => built.has(t))
  ) {
    return { seconds, models, reconciliation: [], totals, quarantine: [] };
  }
  const scoped = (name: string) =>
    withScopedInputs(savedQuery(name), SILVER_SCOPE, dates, (t) => engine.qualify(t));
  const rec = await engine.query(scoped('silver_reconciliation'));
  const reconciliation = rec.rows.map((r) => ({
    dt: String(r.dt),
    bronzeLines: Number(r.bronze_lines),
    silverRows: Number(r.silver_rows),
    quarantined: Number(r.quarantined),
    duplicatesDropped: Number(r.duplicates_dropped),
    unaccounted: Number(r.unaccounted),
  }));
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
