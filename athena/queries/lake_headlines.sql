-- Headline numbers of the whole lake: events, quarantined lines, and from daily_kpis the orders,
-- revenue (what customers paid: price x quantity of the purchase lines), sessions and session
-- conversion (sessions with a purchase / sessions; NULL when there are no sessions), with the
-- first and last event date. A session that crosses midnight UTC counts on each date, as in
-- fact_sessions.
WITH days AS (
  SELECT
    sum(orders) AS orders,
    sum(revenue) AS revenue,
    sum(sessions) AS sessions,
    sum(purchasing_sessions) AS purchasing_sessions,
    min(from_iso8601_date(dt)) AS first_date,
    max(from_iso8601_date(dt)) AS last_date
  FROM daily_kpis
)
SELECT
  (SELECT count(*) FROM silver_events) AS events,
  (SELECT count(*) FROM silver_quarantine) AS quarantined,
  CAST(COALESCE(orders, 0) AS BIGINT) AS orders,
  CAST(COALESCE(revenue, 0) AS DECIMAL(18, 2)) AS revenue,
  CAST(COALESCE(sessions, 0) AS BIGINT) AS sessions,
  CAST(purchasing_sessions AS DOUBLE) / NULLIF(sessions, 0) AS conversion_rate,
  CAST(first_date AS VARCHAR) AS first_date,
  CAST(last_date AS VARCHAR) AS last_date
FROM days
