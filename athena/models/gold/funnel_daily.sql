-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: fact_sessions
-- scope: fact_sessions.dt
-- description: The session funnel view -> cart -> purchase per date, device type and country, with step rates and drop-offs
--
-- Grain: one row per (dt, device_type, country) with at least one session; a session's device
-- type and country are those of its first event that day (fact_sessions).
-- Steps, counted in sessions (fact_sessions rows of the date):
-- * sessions = all; view_sessions = with a page view (has_page_view); cart_sessions = with an
--   add_to_cart (has_cart); purchase_sessions = with a purchase (purchased).
-- The funnel is strict: a step's rate counts only sessions that also reached the step before.
-- A session can skip a step (a purchase without an add_to_cart that day, or a cart on a date
-- whose page views fell before midnight), so cart_sessions may exceed the view sessions that
-- carted, and purchase_sessions the cart sessions that purchased.
-- * view_to_cart_rate = sessions with a page view and a cart / view_sessions.
-- * cart_to_purchase_rate = sessions with a cart and a purchase / cart_sessions: the checkout
--   rate of daily_kpis (1 - its cart abandonment rate).
-- * conversion_rate = purchase_sessions / sessions (as in daily_kpis).
-- * drop_off_view_to_cart = sessions with a page view and no cart
--   (= view_sessions x (1 - view_to_cart_rate)).
-- * drop_off_cart_to_purchase = sessions with a cart and no purchase, the abandoned carts
--   (= cart_sessions x (1 - cart_to_purchase_rate)).
-- Rates are DOUBLE in 0..1, NULL when the step before has no sessions; drop-offs are counts.
SELECT
  CAST(replace(dt, '-', '') AS INTEGER) AS date_key,
  device_type,
  country,
  count(*) AS sessions,
  count(*) FILTER (WHERE has_page_view) AS view_sessions,
  count(*) FILTER (WHERE has_cart) AS cart_sessions,
  count(*) FILTER (WHERE purchased) AS purchase_sessions,
  CAST(count(*) FILTER (WHERE has_page_view AND has_cart) AS DOUBLE)
  / NULLIF(count(*) FILTER (WHERE has_page_view), 0) AS view_to_cart_rate,
  CAST(count(*) FILTER (WHERE has_cart AND purchased) AS DOUBLE)
  / NULLIF(count(*) FILTER (WHERE has_cart), 0) AS cart_to_purchase_rate,
  CAST(count(*) FILTER (WHERE purchased) AS DOUBLE) / NULLIF(count(*), 0) AS conversion_rate,
  count(*) FILTER (WHERE has_page_view AND NOT has_cart) AS drop_off_view_to_cart,
  count(*) FILTER (WHERE has_cart AND NOT purchased) AS drop_off_cart_to_purchase,
  dt
FROM fact_sessions
GROUP BY dt, device_type, country
