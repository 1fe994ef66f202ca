-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: dq_results
-- scope: dq_results.run_date
-- description: Data-quality trends: per day, table and check, how the runs of that day came out
--
-- Grain: one row per UTC day the checks ran (dt = dq_results.run_date), layer, table, check,
-- column (a reason code for the per-reason quarantine rate) and severity. A day's partition is
-- rebuilt by every run that day (and the day after, for runs that cross midnight), after the
-- layers before it were audited, so it includes the run that builds it.
--   runs          distinct runs that produced a result for the check that day
--   results       results (a check gives one per partition it checked, or one per run)
--   passed, warned, failed, skipped: results by status (failed: a critical check over its
--                 threshold, which stopped its run at the gate)
--   worst_status  fail, else warn, else pass, else skip
--   max_observed, avg_observed: over the results that measured something (skips excluded)
--   threshold     the largest threshold in force that day (config can change it)
--   failing_rows, rows_checked: summed over the results (row checks and rates)
SELECT
  layer,
  table_name,
  check_name,
  kind,
  column_name,
  severity,
  count(DISTINCT run_id) AS runs,
  count(*) AS results,
  count(*) FILTER (WHERE status = 'pass') AS passed,
  count(*) FILTER (WHERE status = 'warn') AS warned,
  count(*) FILTER (WHERE status = 'fail') AS failed,
  count(*) FILTER (WHERE status = 'skip') AS skipped,
  CASE
    WHEN count(*) FILTER (WHERE status = 'fail') > 0 THEN 'fail'
    WHEN count(*) FILTER (WHERE status = 'warn') > 0 THEN 'warn'
    WHEN count(*) FILTER (WHERE status = 'pass') > 0 THEN 'pass'
    ELSE 'skip'
  END AS worst_status,
  max(observed) AS max_observed,
  avg(observed) AS avg_observed,
  max(threshold) AS threshold,
  CAST(sum(failing_rows) AS BIGINT) AS failing_rows,
  CAST(sum(rows_checked) AS BIGINT) AS rows_checked,
  min(checked_at) AS first_checked_at,
  max(checked_at) AS last_checked_at,
  run_date AS dt
FROM dq_results
GROUP BY layer, table_name, check_name, kind, column_name, severity, run_date
