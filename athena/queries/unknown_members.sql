-- Facts pointing at an unknown member, per date for the 14 newest dates of fact_order_items:
-- order lines whose customer (user_id not in any dim_customer version valid at the event time) or
-- product (product_id not in dim_product) is the unknown member '-1', the orders and ids behind
-- them, their revenue, and an example id to look up in the CRM or ERP export. A steady share
-- usually means a missing reference snapshot. Change INTERVAL '13' DAY for more dates.
WITH window_start AS (
  SELECT CAST(CAST(max(from_iso8601_date(dt)) - INTERVAL '13' DAY AS DATE) AS VARCHAR) AS dt
  FROM fact_order_items
)
SELECT
  dt,
  count(*) AS items,
  count(*) FILTER (WHERE is_unknown_customer) AS unknown_customer_items,
  count(DISTINCT CASE WHEN is_unknown_customer THEN order_id END) AS unknown_customer_orders,
  count(DISTINCT CASE WHEN is_unknown_customer THEN user_id END) AS unknown_customer_ids,
  min(CASE WHEN is_unknown_customer THEN user_id END) AS example_customer_id,
  count(*) FILTER (WHERE is_unknown_product) AS unknown_product_items,
  count(DISTINCT CASE WHEN is_unknown_product THEN product_id END) AS unknown_product_ids,
  min(CASE WHEN is_unknown_product THEN product_id END) AS example_product_id,
  CAST(
    COALESCE(sum(CASE WHEN is_unknown_customer OR is_unknown_product THEN line_revenue END), 0)
    AS DECIMAL(18, 2)
  ) AS affected_revenue,
  CAST(count(*) FILTER (WHERE is_unknown_customer OR is_unknown_product) AS DOUBLE) / count(*)
    AS affected_item_share
FROM fact_order_items
WHERE dt >= (SELECT dt FROM window_start)
GROUP BY dt
ORDER BY dt DESC
