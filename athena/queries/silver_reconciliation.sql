-- Silver reconciliation, per date: every line that reached Bronze (delivered, or written to the
-- error prefix) is a silver_events row, a quarantined row, or a duplicate that was dropped.
-- `unaccounted` must be 0 on every row. Filter on dt for a cheap scan.
WITH bronze AS (
  SELECT dt, count(*) AS lines
  FROM (
    SELECT dt FROM bronze_events
    UNION ALL
    SELECT dt FROM bronze_delivery_errors
  )
  GROUP BY dt
),
lines AS (
  SELECT dt, count(*) FILTER (WHERE reason IS NULL AND source = 'firehose') AS valid_lines
  FROM silver_event_lines
  GROUP BY dt
),
events AS (
  SELECT dt, count(*) AS silver_rows
  FROM silver_events
  GROUP BY dt
),
quarantine AS (
  SELECT dt, count(*) AS quarantined
  FROM silver_quarantine
  GROUP BY dt
)
SELECT
  b.dt,
  b.lines AS bronze_lines,
  COALESCE(e.silver_rows, 0) AS silver_rows,
  COALESCE(q.quarantined, 0) AS quarantined,
  COALESCE(l.valid_lines, 0) - COALESCE(e.silver_rows, 0) AS duplicates_dropped,
  b.lines - COALESCE(q.quarantined, 0) - COALESCE(l.valid_lines, 0) AS unaccounted
FROM bronze AS b
LEFT JOIN lines AS l ON l.dt = b.dt
LEFT JOIN events AS e ON e.dt = b.dt
LEFT JOIN quarantine AS q ON q.dt = b.dt
ORDER BY b.dt
