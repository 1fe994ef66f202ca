-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: fact_orders, fact_order_items, dim_customer
-- scope: fact_orders.dt, fact_order_items.dt
-- lookup: dim_customer
-- description: Orders flagged by documented fraud rules, one row per (order, rule) that fired
--
-- One row per fact_orders row (dt, order_id) and rule that fires for it, with the order's
-- user_id, customer_key, order_ts and revenue. observed is the measured value and threshold the
-- rule's limit (both DOUBLE; NULL for the yes/no rules); detail says why, in words.
-- Every rule looks only at the rows of the order's own dt (and at dim_customer, a lookup), so a
-- date's flags never change when another date's data arrives: incremental builds equal full
-- ones. An order whose items straddle midnight UTC is judged once per date, on that date's part.
--
-- Rules (rule: fires when …; observed; threshold):
-- * high_value: the order's revenue ≥ 1000.00. observed = revenue; threshold 1000.
-- * velocity: the order is the user's 3rd (or later) order within 60 minutes, on the same dt.
--   observed = the user's orders in the window [order_ts − 60 minutes, order_ts], both ends
--   included, the order itself included; orders at the same instant count in order_id order
--   (so of two simultaneous orders only the one with the larger order_id counts the other).
--   threshold 3. Orders on the previous dt are not counted (the partition's own rows only).
-- * payment_methods: the user paid with ≥ 3 distinct payment methods on that dt (payment_method
--   of fact_orders); every order of the user that dt is flagged. observed = the distinct
--   methods; threshold 3.
-- * country_mismatch: the order's country differs from the country of the customer version the
--   order is attributed to (fact_orders.customer_key: the dim_customer version valid at the
--   order time). Not evaluated for an unknown customer or a version whose country is NULL.
--   observed and threshold NULL.
-- * unknown_customer: some item of the order has no dim_customer version valid at its time
--   (has_unknown_customer). observed and threshold NULL.
-- * bulk_quantity: some line of the order has quantity ≥ 10 (fact_order_items). observed = the
--   largest such quantity; threshold 10; detail names that line's product (ties: the smallest
--   order_item_id) and how many lines reached 10.
WITH velocity AS (
  SELECT
    o.dt,
    o.order_id,
    count(*) AS orders_in_window
  FROM fact_orders AS o
  JOIN fact_orders AS p
    ON p.dt = o.dt
    AND p.user_id = o.user_id
    AND p.order_ts >= o.order_ts - INTERVAL '60' MINUTE
    AND (p.order_ts < o.order_ts OR (p.order_ts = o.order_ts AND p.order_id <= o.order_id))
  GROUP BY o.dt, o.order_id
),
payment AS (
  SELECT
    dt,
    user_id,
    count(DISTINCT payment_method) AS payment_methods
  FROM fact_orders
  GROUP BY dt, user_id
),
bulk_lines AS (
  SELECT
    dt,
    order_id,
    product_id,
    quantity,
    count(*) OVER (PARTITION BY dt, order_id) AS lines_at_threshold,
    row_number() OVER (
      PARTITION BY dt, order_id
      ORDER BY quantity DESC, order_item_id
    ) AS line_order
  FROM fact_order_items
  WHERE quantity >= 10
),
flags AS (
  SELECT
    dt,
    order_id,
    'high_value' AS rule,
    CAST(revenue AS DOUBLE) AS observed,
    CAST(1000 AS DOUBLE) AS threshold,
    'order revenue ' || CAST(revenue AS VARCHAR) || ' is at least 1000.00' AS detail
  FROM fact_orders
  WHERE revenue >= 1000
  UNION ALL
  SELECT
    dt,
    order_id,
    'velocity' AS rule,
    CAST(orders_in_window AS DOUBLE) AS observed,
    CAST(3 AS DOUBLE) AS threshold,
    CAST(orders_in_window AS VARCHAR)
      || ' orders by the user in the 60 minutes up to this one (limit 3)' AS detail
  FROM velocity
  WHERE orders_in_window >= 3
  UNION ALL
  SELECT
    o.dt,
    o.order_id,
    'payment_methods' AS rule,
    CAST(p.payment_methods AS DOUBLE) AS observed,
    CAST(3 AS DOUBLE) AS threshold,
    CAST(p.payment_methods AS VARCHAR)
      || ' distinct payment methods used by the user on ' || o.dt || ' (limit 3)' AS detail
  FROM fact_orders AS o
  JOIN payment AS p ON p.dt = o.dt AND p.user_id = o.user_id
  WHERE p.payment_methods >= 3
  UNION ALL
  SELECT
    o.dt,
    o.order_id,
    'country_mismatch' AS rule,
    CAST(NULL AS DOUBLE) AS observed,
    CAST(NULL AS DOUBLE) AS threshold,
    'order country ' || o.country || ', customer country ' || c.country AS detail
  FROM fact_orders AS o
  JOIN dim_customer AS c ON c.customer_key = o.customer_key
  WHERE o.customer_key <> '-1' AND o.country <> c.country
  UNION ALL
  SELECT
    dt,
    order_id,
    'unknown_customer' AS rule,
    CAST(NULL AS DOUBLE) AS observed,
    CAST(NULL AS DOUBLE) AS threshold,
    'user ' || user_id || ' has no customer record valid at the order time' AS detail
  FROM fact_orders
  WHERE has_unknown_customer
  UNION ALL
  SELECT
    dt,
    order_id,
    'bulk_quantity' AS rule,
    CAST(quantity AS DOUBLE) AS observed,
    CAST(10 AS DOUBLE) AS threshold,
    'quantity ' || CAST(quantity AS VARCHAR) || ' of product ' || product_id || '; '
      || CAST(lines_at_threshold AS VARCHAR) || ' line(s) with quantity of 10 or more' AS detail
  FROM bulk_lines
  WHERE line_order = 1
)
SELECT
  o.order_id,
  o.user_id,
  o.customer_key,
  o.order_ts,
  o.revenue,
  CAST(f.rule AS VARCHAR) AS rule,
  f.observed,
  f.threshold,
  CAST(f.detail AS VARCHAR) AS detail,
  o.dt
FROM flags AS f
JOIN fact_orders AS o ON o.dt = f.dt AND o.order_id = f.order_id
