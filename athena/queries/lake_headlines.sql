-- Headline numbers of the whole lake: events, quarantined lines, orders, revenue, sessions and
-- session conversion (sessions with a purchase / sessions). Revenue = sum(price * quantity) of
-- purchase events; conversion is NULL when there are no sessions.
WITH purchases AS (
  SELECT order_id, product_price * quantity AS amount
  FROM silver_events
  WHERE event_type = 'purchase'
),
sessions AS (
  SELECT session_id, max(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS converted
  FROM silver_events
  GROUP BY session_id
)
SELECT
  (SELECT count(*) FROM silver_events) AS events,
  (SELECT count(*) FROM silver_quarantine) AS quarantined,
  (SELECT count(DISTINCT order_id) FROM purchases) AS orders,
  (SELECT CAST(COALESCE(sum(amount), 0) AS DECIMAL(18, 2)) FROM purchases) AS revenue,
  (SELECT count(*) FROM sessions) AS sessions,
  (
    SELECT CAST(sum(converted) AS DOUBLE) / NULLIF(count(*), 0)
    FROM sessions
  ) AS conversion_rate,
  (SELECT min(dt) FROM silver_events) AS first_date,
  (SELECT max(dt) FROM silver_events) AS last_date
