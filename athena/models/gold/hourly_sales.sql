-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: fact_orders, fact_sessions
-- scope: fact_orders.dt, fact_sessions.dt
-- description: Orders, units, revenue, buyers and sessions started, per date and UTC hour (24 rows per date)
--
-- Grain: one row per (dt, hour) for hour 0..23 and every dt holding any session or order: an
-- hour without orders or sessions is a row of zeros (revenue 0.00), so a chart of the day has
-- no gaps. Hours are UTC.
-- * orders, units, revenue, buyers: fact_orders whose order_ts (the first line's event time)
--   falls in the hour; buyers = distinct user_id among them. Definitions as in daily_kpis.
-- * sessions = fact_sessions rows whose session_start falls in the hour (a session crossing
--   midnight UTC starts again at 00 of the next date, as in fact_sessions).
-- The 24 hours come from a VALUES list (no sequence(): it is not portable).
WITH days AS (
  SELECT dt FROM fact_sessions
  UNION
  SELECT dt FROM fact_orders
),
hours AS (
  SELECT CAST(h AS INTEGER) AS hour
  FROM (
    VALUES
      (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11),
      (12), (13), (14), (15), (16), (17), (18), (19), (20), (21), (22), (23)
  ) AS t (h)
),
order_hours AS (
  SELECT
    dt,
    hour,
    count(*) AS orders,
    CAST(sum(units) AS BIGINT) AS units,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue,
    count(DISTINCT user_id) AS buyers
  FROM fact_orders
  GROUP BY dt, hour
),
session_hours AS (
  SELECT
    dt,
    start_hour AS hour,
    count(*) AS sessions
  FROM fact_sessions
  GROUP BY dt, start_hour
)
SELECT
  CAST(replace(d.dt, '-', '') AS INTEGER) AS date_key,
  h.hour,
  CAST(coalesce(o.orders, 0) AS BIGINT) AS orders,
  CAST(coalesce(o.units, 0) AS BIGINT) AS units,
  CAST(coalesce(o.revenue, 0) AS DECIMAL(18, 2)) AS revenue,
  CAST(coalesce(o.buyers, 0) AS BIGINT) AS buyers,
  CAST(coalesce(s.sessions, 0) AS BIGINT) AS sessions,
  d.dt
FROM days AS d
CROSS JOIN hours AS h
LEFT JOIN order_hours AS o ON o.dt = d.dt AND o.hour = h.hour
LEFT JOIN session_hours AS s ON s.dt = d.dt AND s.hour = h.hour
