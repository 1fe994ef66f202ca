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
-- Rules (rule: fires when …; observed; threshold). The thresholds are set for a short list an
-- analyst can work through; the counting rules flag the order at which the limit is reached,
-- not every order of the user. Measured on the generated shop (1M events, no fraud in it):
-- high_value ~0.7% of orders, velocity ~0.5%, payment_methods ~2.1%.
-- * high_value: the order's revenue ≥ 10 × the average order value (AOV) of its dt: all
--   fact_orders rows of that dt, the order itself included, AOV = Σ revenue / orders. Relative,
--   so it follows the shop's prices instead of a fixed currency amount (a fixed 1000 flagged ~8%
--   of orders at an AOV of ~350). Compared exactly, in decimals: revenue × orders ≥ 10 × Σ
--   revenue. observed = revenue; threshold = 10 × AOV (DOUBLE); detail gives Σ revenue and
--   orders of the date. A date needs at least 10 orders before any of them can reach it.
-- * velocity: the order is the user's 4th (or later) order within 60 minutes, on the same dt.
--   observed = the user's orders in the window [order_ts − 60 minutes, order_ts], both ends
--   included, the order itself included; orders at the same instant count in order_id order
--   (so of two simultaneous orders only the one with the larger order_id counts the other).
--   threshold 4 (3 fired for ~2.5% of orders: heavy users often order 3 times in an hour).
--   Orders on the previous dt are not counted (the partition's own rows only).
-- * payment_methods: the user paid with ≥ 4 distinct payment methods on that dt (payment_method
--   of fact_orders; NULL is no method). One row per (user, dt): the order that brings the
--   user's running count of distinct methods to 4, orders taken by order_ts, then order_id (a
--   method counts at its first use by the user that dt; a repeated method adds nothing).
--   observed = the user's distinct methods that dt (4 or more); threshold 4. (≥ 3 with every
--   order of the user flagged hit ~30% of orders: heavy users pay with a random method.)
-- * country_mismatch: the order's country differs from the country of the customer version the
--   order is attributed to (fact_orders.customer_key: the dim_customer version valid at the
--   order time). Not evaluated for an unknown customer or a version whose country is NULL.
--   observed and threshold NULL.
-- * unknown_customer: some item of the order has no dim_customer version valid at its time
--   (has_unknown_customer). observed and threshold NULL.
-- * bulk_quantity: some line of the order has quantity ≥ 10 (fact_order_items). observed = the
--   largest such quantity; threshold 10; detail names that line's product (ties: the smallest
--   order_item_id) and how many lines reached 10.
WITH day_orders AS (
  SELECT
    dt,
    count(*) AS orders,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue
  FROM fact_orders
  GROUP BY dt
),
velocity AS (
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
method_uses AS (
  SELECT
    dt,
    user_id,
    order_id,
    order_ts,
    payment_method,
    row_number() OVER (
      PARTITION BY dt, user_id, payment_method
      ORDER BY order_ts, order_id
    ) AS use_order
  FROM fact_orders
  WHERE payment_method IS NOT NULL
),
first_method_uses AS (
  SELECT
    dt,
    order_id,
    payment_method,
    row_number() OVER (
      PARTITION BY dt, user_id
      ORDER BY order_ts, order_id
    ) AS distinct_methods_so_far,
    count(*) OVER (PARTITION BY dt, user_id) AS payment_methods
  FROM method_uses
  WHERE use_order = 1
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
    o.dt,
    o.order_id,
    'high_value' AS rule,
    CAST(o.revenue AS DOUBLE) AS observed,
    CAST(10 * d.revenue AS DOUBLE) / CAST(d.orders AS DOUBLE) AS threshold,
    'order revenue ' || CAST(o.revenue AS VARCHAR) || ' is at least 10 times the average order'
      || ' value of ' || o.dt || ' (' || CAST(d.revenue AS VARCHAR) || ' over '
      || CAST(d.orders AS VARCHAR) || ' orders)' AS detail
  FROM fact_orders AS o
  JOIN day_orders AS d ON d.dt = o.dt
  WHERE o.revenue * d.orders >= 10 * d.revenue
  UNION ALL
  SELECT
    dt,
    order_id,
    'velocity' AS rule,
    CAST(orders_in_window AS DOUBLE) AS observed,
    CAST(4 AS DOUBLE) AS threshold,
    CAST(orders_in_window AS VARCHAR)
      || ' orders by the user in the 60 minutes up to this one (limit 4)' AS detail
  FROM velocity
  WHERE orders_in_window >= 4
  UNION ALL
  SELECT
    dt,
    order_id,
    'payment_methods' AS rule,
    CAST(payment_methods AS DOUBLE) AS observed,
    CAST(4 AS DOUBLE) AS threshold,
    'payment method ' || payment_method || ' is the 4th distinct one used by the user on ' || dt
      || '; ' || CAST(payment_methods AS VARCHAR) || ' distinct that date (limit 4)' AS detail
  FROM first_method_uses
  WHERE distinct_methods_so_far = 4
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
