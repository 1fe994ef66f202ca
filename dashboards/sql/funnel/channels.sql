-- Traffic sources over the selected days (channel_daily), by revenue: sessions, orders,
-- revenue, conversion (purchasing sessions over sessions), AOV and revenue per session, campaigns
-- of a source added together. A session belongs to the source of its first event of the day, an
-- order to the source of its first line, so a source can have orders and no sessions.
WITH sources AS (
  SELECT
    traffic_source,
    CAST(sum(sessions) AS BIGINT) AS sessions,
    CAST(sum(purchasing_sessions) AS BIGINT) AS purchasing_sessions,
    CAST(sum(orders) AS BIGINT) AS orders,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue
  FROM channel_daily
  WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
  GROUP BY traffic_source
)
SELECT
  traffic_source,
  sessions,
  orders,
  CAST(revenue AS DOUBLE) AS revenue,
  CAST(purchasing_sessions AS DOUBLE) / nullif(sessions, 0) AS conversion_rate,
  round(CAST(revenue AS DOUBLE) / nullif(orders, 0), 2) AS aov,
  round(CAST(revenue AS DOUBLE) / nullif(sessions, 0), 2) AS revenue_per_session
FROM sources
ORDER BY revenue DESC, sessions DESC, traffic_source
