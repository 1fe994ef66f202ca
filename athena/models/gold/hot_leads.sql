-- materialization: table
-- depends_on: fact_sessions, fact_orders
-- description: Recent cart abandoners who have not bought since, with a 0-100 propensity score
--
-- As of: as_of_date = the newest dt in fact_sessions (the data's own "today", never the clock).
-- Window: the 7 dates as_of_date − 6 … as_of_date (both ends included), by session dt.
-- Abandoned cart: a fact_sessions row with abandoned_cart (an add_to_cart and no purchase in the
-- session on that date).
-- Who qualifies: a user with at least one abandoned cart in the window and no order (fact_orders,
-- any date) with order_ts at or after the start of their last abandoned cart session. The last
-- abandoned cart session is the one with the latest session_start (ties: the larger session_id,
-- then the larger dt). A session that crosses midnight UTC and buys after it has an abandoned
-- row on the first date, but its order is after that row's start, so it does not qualify.
-- One row per qualifying user_id.
--
-- Propensity score (INTEGER, 0..100; the sum of four components, each an INTEGER). Counts earn
-- points in bands that double (a log scale: the 20th page view says less than the 2nd), so the
-- heavy-tailed activity of a few users does not put everyone else at the bottom:
-- * recency_points (10..40) = 40 − 5 × days_since_last_abandon, where days_since_last_abandon =
--   as_of_date − the dt of the last abandoned cart session (0..6): a cart left today scores 40,
--   one left six days ago 10.
-- * cart_points (5..25), from abandoned_cart_adds = Σ add_to_carts over the user's abandoned cart
--   sessions in the window (at least 1): 1 → 5, 2-3 → 10, 4-7 → 15, 8-15 → 20, 16 or more → 25.
-- * engagement_points (0..20), from page_views = Σ page_views over every session of the user in
--   the window (abandoned or not): 0 → 0, 1-4 → 4, 5-9 → 8, 10-19 → 12, 20-39 → 16, 40 or
--   more → 20.
-- * purchase_points (0..15), from past_orders = distinct order_id of the user in fact_orders
--   with order_ts before the start of the last abandoned cart session (a returning buyer is
--   likelier to come back): 0 → 0, 1 → 5, 2-3 → 10, 4 or more → 15.
-- The components' maxima add up to 100 (40 + 25 + 20 + 15); a qualifying user scores at least 15.
-- past_revenue = Σ revenue of those orders (DECIMAL(18,2); 0 for none).
-- lead_rank = 1, 2, … by propensity_score descending, then the later last abandoned session,
-- then user_id (a total order: user_id is unique here).
WITH as_of AS (
  SELECT max(from_iso8601_date(dt)) AS as_of_date
  FROM fact_sessions
),
recent AS (
  SELECT
    s.*,
    date_diff('day', from_iso8601_date(s.dt), a.as_of_date) AS days_ago,
    a.as_of_date
  FROM fact_sessions AS s
  CROSS JOIN as_of AS a
  WHERE date_diff('day', from_iso8601_date(s.dt), a.as_of_date) BETWEEN 0 AND 6
),
abandoned AS (
  SELECT
    *,
    row_number() OVER (
      PARTITION BY user_id
      ORDER BY session_start DESC, session_id DESC, dt DESC
    ) AS abandon_order
  FROM recent
  WHERE abandoned_cart
),
abandon_totals AS (
  SELECT
    user_id,
    count(*) AS abandoned_sessions,
    sum(add_to_carts) AS abandoned_cart_adds
  FROM abandoned
  GROUP BY user_id
),
activity AS (
  SELECT
    user_id,
    count(*) AS sessions,
    sum(page_views) AS page_views
  FROM recent
  GROUP BY user_id
),
last_abandoned AS (
  SELECT user_id, customer_key, session_id, session_start, days_ago, as_of_date
  FROM abandoned
  WHERE abandon_order = 1
),
purchases AS (
  SELECT
    l.user_id,
    count(o.order_id) FILTER (WHERE o.order_ts >= l.session_start) AS orders_after,
    count(DISTINCT CASE WHEN o.order_ts < l.session_start THEN o.order_id END) AS past_orders,
    sum(CASE WHEN o.order_ts < l.session_start THEN o.revenue END) AS past_revenue
  FROM last_abandoned AS l
  LEFT JOIN fact_orders AS o ON o.user_id = l.user_id
  GROUP BY l.user_id
),
scored AS (
  SELECT
    l.user_id,
    l.customer_key,
    l.session_id AS last_abandoned_session_id,
    l.session_start AS last_abandoned_at,
    l.days_ago AS days_since_last_abandon,
    t.abandoned_sessions,
    t.abandoned_cart_adds,
    a.sessions,
    a.page_views,
    p.past_orders,
    COALESCE(p.past_revenue, 0) AS past_revenue,
    CAST(40 - 5 * l.days_ago AS INTEGER) AS recency_points,
    CAST(
      CASE
        WHEN t.abandoned_cart_adds >= 16 THEN 25
        WHEN t.abandoned_cart_adds >= 8 THEN 20
        WHEN t.abandoned_cart_adds >= 4 THEN 15
        WHEN t.abandoned_cart_adds >= 2 THEN 10
        ELSE 5
      END AS INTEGER
    ) AS cart_points,
    CAST(
      CASE
        WHEN a.page_views >= 40 THEN 20
        WHEN a.page_views >= 20 THEN 16
        WHEN a.page_views >= 10 THEN 12
        WHEN a.page_views >= 5 THEN 8
        WHEN a.page_views >= 1 THEN 4
        ELSE 0
      END AS INTEGER
    ) AS engagement_points,
    CAST(
      CASE
        WHEN p.past_orders >= 4 THEN 15
        WHEN p.past_orders >= 2 THEN 10
        WHEN p.past_orders = 1 THEN 5
        ELSE 0
      END AS INTEGER
    ) AS purchase_points,
    l.as_of_date
  FROM last_abandoned AS l
  JOIN abandon_totals AS t ON t.user_id = l.user_id
  JOIN activity AS a ON a.user_id = l.user_id
  JOIN purchases AS p ON p.user_id = l.user_id
  WHERE p.orders_after = 0
)
SELECT
  user_id,
  customer_key,
  last_abandoned_session_id,
  CAST(last_abandoned_at AS TIMESTAMP) AS last_abandoned_at,
  CAST(days_since_last_abandon AS BIGINT) AS days_since_last_abandon,
  CAST(abandoned_sessions AS BIGINT) AS abandoned_sessions,
  CAST(abandoned_cart_adds AS BIGINT) AS abandoned_cart_adds,
  CAST(sessions AS BIGINT) AS sessions,
  CAST(page_views AS BIGINT) AS page_views,
  CAST(past_orders AS BIGINT) AS past_orders,
  CAST(past_revenue AS DECIMAL(18, 2)) AS past_revenue,
  recency_points,
  cart_points,
  engagement_points,
  purchase_points,
  CAST(recency_points + cart_points + engagement_points + purchase_points AS INTEGER)
    AS propensity_score,
  row_number() OVER (
    ORDER BY
      recency_points + cart_points + engagement_points + purchase_points DESC,
      last_abandoned_at DESC,
      user_id
  ) AS lead_rank,
  as_of_date
FROM scored
