-- Data quality over the 14 newest days of dq_daily, newest first, per day and layer (in
-- pipeline order: silver, gold, rfm, dq): checks that ran (a per-reason check counts once),
-- their results by status (a check gives one result per partition it checked, or one per run,
-- in every run of the day), how many checks failed (worst result fail: a run stopped at the
-- gate) or warned (worst warn), and those checks by id, failed first (NULL when none). The 14
-- days end at the newest day with results, not at current_date; days without a run have no row.
-- Change the 13 in INTERVAL '13' DAY for a longer trend; per check: SELECT * FROM dq_daily
-- WHERE dt = '...' ORDER BY failed DESC, warned DESC. Latest run in detail: dq_latest_run.
WITH window_start AS (
  SELECT CAST(CAST(max(from_iso8601_date(dt)) - INTERVAL '13' DAY AS DATE) AS VARCHAR) AS dt
  FROM dq_daily
),
checks AS (
  SELECT
    dt,
    layer,
    table_name || '.' || check_name AS check_id,
    sum(results) AS results,
    sum(passed) AS passed,
    sum(warned) AS warned,
    sum(failed) AS failed,
    sum(skipped) AS skipped
  FROM dq_daily
  WHERE dt >= (SELECT dt FROM window_start)
  GROUP BY dt, layer, table_name, check_name
)
SELECT
  dt,
  layer,
  count(*) AS checks,
  CAST(sum(results) AS BIGINT) AS results,
  CAST(sum(passed) AS BIGINT) AS passed,
  CAST(sum(warned) AS BIGINT) AS warned,
  CAST(sum(failed) AS BIGINT) AS failed,
  CAST(sum(skipped) AS BIGINT) AS skipped,
  count(*) FILTER (WHERE failed > 0) AS checks_failed,
  count(*) FILTER (WHERE failed = 0 AND warned > 0) AS checks_warned,
  array_agg(check_id ORDER BY CASE WHEN failed > 0 THEN 1 ELSE 2 END, check_id)
    FILTER (WHERE failed > 0 OR warned > 0) AS failed_or_warned_checks
FROM checks
GROUP BY dt, layer
ORDER BY
  dt DESC,
  CASE layer WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 WHEN 'rfm' THEN 3 WHEN 'dq' THEN 4 ELSE 5 END,
  layer
