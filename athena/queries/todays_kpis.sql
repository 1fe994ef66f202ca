-- Today's KPIs next to the day before: one row per metric of daily_kpis with its value on the
-- newest date in the lake ("today": the data decides, never current_date), the value on the
-- calendar day before, and the change in percent (NULL when the day before is missing or 0).
-- While data still arrives the newest date is a partial day: hourly_sales_today compares it
-- hour by hour.
-- Rates are 0..1 (definitions: athena/models/gold/daily_kpis.sql). For another day, replace
-- max(from_iso8601_date(dt)) with a date literal such as DATE '2026-11-20'; daily_kpis holds one
-- small row per date, so either way the scan is tiny.
WITH newest AS (
  SELECT max(from_iso8601_date(dt)) AS d
  FROM daily_kpis
),
today AS (
  SELECT
    CAST(d AS VARCHAR) AS dt,
    CAST(CAST(d - INTERVAL '1' DAY AS DATE) AS VARCHAR) AS previous_dt
  FROM newest
),
days AS (
  SELECT
    k.*,
    CASE WHEN k.dt = t.dt THEN 0 ELSE 1 END AS days_back
  FROM daily_kpis AS k
  CROSS JOIN today AS t
  WHERE k.dt IN (t.dt, t.previous_dt)
),
metrics (position, metric) AS (
  VALUES
    (1, 'revenue'),
    (2, 'orders'),
    (3, 'units'),
    (4, 'aov'),
    (5, 'active_users'),
    (6, 'buyers'),
    (7, 'new_users'),
    (8, 'returning_users'),
    (9, 'unknown_users'),
    (10, 'revenue_per_user'),
    (11, 'sessions'),
    (12, 'page_views'),
    (13, 'conversion_rate'),
    (14, 'cart_rate'),
    (15, 'checkout_rate'),
    (16, 'cart_abandonment_rate'),
    (17, 'unknown_customer_orders'),
    (18, 'unknown_product_items')
),
metric_values AS (
  SELECT
    d.days_back,
    m.position,
    m.metric,
    CASE m.metric
      WHEN 'revenue' THEN CAST(d.revenue AS DOUBLE)
      WHEN 'orders' THEN CAST(d.orders AS DOUBLE)
      WHEN 'units' THEN CAST(d.units AS DOUBLE)
      WHEN 'aov' THEN CAST(d.aov AS DOUBLE)
      WHEN 'active_users' THEN CAST(d.active_users AS DOUBLE)
      WHEN 'buyers' THEN CAST(d.buyers AS DOUBLE)
      WHEN 'new_users' THEN CAST(d.new_users AS DOUBLE)
      WHEN 'returning_users' THEN CAST(d.returning_users AS DOUBLE)
      WHEN 'unknown_users' THEN CAST(d.unknown_users AS DOUBLE)
      WHEN 'revenue_per_user' THEN CAST(d.revenue_per_user AS DOUBLE)
      WHEN 'sessions' THEN CAST(d.sessions AS DOUBLE)
      WHEN 'page_views' THEN CAST(d.page_views AS DOUBLE)
      WHEN 'conversion_rate' THEN CAST(d.conversion_rate AS DOUBLE)
      WHEN 'cart_rate' THEN CAST(d.cart_rate AS DOUBLE)
      WHEN 'checkout_rate' THEN CAST(d.checkout_rate AS DOUBLE)
      WHEN 'cart_abandonment_rate' THEN CAST(d.cart_abandonment_rate AS DOUBLE)
      WHEN 'unknown_customer_orders' THEN CAST(d.unknown_customer_orders AS DOUBLE)
      WHEN 'unknown_product_items' THEN CAST(d.unknown_product_items AS DOUBLE)
    END AS value
  FROM days AS d
  CROSS JOIN metrics AS m
),
paired AS (
  SELECT
    position,
    metric,
    max(CASE WHEN days_back = 0 THEN value END) AS value,
    max(CASE WHEN days_back = 1 THEN value END) AS previous_value
  FROM metric_values
  GROUP BY position, metric
)
SELECT
  t.dt,
  t.previous_dt,
  p.metric,
  p.value,
  p.previous_value,
  round(100 * (p.value - p.previous_value) / CAST(NULLIF(p.previous_value, 0) AS DOUBLE), 1)
    AS change_pct
FROM paired AS p
CROSS JOIN today AS t
ORDER BY p.position
