-- Top categories by revenue over the 7 newest dates of category_daily: revenue and its share of
-- the period, units sold, product orders, views, carts and removes, and the view-to-cart and
-- cart-to-purchase rates re-derived from the summed counts (definitions:
-- athena/models/gold/category_daily.sql). A category is the one of each product's latest event
-- that day. Change INTERVAL '6' DAY for a longer period, or make from_dt a literal.
WITH period AS (
  SELECT
    CAST(CAST(max(from_iso8601_date(dt)) - INTERVAL '6' DAY AS DATE) AS VARCHAR) AS from_dt,
    CAST(max(from_iso8601_date(dt)) AS VARCHAR) AS to_dt
  FROM category_daily
),
totals AS (
  SELECT
    category,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue,
    CAST(sum(units_sold) AS BIGINT) AS units_sold,
    CAST(sum(product_orders) AS BIGINT) AS product_orders,
    CAST(sum(views) AS BIGINT) AS views,
    CAST(sum(carts) AS BIGINT) AS carts,
    CAST(sum(removes) AS BIGINT) AS removes
  FROM category_daily
  WHERE dt >= (SELECT from_dt FROM period)
  GROUP BY category
)
SELECT
  t.category,
  t.revenue,
  CAST(t.revenue AS DOUBLE) / NULLIF(CAST(sum(t.revenue) OVER () AS DOUBLE), 0) AS revenue_share,
  t.units_sold,
  t.product_orders,
  t.views,
  t.carts,
  t.removes,
  CAST(t.carts AS DOUBLE) / NULLIF(t.views, 0) AS view_to_cart_rate,
  CAST(t.product_orders AS DOUBLE) / NULLIF(t.carts, 0) AS cart_to_purchase_rate,
  p.from_dt,
  p.to_dt
FROM totals AS t
CROSS JOIN period AS p
ORDER BY t.revenue DESC, t.category
