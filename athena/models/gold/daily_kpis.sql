-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: fact_sessions, fact_orders, fact_order_items, dim_customer
-- scope: fact_sessions.dt, fact_orders.dt, fact_order_items.dt
-- lookup: dim_customer
-- description: One row per date: revenue, orders, AOV, users, sessions, conversion, cart, checkout and abandonment rates, new vs returning users
--
-- Grain: one row per dt holding any session or order (fact_sessions, fact_orders,
-- fact_order_items). A session or an order that crosses midnight UTC counts on each date it has
-- events (as in the facts). The house's metric definitions live here; the other marts refer to
-- them. Rates are DOUBLE in 0..1 and NULL when their denominator is 0; money is DECIMAL(18,2).
--
-- Sales (fact_orders of the date):
-- * revenue = Σ order revenue (Σ unit price x quantity of the purchase lines); 0.00 without orders.
-- * orders = order rows of the date; units = Σ units; buyers = distinct user_id with an order.
-- * AOV (average order value) = revenue / orders. NULL when there are no orders.
-- * Money ratios (AOV here, revenue_per_user, and the AOV and revenue per session of
--   channel_daily) are divided in DOUBLE and rounded to the cent with round(x, 2), then cast to
--   DECIMAL(18,2): both engines compute the same IEEE quotient and round it the same way (half
--   away from zero on the double's value), so they agree to the cent. A quotient that is exactly
--   half a cent in decimal (5.005) is rounded as its nearest double (5.00499...) is: to 5.00.
-- * unknown_customer_orders = orders with a line whose customer is not in the CRM
--   (fact_orders.has_unknown_customer); unknown_product_items = order lines whose product has no
--   dim_product version valid at the purchase (fact_order_items.product_key = '-1').
--
-- Sessions (fact_sessions of the date; one row per session and date):
-- * sessions = session rows; page_views = Σ page views.
-- * purchasing_sessions = sessions with >= 1 purchase; cart_sessions = sessions with >= 1
--   add_to_cart.
-- * conversion_rate = purchasing sessions / sessions.
-- * cart_rate = sessions with a cart / sessions.
-- * checkout_rate = sessions with a cart that also purchased / sessions with a cart. The event
--   contract has no checkout event, so checkout is cart -> purchase. A session that purchases
--   without an add_to_cart that day counts in conversion_rate, not here.
-- * cart_abandonment_rate = sessions with a cart and no purchase (fact_sessions.abandoned_cart)
--   / sessions with a cart (= 1 - checkout_rate).
--
-- Users:
-- * active_users = distinct user_id with any event that day. Every event of the date belongs to
--   exactly one fact_sessions row of the date, so this is the distinct user_id of those rows.
-- * revenue_per_user = revenue / active users (money ratio, as AOV).
-- * A user's customer version for the day is the one valid at their first event that day: the
--   customer_key of their earliest session of the date (smallest session_start, then
--   session_id; fact_sessions keys a session at its first event). Its signup_date (dim_customer)
--   decides:
--   new_users = active users whose signup_date is the date itself;
--   returning_users = active known users who signed up before the date;
--   unknown_users = active users not in the CRM (customer_key '-1').
--   A known user with no signup_date, or one after the date (inconsistent CRM data), is none of
--   the three, so the three add up to active_users only when the CRM is consistent.
-- date_key = the date's yyyymmdd.
WITH session_totals AS (
  SELECT
    dt,
    count(*) AS sessions,
    count(*) FILTER (WHERE purchased) AS purchasing_sessions,
    count(*) FILTER (WHERE has_cart) AS cart_sessions,
    count(*) FILTER (WHERE has_cart AND purchased) AS checkout_sessions,
    count(*) FILTER (WHERE abandoned_cart) AS abandoned_sessions,
    CAST(sum(page_views) AS BIGINT) AS page_views,
    count(DISTINCT user_id) AS active_users
  FROM fact_sessions
  GROUP BY dt
),
-- customer_key is never NULL (the unknown member is '-1'), so min_by agrees on both engines.
first_sessions AS (
  SELECT
    dt,
    user_id,
    min_by(customer_key, ROW(session_start, session_id)) AS customer_key -- dialect-ok: min-max-by (customer_key is never NULL)
  FROM fact_sessions
  GROUP BY dt, user_id
),
user_kinds AS (
  SELECT
    f.dt,
    count(*) FILTER (WHERE c.signup_date = CAST(f.dt AS DATE)) AS new_users,
    count(*) FILTER (WHERE c.signup_date < CAST(f.dt AS DATE)) AS returning_users,
    count(*) FILTER (WHERE f.customer_key = '-1') AS unknown_users
  FROM first_sessions AS f
  -- The unknown member '-1' is a row of dim_customer with no signup_date: it counts as neither
  -- new nor returning. (An extra `<> '-1'` in ON made DuckDB leave its hash join: 30x slower.)
  LEFT JOIN dim_customer AS c
    ON c.customer_key = f.customer_key
  GROUP BY f.dt
),
order_totals AS (
  SELECT
    dt,
    count(*) AS orders,
    CAST(sum(units) AS BIGINT) AS units,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue,
    count(DISTINCT user_id) AS buyers,
    count(*) FILTER (WHERE has_unknown_customer) AS unknown_customer_orders
  FROM fact_orders
  GROUP BY dt
),
item_totals AS (
  SELECT
    dt,
    count(*) FILTER (WHERE product_key = '-1') AS unknown_product_items
  FROM fact_order_items
  GROUP BY dt
),
days AS (
  SELECT dt FROM session_totals
  UNION
  SELECT dt FROM order_totals
  UNION
  SELECT dt FROM item_totals
)
SELECT
  CAST(replace(d.dt, '-', '') AS INTEGER) AS date_key,
  CAST(coalesce(o.revenue, 0) AS DECIMAL(18, 2)) AS revenue,
  CAST(coalesce(o.orders, 0) AS BIGINT) AS orders,
  CAST(coalesce(o.units, 0) AS BIGINT) AS units,
  CAST(round(CAST(o.revenue AS DOUBLE) / NULLIF(o.orders, 0), 2) AS DECIMAL(18, 2)) AS aov,
  CAST(coalesce(s.active_users, 0) AS BIGINT) AS active_users,
  CAST(coalesce(o.buyers, 0) AS BIGINT) AS buyers,
  CAST(coalesce(s.sessions, 0) AS BIGINT) AS sessions,
  CAST(coalesce(s.purchasing_sessions, 0) AS BIGINT) AS purchasing_sessions,
  CAST(coalesce(s.cart_sessions, 0) AS BIGINT) AS cart_sessions,
  CAST(coalesce(s.page_views, 0) AS BIGINT) AS page_views,
  CAST(s.purchasing_sessions AS DOUBLE) / NULLIF(s.sessions, 0) AS conversion_rate,
  CAST(s.cart_sessions AS DOUBLE) / NULLIF(s.sessions, 0) AS cart_rate,
  CAST(s.checkout_sessions AS DOUBLE) / NULLIF(s.cart_sessions, 0) AS checkout_rate,
  CAST(s.abandoned_sessions AS DOUBLE) / NULLIF(s.cart_sessions, 0) AS cart_abandonment_rate,
  CAST(
    round(CAST(coalesce(o.revenue, 0) AS DOUBLE) / NULLIF(s.active_users, 0), 2)
    AS DECIMAL(18, 2)
  ) AS revenue_per_user,
  CAST(coalesce(u.new_users, 0) AS BIGINT) AS new_users,
  CAST(coalesce(u.returning_users, 0) AS BIGINT) AS returning_users,
  CAST(coalesce(u.unknown_users, 0) AS BIGINT) AS unknown_users,
  CAST(coalesce(o.unknown_customer_orders, 0) AS BIGINT) AS unknown_customer_orders,
  CAST(coalesce(i.unknown_product_items, 0) AS BIGINT) AS unknown_product_items,
  d.dt
FROM days AS d
LEFT JOIN session_totals AS s ON s.dt = d.dt
LEFT JOIN user_kinds AS u ON u.dt = d.dt
LEFT JOIN order_totals AS o ON o.dt = d.dt
LEFT JOIN item_totals AS i ON i.dt = d.dt
