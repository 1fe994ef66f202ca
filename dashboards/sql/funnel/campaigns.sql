-- The ten campaigns with the most revenue over the selected days (channel_daily rows with a
-- campaign id), each with its traffic source: sessions, orders, revenue, conversion (purchasing
-- sessions over sessions) and AOV. Traffic without a campaign is in the traffic sources panel.
WITH campaigns AS (
  SELECT
    campaign_id,
    traffic_source,
    CAST(sum(sessions) AS BIGINT) AS sessions,
    CAST(sum(purchasing_sessions) AS BIGINT) AS purchasing_sessions,
    CAST(sum(orders) AS BIGINT) AS orders,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue
  FROM channel_daily
  WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
    AND campaign_id IS NOT NULL
  GROUP BY campaign_id, traffic_source
)
SELECT
  campaign_id,
  traffic_source,
  sessions,
  orders,
  CAST(revenue AS DOUBLE) AS revenue,
  CAST(purchasing_sessions AS DOUBLE) / nullif(sessions, 0) AS conversion_rate,
  round(CAST(revenue AS DOUBLE) / nullif(orders, 0), 2) AS aov
FROM campaigns
ORDER BY revenue DESC, sessions DESC, campaign_id, traffic_source
LIMIT 10
