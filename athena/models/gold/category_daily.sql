-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: product_daily
-- scope: product_daily.dt
-- description: Per category and date: products, views, carts, removes, units sold, product orders, revenue and its share of the day
--
-- Grain: one row per (dt, category) of product_daily (a product's category that day is the one
-- of its latest event, see product_daily).
-- * products = products of the category with any event that date.
-- * views, carts, removes, units_sold, revenue = Σ over those products (definitions in
--   product_daily).
-- * product_orders = Σ of the products' orders: an order holding two products of the category
--   counts twice (distinct orders per category are not in product_daily; fact_order_items has
--   them per line).
-- * revenue_share = the category's revenue / the revenue of every category that date (DOUBLE,
--   0..1; NULL on a date without revenue).
-- * view_to_cart_rate = carts / views; cart_to_purchase_rate = product_orders / carts (as in
--   product_daily, summed over the category). DOUBLE, NULL when the denominator is 0.
WITH categories AS (
  SELECT
    dt,
    category,
    count(*) AS products,
    CAST(sum(views) AS BIGINT) AS views,
    CAST(sum(carts) AS BIGINT) AS carts,
    CAST(sum(removes) AS BIGINT) AS removes,
    CAST(sum(units_sold) AS BIGINT) AS units_sold,
    CAST(sum(orders) AS BIGINT) AS product_orders,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue
  FROM product_daily
  GROUP BY dt, category
)
SELECT
  CAST(replace(dt, '-', '') AS INTEGER) AS date_key,
  category,
  products,
  views,
  carts,
  removes,
  units_sold,
  product_orders,
  revenue,
  CAST(revenue AS DOUBLE)
  / NULLIF(CAST(sum(revenue) OVER (PARTITION BY dt) AS DOUBLE), 0) AS revenue_share,
  CAST(carts AS DOUBLE) / NULLIF(views, 0) AS view_to_cart_rate,
  CAST(product_orders AS DOUBLE) / NULLIF(carts, 0) AS cart_to_purchase_rate,
  dt
FROM categories
