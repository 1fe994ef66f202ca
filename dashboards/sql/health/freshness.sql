-- How fresh each layer is at the end of the range (now, for a range that ends now): per table,
-- the newest value of its time column up to the range end, and the hours from it to the range
-- end. Silver: the newest event and the newest arrival (when a line reached the lake); Gold: the
-- newest session end and order; RFM: the end of the newest snapshot day (a snapshot covers its
-- whole day, so the day in progress reads 0); dq: the newest audit dq_daily publishes (a run
-- that fails at a gate publishes nothing). Reads the range end's day and the 2 days before it
-- (lines arrive up to 48 hours late): newest and hours_old are NULL when those days hold
-- nothing, i.e. the table is more than 2 days behind. The dq freshness check warns when the
-- newest event is 3 hours (180 minutes) older than its run.
WITH events AS (
  SELECT
    max(CASE WHEN event_ts <= $__timeTo() THEN event_ts END) AS event_ts,
    max(CASE WHEN arrival_ts <= $__timeTo() THEN arrival_ts END) AS arrival_ts
  FROM silver_events
  WHERE CAST(dt AS DATE)
    BETWEEN CAST($__timeTo() - INTERVAL '2' DAY AS DATE) AND CAST($__timeTo() AS DATE)
),
sessions AS (
  SELECT max(session_end) AS session_end
  FROM fact_sessions
  WHERE CAST(dt AS DATE)
    BETWEEN CAST($__timeTo() - INTERVAL '2' DAY AS DATE) AND CAST($__timeTo() AS DATE)
    AND session_end <= $__timeTo()
),
orders AS (
  SELECT max(order_ts) AS order_ts
  FROM fact_orders
  WHERE CAST(dt AS DATE)
    BETWEEN CAST($__timeTo() - INTERVAL '2' DAY AS DATE) AND CAST($__timeTo() AS DATE)
    AND order_ts <= $__timeTo()
),
snapshots AS (
  -- A snapshot is as of the end of its day: the day in progress is up to date.
  SELECT
    CASE
      WHEN max(snapshot_end) > $__timeTo() THEN $__timeTo()
      ELSE max(snapshot_end)
    END AS snapshot_end
  FROM (
    SELECT CAST(CAST(snapshot_date AS DATE) AS TIMESTAMP) + INTERVAL '1' DAY AS snapshot_end
    FROM rfm_segment_summary
    WHERE CAST(snapshot_date AS DATE)
      BETWEEN CAST($__timeTo() - INTERVAL '2' DAY AS DATE) AND CAST($__timeTo() AS DATE)
  ) AS s
),
audits AS (
  SELECT max(checked_at) AS checked_at
  FROM (
    SELECT
      CAST(from_iso8601_timestamp(last_checked_at) AT TIME ZONE 'UTC' AS TIMESTAMP) AS checked_at
    FROM dq_daily
    WHERE CAST(dt AS DATE)
      BETWEEN CAST($__timeTo() - INTERVAL '2' DAY AS DATE) AND CAST($__timeTo() AS DATE)
  ) AS d
  WHERE checked_at <= $__timeTo()
),
newest AS (
  SELECT
    t.pos,
    t.layer,
    t.table_name,
    t.column_name,
    CASE t.pos
      WHEN 1 THEN e.event_ts
      WHEN 2 THEN e.arrival_ts
      WHEN 3 THEN s.session_end
      WHEN 4 THEN o.order_ts
      WHEN 5 THEN r.snapshot_end
      ELSE a.checked_at
    END AS newest
  FROM (
    VALUES
      (1, 'silver', 'silver_events', 'event_ts'),
      (2, 'silver', 'silver_events', 'arrival_ts'),
      (3, 'gold', 'fact_sessions', 'session_end'),
      (4, 'gold', 'fact_orders', 'order_ts'),
      (5, 'rfm', 'rfm_segment_summary', 'snapshot_date'),
      (6, 'dq', 'dq_daily', 'last_checked_at')
  ) AS t (pos, layer, table_name, column_name)
  CROSS JOIN events AS e
  CROSS JOIN sessions AS s
  CROSS JOIN orders AS o
  CROSS JOIN snapshots AS r
  CROSS JOIN audits AS a
)
SELECT
  layer,
  table_name,
  column_name,
  newest,
  round(CAST(date_diff('second', newest, $__timeTo()) AS DOUBLE) / 3600, 1) AS hours_old
FROM newest
ORDER BY pos
