-- The newest run with data-quality results (run ids sort by start time, so it is the largest
-- run_id of the newest run_date; only that run_date is read) and its results that did not pass,
-- worst first: failed (a critical check over its threshold: the run stopped at that layer's gate
-- and published nothing), warned (published anyway), skipped; then by layer in pipeline order
-- (silver, gold, rfm, dq), table, check, partition (NULL: the whole table or run first) and
-- column. run_status is the run's pipeline_runs status (NULL while the run has no record, e.g.
-- still running); passed_in_run counts its results that passed (not listed). No rows: every
-- result of that run passed. For another run, make `latest` literals: SELECT '2026-11-20' AS
-- run_date, '<run id>' AS run_id (run_date: the UTC date the run started). `lakehouse dq` shows
-- the same locally; dq_trend_14d has the daily picture.
WITH newest AS (
  SELECT CAST(max(from_iso8601_date(run_date)) AS VARCHAR) AS run_date
  FROM dq_results
),
latest AS (
  SELECT run_date, max(run_id) AS run_id
  FROM dq_results
  WHERE run_date = (SELECT run_date FROM newest)
  GROUP BY run_date
),
results AS (
  SELECT
    r.*,
    sum(CASE WHEN r.status = 'pass' THEN 1 ELSE 0 END) OVER () AS passed_in_run
  FROM dq_results AS r
  WHERE r.run_date = (SELECT run_date FROM latest)
    AND r.run_id = (SELECT run_id FROM latest)
),
run AS (
  SELECT run_id, status
  FROM pipeline_runs
  WHERE run_date = (SELECT run_date FROM latest)
    AND run_id = (SELECT run_id FROM latest)
)
SELECT
  r.run_id,
  p.status AS run_status,
  r.status,
  r.severity,
  r.layer,
  r.table_name,
  r.check_name,
  r.column_name,
  r.partition,
  r.observed,
  r.threshold,
  r.failing_rows,
  r.rows_checked,
  r.message,
  r.checked_at,
  CAST(r.passed_in_run AS BIGINT) AS passed_in_run,
  r.run_date
FROM results AS r
LEFT JOIN run AS p ON p.run_id = r.run_id
WHERE r.status <> 'pass'
ORDER BY
  CASE r.status WHEN 'fail' THEN 1 WHEN 'warn' THEN 2 ELSE 3 END,
  CASE r.layer WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 WHEN 'rfm' THEN 3 WHEN 'dq' THEN 4 ELSE 5 END,
  r.layer,
  r.table_name,
  r.check_name,
  r.partition NULLS FIRST,
  r.column_name NULLS FIRST
