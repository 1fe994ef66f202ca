-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: fact_sessions, fact_orders
-- scope: fact_sessions.dt, fact_orders.dt
-- description: Per traffic source, campaign and date: sessions, users, carts, purchases, orders, revenue, conversion, AOV, revenue per session
--
-- Grain: one row per (dt, traffic_source, campaign_id) that has a session or an order that
-- date; campaign_id NULL (no campaign) is a channel of its own.
-- Attribution: a session belongs to the channel of its first event that day (fact_sessions);
-- an order to the channel of its own first line (fact_orders), which may differ from the
-- channel its session started with. A channel can therefore have orders and no sessions.
-- * sessions, cart_sessions (with an add_to_cart), purchasing_sessions (with a purchase):
--   fact_sessions rows of the channel; users = distinct user_id among them.
-- * orders, revenue: fact_orders rows of the channel; revenue DECIMAL(18,2), 0.00 without.
-- * conversion_rate = purchasing_sessions / sessions (as in daily_kpis), NULL without sessions.
-- * aov = revenue / orders (as in daily_kpis), NULL without orders.
-- * revenue_per_session = revenue / sessions, NULL without sessions.
-- Money ratios are divided in DOUBLE and rounded to the cent, DECIMAL(18,2) (see daily_kpis).
-- How: the session measures and the order measures are grouped separately, stacked (UNION ALL,
-- zeros for the other side) and summed per channel, which keeps NULL campaigns together on
-- both engines without a join on a nullable key.
WITH session_channels AS (
  SELECT
    dt,
    traffic_source,
    campaign_id,
    count(*) AS sessions,
    count(DISTINCT user_id) AS users,
    count(*) FILTER (WHERE has_cart) AS cart_sessions,
    count(*) FILTER (WHERE purchased) AS purchasing_sessions,
    CAST(0 AS BIGINT) AS orders,
    CAST(0 AS DECIMAL(18, 2)) AS revenue
  FROM fact_sessions
  GROUP BY dt, traffic_source, campaign_id
),
order_channels AS (
  SELECT
    dt,
    traffic_source,
    campaign_id,
    CAST(0 AS BIGINT) AS sessions,
    CAST(0 AS BIGINT) AS users,
    CAST(0 AS BIGINT) AS cart_sessions,
    CAST(0 AS BIGINT) AS purchasing_sessions,
    count(*) AS orders,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue
  FROM fact_orders
  GROUP BY dt, traffic_source, campaign_id
),
channels AS (
  SELECT
    dt,
    traffic_source,
    campaign_id,
    CAST(sum(sessions) AS BIGINT) AS sessions,
    CAST(sum(users) AS BIGINT) AS users,
    CAST(sum(cart_sessions) AS BIGINT) AS cart_sessions,
    CAST(sum(purchasing_sessions) AS BIGINT) AS purchasing_sessions,
    CAST(sum(orders) AS BIGINT) AS orders,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue
  FROM (
    SELECT * FROM session_channels
    UNION ALL
    SELECT * FROM order_channels
  ) AS measures
  GROUP BY dt, traffic_source, campaign_id
)
SELECT
  CAST(replace(dt, '-', '') AS INTEGER) AS date_key,
  traffic_source,
  campaign_id,
  sessions,
  users,
  cart_sessions,
  purchasing_sessions,
  orders,
  revenue,
  CAST(purchasing_sessions AS DOUBLE) / NULLIF(sessions, 0) AS conversion_rate,
  CAST(round(CAST(revenue AS DOUBLE) / NULLIF(orders, 0), 2) AS DECIMAL(18, 2)) AS aov,
  CAST(round(CAST(revenue AS DOUBLE) / NULLIF(sessions, 0), 2) AS DECIMAL(18, 2))
    AS revenue_per_session,
  dt
FROM channels
