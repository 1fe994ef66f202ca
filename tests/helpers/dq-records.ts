/**
 * Hand-written `dq_results` rows for fixture lakes (the JSON the auditor writes, one line each).
 */
export type Status = 'pass' | 'warn' | 'fail' | 'skip';

export interface DqRowFields {
  readonly kind: string;
  readonly severity: 'warn' | 'critical';
  readonly column?: string | null;
  readonly partition?: string | null;
  readonly observed: number | null;
  readonly threshold: number;
  readonly failing?: number | null;
  readonly checked?: number | null;
  /** Default `<check>: <status>`. */
  readonly message?: string;
}

/** One `dq_results` row; `check` is `<table>.<check>`. */
export function dqResult(
  runId: string,
  checkedAt: string,
  layer: string,
  check: string,
  status: Status,
  f: DqRowFields,
): Record<string, unknown> {
  const [table, name] = check.split('.');
  return {
    run_id: runId,
    checked_at: checkedAt,
    layer,
    table_name: table,
    check_name: name,
    kind: f.kind,
    column_name: f.column ?? null,
    partition: f.partition ?? null,
    observed: f.observed,
    threshold: f.threshold,
    severity: f.severity,
    status,
    failing_rows: f.failing ?? null,
    rows_checked: f.checked ?? null,
    message: f.message ?? `${check}: ${status}`,
    details: null,
  };
}
