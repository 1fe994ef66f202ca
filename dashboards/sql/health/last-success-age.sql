-- Hours from the newest successful pipeline run's finish to the end of the range (now, for a
-- range that ends now), among the runs dated (run_date) in the range and the 7 days before it;
-- NULL when none of them succeeded. Runs that finished after the range end are not counted.
WITH finished AS (
  SELECT CAST(from_iso8601_timestamp(finished_at) AT TIME ZONE 'UTC' AS TIMESTAMP) AS finished_at
  FROM pipeline_runs
  WHERE status = 'SUCCEEDED'
    AND run_date BETWEEN CAST(CAST($__timeFrom() - INTERVAL '7' DAY AS DATE) AS VARCHAR)
    AND CAST(CAST($__timeTo() AS DATE) AS VARCHAR)
)
SELECT
  round(CAST(date_diff('second', max(finished_at), $__timeTo()) AS DOUBLE) / 3600, 1)
    AS hours_since_success
FROM finished
WHERE finished_at <= $__timeTo()
