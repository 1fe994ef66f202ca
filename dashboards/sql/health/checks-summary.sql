-- Checks that failed and that warned in the runs dated (run_date, the UTC day a run started) in
-- the range, whole UTC days; a check is table.check (a per-reason check counts once).
-- checks_failed: checks with a failed result, i.e. a critical check over its threshold, which
-- stops its run at that layer's gate; checks_warned: checks whose worst result in the range is a
-- warning (published anyway). Reads dq_results rather than dq_daily: a run that fails at a gate
-- publishes nothing, dq_daily included, so only dq_results holds its results. run_date is
-- compared as text ('YYYY-MM-DD' sorts as dates), which lets DuckDB skip the other days' files.
WITH checks AS (
  SELECT
    table_name,
    check_name,
    count(*) FILTER (WHERE status = 'fail') AS failed,
    count(*) FILTER (WHERE status = 'warn') AS warned
  FROM dq_results
  WHERE run_date BETWEEN CAST(CAST($__timeFrom() AS DATE) AS VARCHAR)
    AND CAST(CAST($__timeTo() AS DATE) AS VARCHAR)
  GROUP BY table_name, check_name
)
SELECT
  count(*) FILTER (WHERE failed > 0) AS checks_failed,
  count(*) FILTER (WHERE failed = 0 AND warned > 0) AS checks_warned
FROM checks
