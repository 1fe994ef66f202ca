-- Pipeline runs dated (run_date) in the range, newest first: status (Step Functions' names:
-- SUCCEEDED, FAILED, TIMED_OUT, ABORTED, RUNNING), wall time, Athena bytes scanned (DuckDB: bytes
-- read), what they built (models, partitions, rows), the Bronze objects new to them, the slowest
-- model (pipeline_run_models), the request and a failed run's error. The 100 newest.
WITH models AS (
  SELECT
    run_id,
    model,
    seconds,
    row_number() OVER (PARTITION BY run_id ORDER BY seconds DESC, model) AS slowness
  FROM pipeline_run_models
  WHERE run_date BETWEEN CAST(CAST($__timeFrom() AS DATE) AS VARCHAR)
    AND CAST(CAST($__timeTo() AS DATE) AS VARCHAR)
)
SELECT
  CAST(from_iso8601_timestamp(r.started_at) AT TIME ZONE 'UTC' AS TIMESTAMP) AS started_at,
  r.status,
  r.duration_seconds,
  r.bytes_scanned,
  r.models_built,
  r.partitions_written,
  r.rows_written,
  r.new_objects,
  m.model AS slowest_model,
  m.seconds AS slowest_model_seconds,
  r.request,
  r.error,
  r.run_id
FROM pipeline_runs AS r
LEFT JOIN models AS m ON m.run_id = r.run_id AND m.slowness = 1
WHERE r.run_date BETWEEN CAST(CAST($__timeFrom() AS DATE) AS VARCHAR)
  AND CAST(CAST($__timeTo() AS DATE) AS VARCHAR)
ORDER BY started_at DESC, r.run_id DESC
LIMIT 100
