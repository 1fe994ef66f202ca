-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: silver_events, fact_order_items
-- scope: silver_events.dt, fact_order_items.dt
-- description: Per product and date: views, carts, removes, units sold, orders, revenue, view-to-cart and cart-to-purchase rates
--
-- Grain: one row per (dt, product_id) with any event of the product that date (silver_events),
-- unknown product ids included (they are what the shopper saw; dim_product flags them).
-- * product_name, category: the event's product_name and product_category of the product's
--   latest event that date: the greatest (event_ts, event_id), so of two events at the same
--   instant the one with the greater event_id wins. These are the names the shop showed, not
--   the dimension's.
-- * views, carts, removes = the product's page_view, add_to_cart and remove_from_cart events
--   (events, not sessions, and not quantities).
-- * units_sold = Σ quantity, orders = distinct order_id, revenue = Σ line_revenue
--   (unit price x quantity), DECIMAL(18,2), over the product's order lines of the date
--   (fact_order_items; 0 without). Every order line is a purchase event of the same date in
--   silver_events, so every product with sales has a row.
-- * view_to_cart_rate = carts / views: add_to_cart events per page view of the product. It can
--   exceed 1 (a shopper can add a product again without viewing it again).
-- * cart_to_purchase_rate = orders / carts: orders holding the product per add_to_cart event of
--   the product, the same date (not matched session by session). It can exceed 1 too (a
--   purchase without an add_to_cart).
-- Rates are DOUBLE, NULL when the denominator is 0 (a product with views and no carts has a
-- view_to_cart_rate of 0 and a NULL cart_to_purchase_rate).
-- How: one GROUP BY over the date's events; max_by(..., ROW(event_ts, event_id)) picks the
-- latest event's name without a window (both columns are never NULL in silver_events, so
-- max_by agrees on both engines).
WITH product_events AS (
  SELECT
    dt,
    product_id,
    max_by(product_name, ROW(event_ts, event_id)) AS product_name, -- dialect-ok: min-max-by (never NULL in silver_events)
    max_by(product_category, ROW(event_ts, event_id)) AS category, -- dialect-ok: min-max-by (never NULL in silver_events)
    count(*) FILTER (WHERE event_type = 'page_view') AS views,
    count(*) FILTER (WHERE event_type = 'add_to_cart') AS carts,
    count(*) FILTER (WHERE event_type = 'remove_from_cart') AS removes
  FROM silver_events
  GROUP BY dt, product_id
),
product_sales AS (
  SELECT
    dt,
    product_id,
    CAST(sum(quantity) AS BIGINT) AS units_sold,
    count(DISTINCT order_id) AS orders,
    CAST(sum(line_revenue) AS DECIMAL(18, 2)) AS revenue
  FROM fact_order_items
  GROUP BY dt, product_id
)
SELECT
  CAST(replace(e.dt, '-', '') AS INTEGER) AS date_key,
  e.product_id,
  e.product_name,
  e.category,
  e.views,
  e.carts,
  e.removes,
  CAST(coalesce(s.units_sold, 0) AS BIGINT) AS units_sold,
  CAST(coalesce(s.orders, 0) AS BIGINT) AS orders,
  CAST(coalesce(s.revenue, 0) AS DECIMAL(18, 2)) AS revenue,
  CAST(e.carts AS DOUBLE) / NULLIF(e.views, 0) AS view_to_cart_rate,
  CAST(coalesce(s.orders, 0) AS DOUBLE) / NULLIF(e.carts, 0) AS cart_to_purchase_rate,
  e.dt
FROM product_events AS e
LEFT JOIN product_sales AS s
  ON s.dt = e.dt
  AND s.product_id = e.product_id
