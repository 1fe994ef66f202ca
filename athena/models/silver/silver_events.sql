-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: silver_event_lines
-- scope: silver_event_lines.dt
-- description: Clickstream and order events, typed and standardized, one row per event_id and date (first arrival wins)
--
-- The valid lines of silver_event_lines, deduplicated by event_id within the event's date
-- (a duplicate delivery carries the same event_timestamp, so it lands in the same dt). The copy
-- that arrived first wins: earliest object arrival, then object key; copies in one object are
-- told apart by their content, so the choice is the same on every run. Unknown product or
-- customer ids are kept: Gold flags them.
-- Most events arrive once: only the ids seen more than once go through the ranking (a window
-- over every row would sort them all).
WITH valid AS (
  SELECT *
  FROM silver_event_lines
  WHERE reason IS NULL
),
repeated AS (
  SELECT dt, event_id
  FROM valid
  GROUP BY dt, event_id
  HAVING count(*) > 1
),
single AS (
  SELECT v.*, 1 AS copy_number
  FROM valid AS v
  LEFT JOIN repeated AS r ON r.dt = v.dt AND r.event_id = v.event_id
  WHERE r.event_id IS NULL
),
ranked AS (
  SELECT
    v.*,
    row_number() OVER (
      PARTITION BY v.dt, v.event_id
      ORDER BY
        v.arrival_ts, v.source_file, v.event_ts, v.event_type, v.user_id, v.session_id,
        v.product_id, v.product_price, v.quantity, v.order_id, v.device_type, v.country,
        v.traffic_source, v.campaign_id, v.payment_method, v.product_name, v.product_category,
        v.event_tz_offset, v.schema_version
    ) AS copy_number
  FROM valid AS v
  JOIN repeated AS r ON r.dt = v.dt AND r.event_id = v.event_id
),
deduplicated AS (
  SELECT * FROM single
  UNION ALL
  SELECT * FROM ranked WHERE copy_number = 1
)
SELECT
  event_id,
  schema_version,
  event_type,
  event_ts,
  event_tz_offset,
  user_id,
  session_id,
  product_id,
  product_name,
  product_category,
  product_price,
  quantity,
  order_id,
  device_type,
  country,
  traffic_source,
  campaign_id,
  payment_method,
  arrival_ts,
  source_file,
  dt
FROM deduplicated
