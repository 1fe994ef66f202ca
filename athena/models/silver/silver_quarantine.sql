-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: silver_event_lines
-- scope: silver_event_lines.dt
-- description: Every line that failed validation or delivery: raw text, reason code, field, source object
--
-- Reason codes (fixed list, see silver_event_lines): malformed_json, missing_field, bad_type,
-- bad_enum, bad_value, future_timestamp, delivery_failed. Every failing line is kept, repeated
-- deliveries of a bad line included, so that bronze lines = silver_events rows + quarantined
-- rows + duplicates dropped holds for every partition.
SELECT
  reason,
  detail,
  raw,
  event_id,
  source,
  source_file,
  arrival_ts,
  dt
FROM silver_event_lines
WHERE reason IS NOT NULL
