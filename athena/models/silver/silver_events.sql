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
WITH ranked AS (
  SELECT
    *,
    row_number() OVER (
      PARTITION BY dt, event_id
      ORDER BY
        arrival_ts, source_file, event_ts, event_type, user_id, session_id, product_id,
        product_price, quantity, order_id, device_type, country, traffic_source, campaign_id,
        payment_method, product_name, product_category, event_tz_offset, schema_version
    ) AS copy_number
  FROM silver_event_lines
  WHERE reason IS NULL
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
FROM ranked
WHERE copy_number = 1
