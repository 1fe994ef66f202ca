-- materialization: table
-- depends_on: fact_orders, dim_customer
-- description: Lifetime value per buyer: orders, revenue, AOV, order gaps, a predicted annual revenue and an LTV decile
--
-- One row per user_id with at least one row in fact_orders. Buyers outside the CRM are kept:
-- customer_key '-1' and loyalty_tier 'unknown' (as the unknown member), country and
-- signup_date NULL.
-- As of: as_of_date = the newest dt in fact_orders (the data's own "today", never the clock),
-- so a rebuild of the same data gives the same table.
-- Customer attributes: those of the current dim_customer version (is_current) whose
-- customer_id = user_id: customer_key, country, loyalty_tier, signup_date.
--
-- Metrics, over every order of the user:
-- * orders = distinct order_id (an order whose items straddle midnight UTC has a fact_orders
--   row on each date but is one order); units = Σ units; revenue = Σ revenue, DECIMAL(18,2).
-- * first_order_date / last_order_date = the smallest / largest dt holding an order of the user.
-- * aov = revenue / orders, computed in DOUBLE, rounded to cents (round(…, 2)), DECIMAL(18,2).
-- * tenure_days = last_order_date − first_order_date, in days (0 when every order is on one day).
-- * days_since_last_order = as_of_date − last_order_date, in days.
-- * avg_days_between_orders = tenure_days / (orders − 1), DOUBLE; NULL for a one-order buyer.
--
-- Predicted annual revenue, a simple frequency × value model:
-- * observed_days = max(as_of_date − first_order_date + 1, 30): the days the user has been
--   observed as a buyer, both ends counted, but at least 30, so that a buyer first seen a day
--   or two ago is not extrapolated to hundreds of orders a year.
-- * predicted_annual_orders = orders × 365 / observed_days (DOUBLE): the user's observed order
--   rate, per year.
-- * predicted_annual_revenue = predicted_annual_orders × (revenue / orders)
--   = revenue × 365 / observed_days, computed in DOUBLE, rounded to cents, DECIMAL(18,2).
-- * Assumptions: orders keep arriving at the constant rate observed since the first order (no
--   trend, no seasonality), future orders are worth the historical average order (unrounded
--   AOV), and churn is not modelled apart from what the rate shows (a lapsed buyer's rate
--   falls as observed_days grows without orders).
--
-- ltv_decile (INTEGER, 1..10, higher = more valuable), by lifetime revenue:
-- 1 + floor(10 × (r − 1) / n), with r = rank() ascending by revenue and n the number of buyers.
-- Equal revenues share a rank, so they share a decile whatever order the engine visits them in
-- (deterministic without a tie-breaker); the least valuable buyer is in decile 1, and with
-- fewer than 10 buyers the top decile may be below 10.
WITH as_of AS (
  SELECT max(from_iso8601_date(dt)) AS as_of_date
  FROM fact_orders
),
per_user AS (
  SELECT
    user_id,
    count(DISTINCT order_id) AS orders,
    sum(units) AS units,
    sum(revenue) AS revenue,
    min(from_iso8601_date(dt)) AS first_order_date,
    max(from_iso8601_date(dt)) AS last_order_date
  FROM fact_orders
  GROUP BY user_id
),
current_customer AS (
  SELECT customer_id, customer_key, country, loyalty_tier, signup_date
  FROM dim_customer
  WHERE is_current AND customer_key <> '-1'
),
measured AS (
  SELECT
    p.user_id,
    p.orders,
    p.units,
    p.revenue,
    p.first_order_date,
    p.last_order_date,
    a.as_of_date,
    date_diff('day', p.first_order_date, p.last_order_date) AS tenure_days,
    date_diff('day', p.last_order_date, a.as_of_date) AS days_since_last_order,
    greatest(date_diff('day', p.first_order_date, a.as_of_date) + 1, 30) AS observed_days
  FROM per_user AS p
  CROSS JOIN as_of AS a
)
SELECT
  m.user_id,
  COALESCE(c.customer_key, '-1') AS customer_key,
  c.country,
  COALESCE(c.loyalty_tier, 'unknown') AS loyalty_tier,
  c.signup_date,
  m.first_order_date,
  m.last_order_date,
  CAST(m.orders AS BIGINT) AS orders,
  CAST(m.units AS BIGINT) AS units,
  CAST(m.revenue AS DECIMAL(18, 2)) AS revenue,
  CAST(round(CAST(m.revenue AS DOUBLE) / NULLIF(m.orders, 0), 2) AS DECIMAL(18, 2)) AS aov,
  CAST(m.tenure_days AS BIGINT) AS tenure_days,
  CAST(m.days_since_last_order AS BIGINT) AS days_since_last_order,
  CAST(m.tenure_days AS DOUBLE) / NULLIF(m.orders - 1, 0) AS avg_days_between_orders,
  CAST(m.orders AS DOUBLE) * 365 / CAST(m.observed_days AS DOUBLE) AS predicted_annual_orders,
  CAST(
    round(CAST(m.revenue AS DOUBLE) * 365 / CAST(m.observed_days AS DOUBLE), 2) AS DECIMAL(18, 2)
  ) AS predicted_annual_revenue,
  CAST(
    1 + CAST(10 * (rank() OVER (ORDER BY m.revenue) - 1) AS BIGINT)
      / CAST(count(*) OVER () AS BIGINT)
    AS INTEGER
  ) AS ltv_decile,
  m.as_of_date
FROM measured AS m
LEFT JOIN current_customer AS c ON c.customer_id = m.user_id
