-- Checks that failed or warned in the runs dated in the range, one row per check and column (a
-- reason code for the per-reason quarantine rate): failed first, then warned, each newest first,
-- then by layer in pipeline order, check and column. The row shows the newest result of the
-- check's worst status (for a per-partition check, the largest partition of that run): its
-- partition (NULL: whole table or run), observed against threshold (it passes when observed <=
-- threshold), message, when and by which run; failed and warned count its results of each
-- status in the range. The 100 first rows.
WITH results AS (
  SELECT
    r.layer,
    r.table_name,
    r.check_name,
    r.column_name,
    r."partition" AS checked_partition,
    r.observed,
    r.threshold,
    r.status,
    r.message,
    r.run_id,
    CAST(from_iso8601_timestamp(r.checked_at) AT TIME ZONE 'UTC' AS TIMESTAMP) AS checked_at
  FROM dq_results AS r
  WHERE r.run_date BETWEEN CAST(CAST($__timeFrom() AS DATE) AS VARCHAR)
    AND CAST(CAST($__timeTo() AS DATE) AS VARCHAR)
    AND r.status IN ('fail', 'warn')
),
ranked AS (
  SELECT
    results.*,
    sum(CASE WHEN status = 'fail' THEN 1 ELSE 0 END)
      OVER (PARTITION BY layer, table_name, check_name, column_name) AS failed,
    sum(CASE WHEN status = 'warn' THEN 1 ELSE 0 END)
      OVER (PARTITION BY layer, table_name, check_name, column_name) AS warned,
    row_number() OVER (
      PARTITION BY layer, table_name, check_name, column_name
      ORDER BY
        CASE status WHEN 'fail' THEN 1 ELSE 2 END,
        checked_at DESC,
        checked_partition DESC NULLS LAST,
        run_id DESC
    ) AS pick
  FROM results
)
SELECT
  status,
  layer,
  table_name || '.' || check_name AS check_id,
  column_name,
  checked_partition,
  observed,
  threshold,
  CAST(failed AS BIGINT) AS failed,
  CAST(warned AS BIGINT) AS warned,
  checked_at AS last_seen,
  message,
  run_id
FROM ranked
WHERE pick = 1
ORDER BY
  CASE status WHEN 'fail' THEN 1 ELSE 2 END,
  last_seen DESC,
  CASE layer WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 WHEN 'rfm' THEN 3 WHEN 'dq' THEN 4 ELSE 5 END,
  check_id,
  column_name NULLS FIRST
LIMIT 100
