-- Fraud signals of the 7 newest dates, per rule (rules and thresholds:
-- athena/models/gold/fraud_signals.sql): flagged orders, users, their revenue, the highest
-- observed value against the rule's threshold, the newest date it fired, and an example order to
-- open (the highest observed value, else the latest order). An order can be flagged by several
-- rules; orders_with_2_plus_rules counts those. Change INTERVAL '6' DAY for a longer look back;
-- to list one rule's orders: SELECT * FROM fraud_signals WHERE rule = '...' AND dt = '...'.
WITH window_start AS (
  SELECT CAST(CAST(max(from_iso8601_date(dt)) - INTERVAL '6' DAY AS DATE) AS VARCHAR) AS dt
  FROM fraud_signals
),
recent AS (
  SELECT
    f.*,
    count(*) OVER (PARTITION BY f.dt, f.order_id) AS rules_on_order,
    row_number() OVER (
      PARTITION BY f.rule
      ORDER BY f.observed DESC NULLS LAST, f.order_ts DESC, f.order_id
    ) AS example_rank
  FROM fraud_signals AS f
  WHERE f.dt >= (SELECT dt FROM window_start)
)
SELECT
  rule,
  count(DISTINCT order_id) AS orders,
  count(DISTINCT user_id) AS users,
  CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue,
  count(DISTINCT CASE WHEN rules_on_order >= 2 THEN order_id END) AS orders_with_2_plus_rules,
  max(observed) AS max_observed,
  max(threshold) AS threshold,
  max(dt) AS last_dt,
  max(CASE WHEN example_rank = 1 THEN order_id END) AS example_order_id
FROM recent
GROUP BY rule
ORDER BY orders DESC, rule
