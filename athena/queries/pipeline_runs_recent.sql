-- The 20 latest pipeline runs of the 7 newest run dates: status, window, wall time, what they
-- built (models, partitions, rows), Athena bytes scanned (DuckDB: bytes read), the slowest model
-- and the models built, with the error of a failed run. Per-model rows, bytes and seconds:
-- pipeline_run_models (join on run_id).
-- Change INTERVAL '6' DAY for older runs and LIMIT 20 for more of them.
WITH window_start AS (
  SELECT
    CAST(CAST(max(from_iso8601_date(run_date)) - INTERVAL '6' DAY AS DATE) AS VARCHAR) AS run_date
  FROM pipeline_runs
),
run_models AS (
  SELECT
    run_id,
    model,
    seconds,
    row_number() OVER (PARTITION BY run_id ORDER BY seconds DESC, model) AS slowness
  FROM pipeline_run_models
  WHERE run_date >= (SELECT run_date FROM window_start)
),
models AS (
  SELECT
    run_id,
    array_agg(model ORDER BY model) AS models,
    max(CASE WHEN slowness = 1 THEN model END) AS slowest_model,
    max(seconds) AS slowest_model_seconds
  FROM run_models
  GROUP BY run_id
)
SELECT
  r.run_id,
  r.status,
  r.started_at,
  r.duration_seconds,
  r.request,
  r.window_start,
  r.window_end,
  r.new_objects,
  r.models_built,
  r.partitions_written,
  r.rows_written,
  r.bytes_scanned,
  round(CAST(r.bytes_scanned AS DOUBLE) / 1048576, 1) AS mib_scanned,
  m.slowest_model,
  m.slowest_model_seconds,
  r.error,
  m.models,
  r.run_date
FROM pipeline_runs AS r
LEFT JOIN models AS m ON m.run_id = r.run_id
WHERE r.run_date >= (SELECT run_date FROM window_start)
ORDER BY r.started_at DESC, r.run_id DESC
LIMIT 20
