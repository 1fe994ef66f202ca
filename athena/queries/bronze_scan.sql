-- Every Bronze line read once and nothing else: the floor no Silver model can beat (the
-- benchmark reports the Silver build beside it). Filter on dt for a cheap scan.
SELECT
  count(*) AS lines,
  sum(length(raw)) AS characters
FROM (
  SELECT raw FROM bronze_events
  UNION ALL
  SELECT raw FROM bronze_delivery_errors
)
