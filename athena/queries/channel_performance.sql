-- Channel performance over the 7 newest dates of channel_daily, per traffic source and campaign
-- ('(no campaign)' when the channel has none): sessions, cart and purchasing sessions, orders,
-- revenue and its share, conversion rate, AOV and revenue per session re-derived from the summed
-- counts (definitions and attribution: athena/models/gold/channel_daily.sql; an order counts for
-- its own channel). Change INTERVAL '6' DAY for a longer period; add
-- `AND traffic_source = 'email'` to the WHERE to compare one source's campaigns.
WITH period AS (
  SELECT
    CAST(CAST(max(from_iso8601_date(dt)) - INTERVAL '6' DAY AS DATE) AS VARCHAR) AS from_dt,
    CAST(max(from_iso8601_date(dt)) AS VARCHAR) AS to_dt
  FROM channel_daily
),
totals AS (
  SELECT
    traffic_source,
    campaign_id,
    CAST(sum(sessions) AS BIGINT) AS sessions,
    CAST(sum(cart_sessions) AS BIGINT) AS cart_sessions,
    CAST(sum(purchasing_sessions) AS BIGINT) AS purchasing_sessions,
    CAST(sum(orders) AS BIGINT) AS orders,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue
  FROM channel_daily
  WHERE dt >= (SELECT from_dt FROM period)
  GROUP BY traffic_source, campaign_id
)
SELECT
  t.traffic_source,
  COALESCE(t.campaign_id, '(no campaign)') AS campaign,
  t.sessions,
  t.cart_sessions,
  t.purchasing_sessions,
  t.orders,
  t.revenue,
  CAST(t.revenue AS DOUBLE) / NULLIF(CAST(sum(t.revenue) OVER () AS DOUBLE), 0) AS revenue_share,
  CAST(t.purchasing_sessions AS DOUBLE) / NULLIF(t.sessions, 0) AS conversion_rate,
  CAST(round(CAST(t.revenue AS DOUBLE) / NULLIF(t.orders, 0), 2) AS DECIMAL(18, 2)) AS aov,
  CAST(round(CAST(t.revenue AS DOUBLE) / NULLIF(t.sessions, 0), 2) AS DECIMAL(18, 2))
    AS revenue_per_session,
  p.from_dt,
  p.to_dt
FROM totals AS t
CROSS JOIN period AS p
ORDER BY t.revenue DESC, t.sessions DESC, t.traffic_source, campaign
