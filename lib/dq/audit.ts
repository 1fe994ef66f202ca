/**
 * The audit of write-audit-publish: a layer's checks run on what the run staged, before anything
 * is published. Tables the run rebuilt are read from their staging tables (overlaid on the
 * published partitions they do not replace); everything else as published.
 */
import { BRONZE_TABLES } from '../catalog/bronze-tables.ts';
import { RECORD_TABLES } from '../catalog/record-tables.ts';
import type { Model } from '../engine/model.ts';
import type { SqlEngine } from '../engine/sql-engine.ts';
import { stagedSource, type StagedInput } from '../engine/statements.ts';
import { sqlIdent, sqlString } from '../engine/wrap.ts';
import type { Check } from './check-spec.ts';
import { compileChecks, type CheckSources, type CheckTarget } from './compile.ts';
import { judge, sortResults, type DqResult } from './evaluate.ts';

/** A model the run built: its layer and the partitions it rebuilt (`null`: the whole table). */
export interface BuiltTable {
  readonly layer: string;
  readonly partitions: readonly string[] | null;
}

export interface AuditOptions {
  readonly engine: Pick<SqlEngine, 'query'>;
  readonly database: string;
  readonly models: readonly Model[];
  readonly checks: readonly Check[];
  readonly layer: string;
  readonly runId: string;
  /** The run's start: freshness is measured against it. */
  readonly now: Date;
  /** Every model the run built so far (this layer and the ones before it). */
  readonly built: Readonly<Record<string, BuiltTable>>;
  /** How the run staged them. */
  readonly staged: Readonly<Record<string, StagedInput>>;
  /** Called before each query (progress). */
  readonly onQuery?: (label: string, index: number, count: number) => void;
  /** Queries in flight at once (default 1). */
  readonly concurrency?: number;
}

export interface AuditResult {
  readonly results: DqResult[];
  readonly queries: number;
  readonly seconds: number;
}

/** The checks of `layer` that apply to what the run built, with the partitions to check. */
export function auditTargets(
  checks: readonly Check[],
  layer: string,
  built: Readonly<Record<string, BuiltTable>>,
): CheckTarget[] {
  return checks
    .filter((c) => built[c.table]?.layer === layer)
    .map((c) => ({ check: c, partitions: built[c.table]!.partitions }));
}

/** Reads tables as the run will publish them. */
export function stagedSources(
  database: string,
  models: readonly Model[],
  staged: Readonly<Record<string, StagedInput>>,
): CheckSources {
  const qualify = (t: string) => `${sqlIdent(database)}.${sqlIdent(t)}`;
  const partitionColumns = new Map<string, string | undefined>([
    ...models.map((m) => [m.name, m.partitionedBy[0]] as const),
    ...BRONZE_TABLES.map((t) => [t.name, 'dt'] as const),
    ...RECORD_TABLES.map((t) => [t.name, t.partition.name] as const),
  ]);
  const whole = (t: string) => (staged[t] ? stagedSource(t, staged[t], qualify) : qualify(t));
  return {
    whole,
    partitions: (t, column, values) =>
      `(SELECT * FROM ${whole(t)} AS s WHERE ${sqlIdent(column)} IN (${values.map(sqlString).join(', ')}))`,
    partitionColumn: (t) => partitionColumns.get(t),
  };
}

/** Runs a layer's checks and judges them; results worst first. */
export async function auditLayer(opts: AuditOptions): Promise<AuditResult> {
  const started = performance.now();
  const targets = auditTargets(opts.checks, opts.layer, opts.built);
  const queries = compileChecks(
    { sources: stagedSources(opts.database, opts.models, opts.staged), now: opts.now },
    targets,
  );
  const checkedAt = new Date().toISOString();
  const results: DqResult[] = [];
  // A few queries in flight at once (Athena runs them side by side; DuckDB takes them in turn).
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < queries.length; i = next++) {
      const q = queries[i]!;
      opts.onQuery?.(q.label, i, queries.length);
      let rows;
      try {
        rows = (await opts.engine.query(q.sql)).rows;
      } catch (err) {
        throw new Error(`data-quality query ${q.label} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      for (const m of q.read(rows)) {
        results.push(judge(m, { runId: opts.runId, checkedAt, layer: opts.layer }));
      }
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 1, queries.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return {
    results: sortResults(results),
    queries: queries.length,
    seconds: (performance.now() - started) / 1000,
  };
}

export interface AuditSummary {
  readonly layer: string;
  /** No critical check failed: the gate lets the layer through. */
  readonly passed: boolean;
  readonly checks: number;
  readonly pass: number;
  readonly warn: number;
  readonly fail: number;
  readonly skip: number;
  readonly seconds: number;
  /** One line per failed (then warned) result, worst first, at most 20. */
  readonly findings: string[];
  /** For people: the gate's verdict, and where the details are. */
  readonly message: string;
}

const MAX_FINDINGS = 20;

/** One result in a line: `silver_event_lines.duplicate_rate [dt=2026-11-20] 0.12 > 0.05: …`. */
export function finding(r: DqResult): string {
  const where = r.partition ? ` [${r.partition}]` : '';
  const col = r.column_name && r.kind === 'quarantine_rate' ? ` (${r.column_name})` : '';
  return `${r.status.toUpperCase()} ${r.table_name}.${r.check_name}${col}${where}: ${r.observed} > ${r.threshold}: ${r.message}`;
}

export function summarizeAudit(
  layer: string,
  runId: string,
  results: readonly DqResult[],
  seconds: number,
): AuditSummary {
  const count = (s: DqResult['status']) => results.filter((r) => r.status === s).length;
  const bad = results.filter((r) => r.status === 'fail' || r.status === 'warn');
  const failed = count('fail');
  const findings = bad.slice(0, MAX_FINDINGS).map(finding);
  if (bad.length > MAX_FINDINGS) findings.push(`… and ${bad.length - MAX_FINDINGS} more`);
  const counts = `${results.length} result(s): ${count('pass')} passed, ${count('warn')} warned, ${failed} failed, ${count('skip')} skipped`;
  const checks = new Set(results.map((r) => `${r.table_name}.${r.check_name}`)).size;
  const message =
    failed > 0
      ? [
          `Data-quality gate closed at ${layer}: ${failed} critical check result(s) failed, so nothing of ${layer} or after it is published.`,
          ...findings.filter((f) => f.startsWith('FAIL')),
          `${checks} check(s), ${counts}. Details: lakehouse dq --run ${runId} (dq_results, run_id = '${runId}').`,
        ].join('\n')
      : `${layer}: ${checks} check(s), ${counts}.`;
  return {
    layer,
    passed: failed === 0,
    checks,
    pass: count('pass'),
    warn: count('warn'),
    fail: failed,
    skip: count('skip'),
    seconds: Math.round(seconds * 1000) / 1000,
    findings,
    message,
  };
}
