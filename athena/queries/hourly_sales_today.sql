-- The newest date hour by hour (UTC) next to the day before: orders, revenue, buyers and sessions
-- started in each hour, and revenue so far that day (running total) against the same hour of the
-- day before, to see whether "today" is on track. hourly_sales has 24 rows per date (empty hours
-- are zeros). For another day replace max(from_iso8601_date(dt)) with DATE '2026-11-20' (twice).
WITH today AS (
  SELECT
    CAST(max(from_iso8601_date(dt)) AS VARCHAR) AS dt,
    CAST(CAST(max(from_iso8601_date(dt)) - INTERVAL '1' DAY AS DATE) AS VARCHAR) AS previous_dt
  FROM hourly_sales
),
hours AS (
  SELECT
    h.hour,
    CASE WHEN h.dt = t.dt THEN 0 ELSE 1 END AS days_back,
    h.orders,
    h.revenue,
    h.buyers,
    h.sessions
  FROM hourly_sales AS h
  CROSS JOIN today AS t
  WHERE h.dt IN (t.dt, t.previous_dt)
),
paired AS (
  SELECT
    hour,
    sum(CASE WHEN days_back = 0 THEN orders END) AS orders,
    CAST(sum(CASE WHEN days_back = 0 THEN revenue END) AS DECIMAL(18, 2)) AS revenue,
    sum(CASE WHEN days_back = 0 THEN buyers END) AS buyers,
    sum(CASE WHEN days_back = 0 THEN sessions END) AS sessions,
    CAST(sum(CASE WHEN days_back = 1 THEN revenue END) AS DECIMAL(18, 2)) AS previous_revenue
  FROM hours
  GROUP BY hour
)
SELECT
  t.dt,
  p.hour,
  CAST(p.orders AS BIGINT) AS orders,
  p.revenue,
  CAST(p.buyers AS BIGINT) AS buyers,
  CAST(p.sessions AS BIGINT) AS sessions,
  CAST(sum(p.revenue) OVER (ORDER BY p.hour) AS DECIMAL(18, 2)) AS revenue_so_far,
  p.previous_revenue,
  CAST(sum(p.previous_revenue) OVER (ORDER BY p.hour) AS DECIMAL(18, 2))
    AS previous_revenue_so_far
FROM paired AS p
CROSS JOIN today AS t
ORDER BY p.hour
