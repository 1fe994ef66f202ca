-- The ten products with the most revenue over the selected days (product_daily), with units
-- sold, orders holding them, page views, add-to-carts and view -> cart (add-to-cart events per
-- page view of the product; it can exceed 100%). Name and category are those the shop showed
-- on the newest day of the range. Products without a sale in the range are left out.
WITH products AS (
  SELECT
    product_id,
    max_by(product_name, dt) AS product_name, -- dialect-ok: min-max-by (product_name is never NULL; one row per product and dt)
    max_by(category, dt) AS category, -- dialect-ok: min-max-by (category is never NULL; one row per product and dt)
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue,
    CAST(sum(units_sold) AS BIGINT) AS units_sold,
    CAST(sum(orders) AS BIGINT) AS orders,
    CAST(sum(views) AS BIGINT) AS views,
    CAST(sum(carts) AS BIGINT) AS carts
  FROM product_daily
  WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
  GROUP BY product_id
)
SELECT
  product_id,
  product_name,
  category,
  CAST(revenue AS DOUBLE) AS revenue,
  units_sold,
  orders,
  views,
  carts,
  CAST(carts AS DOUBLE) / nullif(views, 0) AS view_to_cart_rate
FROM products
WHERE revenue > 0
ORDER BY revenue DESC, product_id
LIMIT 10
