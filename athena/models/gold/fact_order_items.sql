-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: silver_events, dim_customer, dim_product
-- scope: silver_events.dt
-- lookup: dim_customer, dim_product
-- description: One row per purchased line (purchase event), with the customer and product versions valid at the event
--
-- Grain: one row per purchase event of silver_events (an order with several items is several
-- purchase events sharing order_id); order_item_id = event_id.
-- date_key = the event's UTC date as yyyymmdd (the partition dt is that date); hour = the UTC
-- hour of event_ts (0-23).
-- customer_key: the dim_customer version of user_id valid at event_ts (valid_from <= event_ts <
-- valid_to); '-1' (the unknown member) when there is none: a user absent from the CRM, or an
-- event before the customer's first version starts (valid_from is clamped to the start of the
-- first snapshot that showed it). is_unknown_customer: customer_key = '-1'.
-- product_key: likewise the dim_product version of product_id valid at event_ts, else '-1';
-- is_unknown_product: product_key = '-1'.
-- The versions of one id never overlap (see the dimensions), so a line matches at most one; the
-- unknown members (version 0) are never matched by id.
-- product_name, product_category: as in the event (what the shopper saw), not the dimension's.
-- unit_price = the event's product_price (what the customer paid); line_revenue = unit_price x
-- quantity, DECIMAL(18,2).
WITH purchases AS (
  SELECT *
  FROM silver_events
  WHERE event_type = 'purchase'
),
customers AS (
  SELECT customer_key, customer_id, valid_from, valid_to
  FROM dim_customer
  WHERE version > 0
),
products AS (
  SELECT product_key, product_id, valid_from, valid_to
  FROM dim_product
  WHERE version > 0
)
SELECT
  p.event_id AS order_item_id,
  p.order_id,
  p.event_ts,
  CAST(replace(p.dt, '-', '') AS INTEGER) AS date_key,
  CAST(hour(p.event_ts) AS INTEGER) AS hour,
  coalesce(c.customer_key, '-1') AS customer_key,
  coalesce(d.product_key, '-1') AS product_key,
  p.user_id,
  p.session_id,
  p.product_id,
  p.product_name,
  p.product_category,
  p.quantity,
  p.product_price AS unit_price,
  CAST(p.product_price * p.quantity AS DECIMAL(18, 2)) AS line_revenue,
  p.device_type,
  p.country,
  p.traffic_source,
  p.campaign_id,
  p.payment_method,
  c.customer_key IS NULL AS is_unknown_customer,
  d.product_key IS NULL AS is_unknown_product,
  p.dt
FROM purchases AS p
LEFT JOIN customers AS c
  ON c.customer_id = p.user_id
  AND c.valid_from <= p.event_ts
  AND p.event_ts < c.valid_to
LEFT JOIN products AS d
  ON d.product_id = p.product_id
  AND d.valid_from <= p.event_ts
  AND p.event_ts < d.valid_to
