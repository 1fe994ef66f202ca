-- Revenue, orders, AOV and conversion over the selected days, each with its change against the
-- same number of days just before them (NULL when those days have no data). Conversion is
-- purchasing sessions over sessions. Whole UTC days: a range that starts or ends mid-day counts
-- that whole day.
WITH bounds AS (
  SELECT
    CAST($__timeFrom() AS DATE) AS d_from,
    CAST($__timeTo() AS DATE) AS d_to
),
days AS (
  SELECT
    CASE WHEN CAST(k.dt AS DATE) >= b.d_from THEN 1 ELSE 0 END AS is_current,
    k.revenue,
    k.orders,
    k.sessions,
    k.purchasing_sessions
  FROM daily_kpis AS k
  CROSS JOIN bounds AS b
  WHERE CAST(k.dt AS DATE) <= b.d_to
    -- the range and as many days before it
    AND date_diff('day', CAST(k.dt AS DATE), b.d_from) <= date_diff('day', b.d_from, b.d_to) + 1
),
periods AS (
  SELECT
    CAST(sum(revenue) FILTER (WHERE is_current = 1) AS DOUBLE) AS revenue,
    CAST(sum(revenue) FILTER (WHERE is_current = 0) AS DOUBLE) AS revenue_prev,
    CAST(sum(orders) FILTER (WHERE is_current = 1) AS DOUBLE) AS orders,
    CAST(sum(orders) FILTER (WHERE is_current = 0) AS DOUBLE) AS orders_prev,
    CAST(sum(sessions) FILTER (WHERE is_current = 1) AS DOUBLE) AS sessions,
    CAST(sum(sessions) FILTER (WHERE is_current = 0) AS DOUBLE) AS sessions_prev,
    CAST(sum(purchasing_sessions) FILTER (WHERE is_current = 1) AS DOUBLE) AS buying,
    CAST(sum(purchasing_sessions) FILTER (WHERE is_current = 0) AS DOUBLE) AS buying_prev
  FROM days
),
kpis AS (
  SELECT
    coalesce(revenue, 0) AS revenue,
    revenue_prev,
    coalesce(orders, 0) AS orders,
    orders_prev,
    CAST(revenue AS DOUBLE) / nullif(orders, 0) AS aov,
    CAST(revenue_prev AS DOUBLE) / nullif(orders_prev, 0) AS aov_prev,
    CAST(buying AS DOUBLE) / nullif(sessions, 0) AS conversion_rate,
    CAST(buying_prev AS DOUBLE) / nullif(sessions_prev, 0) AS conversion_rate_prev
  FROM periods
)
SELECT
  round(revenue, 2) AS revenue,
  CAST(revenue - revenue_prev AS DOUBLE) / nullif(revenue_prev, 0) AS revenue_change,
  orders,
  CAST(orders - orders_prev AS DOUBLE) / nullif(orders_prev, 0) AS orders_change,
  round(aov, 2) AS aov,
  CAST(aov - aov_prev AS DOUBLE) / nullif(aov_prev, 0) AS aov_change,
  conversion_rate,
  CAST(conversion_rate - conversion_rate_prev AS DOUBLE) / nullif(conversion_rate_prev, 0) AS conversion_change
FROM kpis
