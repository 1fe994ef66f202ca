-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: fact_order_items
-- scope: fact_order_items.dt
-- description: One row per order and date, summed from its lines
--
-- Grain: one row per (dt, order_id) of fact_order_items (an order whose lines fell on two UTC
-- dates would be one row per date; the generator never does that).
-- The first item is the line with the smallest event_ts, then the smallest order_item_id (a
-- total order, so the choice is the same on every run); order_ts is its event_ts, and hour,
-- customer_key, user_id, session_id, device_type, country, traffic_source, campaign_id and
-- payment_method are its values. date_key: the date's yyyymmdd, as on the lines.
-- items = the number of lines; units = Σ quantity; distinct_products = the number of distinct
-- product_id; revenue = Σ line_revenue, DECIMAL(18,2).
-- has_unknown_customer / has_unknown_product: at least one line has is_unknown_customer /
-- is_unknown_product.
-- How: one GROUP BY sums the lines and names the first one with
-- min_by(order_item_id, ROW(event_ts, order_item_id)), then the first line is joined back for
-- its attributes (min_by of a nullable column would differ: DuckDB skips NULL values, Trino
-- returns them).
WITH orders AS (
  SELECT
    dt,
    order_id,
    min_by(order_item_id, ROW(event_ts, order_item_id)) AS first_item_id, -- dialect-ok: min-max-by (an id is never NULL)
    count(*) AS items,
    CAST(sum(quantity) AS BIGINT) AS units,
    count(DISTINCT product_id) AS distinct_products,
    CAST(sum(line_revenue) AS DECIMAL(18, 2)) AS revenue,
    bool_or(is_unknown_customer) AS has_unknown_customer,
    bool_or(is_unknown_product) AS has_unknown_product
  FROM fact_order_items
  GROUP BY dt, order_id
)
SELECT
  o.order_id,
  f.event_ts AS order_ts,
  f.date_key,
  f.hour,
  f.customer_key,
  f.user_id,
  f.session_id,
  o.items,
  o.units,
  o.distinct_products,
  o.revenue,
  f.device_type,
  f.country,
  f.traffic_source,
  f.campaign_id,
  f.payment_method,
  o.has_unknown_customer,
  o.has_unknown_product,
  o.dt
FROM orders AS o
JOIN fact_order_items AS f
  ON f.dt = o.dt
  AND f.order_item_id = o.first_item_id
