-- Top products by revenue (purchase events): units sold, orders and revenue. Filter on dt for a
-- cheap scan of a few days.
SELECT
  product_id,
  max(product_name) AS product_name,
  max(product_category) AS product_category,
  sum(quantity) AS units,
  count(DISTINCT order_id) AS orders,
  CAST(sum(product_price * quantity) AS DECIMAL(18, 2)) AS revenue
FROM silver_events
WHERE event_type = 'purchase'
GROUP BY product_id
ORDER BY revenue DESC, product_id
LIMIT 10
