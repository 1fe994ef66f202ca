-- Checks per day by their worst result that day, failed first: a check (table.check; a
-- per-reason check counts once) that failed in any run of the day (run_date) counts as failed,
-- else warned, else passed (a check gives one result per partition it checks), else skipped.
-- One row per day with results in the range; days without a run have none.
WITH checks AS (
  SELECT
    run_date,
    table_name,
    check_name,
    CASE
      WHEN count(*) FILTER (WHERE status = 'fail') > 0 THEN 1
      WHEN count(*) FILTER (WHERE status = 'warn') > 0 THEN 2
      WHEN count(*) FILTER (WHERE status = 'pass') > 0 THEN 3
      ELSE 4
    END AS worst
  FROM dq_results
  WHERE run_date BETWEEN CAST(CAST($__timeFrom() AS DATE) AS VARCHAR)
    AND CAST(CAST($__timeTo() AS DATE) AS VARCHAR)
  GROUP BY run_date, table_name, check_name
)
SELECT
  CAST(CAST(run_date AS DATE) AS TIMESTAMP) AS time,
  count(*) FILTER (WHERE worst = 1) AS failed,
  count(*) FILTER (WHERE worst = 2) AS warned,
  count(*) FILTER (WHERE worst = 3) AS passed,
  count(*) FILTER (WHERE worst = 4) AS skipped
FROM checks
GROUP BY run_date
ORDER BY time
