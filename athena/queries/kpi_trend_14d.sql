-- The last 14 days of daily_kpis, newest first: revenue, orders, AOV, users, sessions and the
-- funnel rates, with the weekday (from dim_date) to read weekly patterns. The 14 days end at the
-- newest date in the lake, not at current_date. For a longer trend change the 13 in
-- INTERVAL '13' DAY; for a fixed window replace the subquery with date literals.
WITH window_start AS (
  SELECT CAST(CAST(max(from_iso8601_date(dt)) - INTERVAL '13' DAY AS DATE) AS VARCHAR) AS dt
  FROM daily_kpis
)
SELECT
  k.dt,
  d.day_name,
  k.revenue,
  k.orders,
  k.aov,
  k.active_users,
  k.new_users,
  k.sessions,
  k.conversion_rate,
  k.cart_rate,
  k.cart_abandonment_rate,
  k.revenue_per_user
FROM daily_kpis AS k
LEFT JOIN dim_date AS d ON d.dt = k.dt
WHERE k.dt >= (SELECT dt FROM window_start)
ORDER BY k.dt DESC
