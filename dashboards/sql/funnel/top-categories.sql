-- Revenue per product category over the selected days (category_daily), highest first (at most
-- 15), with each category's share of the range's revenue, units sold and view -> cart. A
-- product's category on a day is the one its latest event showed.
WITH categories AS (
  SELECT
    category,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue,
    CAST(sum(units_sold) AS BIGINT) AS units_sold,
    CAST(sum(views) AS BIGINT) AS views,
    CAST(sum(carts) AS BIGINT) AS carts
  FROM category_daily
  WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
  GROUP BY category
)
SELECT
  category,
  CAST(revenue AS DOUBLE) AS revenue,
  CAST(revenue AS DOUBLE)
  / nullif(CAST(sum(revenue) OVER () AS DOUBLE), 0) AS revenue_share,
  units_sold,
  CAST(carts AS DOUBLE) / nullif(views, 0) AS view_to_cart_rate
FROM categories
ORDER BY revenue DESC, category
LIMIT 15
