-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: silver_events, dim_customer
-- scope: silver_events.dt
-- lookup: dim_customer
-- description: One row per session and date: duration, funnel counts and flags, revenue
--
-- Grain: one row per (dt, session_id) of silver_events. A session that crosses midnight UTC is
-- one row on each date it has events, each counting only that date's events (a partition is
-- built from its own date alone, so incremental builds equal full ones).
-- The first event is the one with the smallest event_ts, then the smallest event_id (a total
-- order); user_id, device_type, country, traffic_source and campaign_id are its values.
-- customer_key: the dim_customer version of user_id valid at session_start (valid_from <=
-- session_start < valid_to), else '-1' (the unknown member), as in fact_order_items.
-- session_start / session_end = the smallest / largest event_ts; duration_seconds = whole
-- seconds from start to end (date_diff('second', ...), 0 for a one-event session).
-- date_key = the date's yyyymmdd; start_hour = the UTC hour of session_start.
-- events = all events; page_views, add_to_carts, remove_from_carts, purchase_events = events of
-- that type; products_viewed = distinct product_id among page views; orders = distinct
-- order_id (purchases only carry one); units_purchased = Σ quantity of purchases (0 without);
-- revenue = Σ product_price x quantity of purchases, DECIMAL(18,2) (0 without).
-- Flags: has_page_view = page_views >= 1; has_cart = add_to_carts >= 1; purchased =
-- purchase_events >= 1; abandoned_cart = has_cart and not purchased.
-- How: one GROUP BY over the date's events computes the counts and names the first event with
-- min_by(event_id, ROW(event_ts, event_id)); that event is joined back for its attributes (no
-- window over all events; min_by of a nullable column such as campaign_id would differ: DuckDB
-- skips NULL values, Trino returns them).
WITH sessions AS (
  SELECT
    dt,
    session_id,
    min_by(event_id, ROW(event_ts, event_id)) AS first_event_id, -- dialect-ok: min-max-by (an id is never NULL)
    min(event_ts) AS session_start,
    max(event_ts) AS session_end,
    count(*) AS events,
    count(*) FILTER (WHERE event_type = 'page_view') AS page_views,
    count(DISTINCT CASE WHEN event_type = 'page_view' THEN product_id END) AS products_viewed,
    count(*) FILTER (WHERE event_type = 'add_to_cart') AS add_to_carts,
    count(*) FILTER (WHERE event_type = 'remove_from_cart') AS remove_from_carts,
    count(*) FILTER (WHERE event_type = 'purchase') AS purchase_events,
    count(DISTINCT order_id) AS orders,
    CAST(coalesce(sum(CASE WHEN event_type = 'purchase' THEN quantity END), 0) AS BIGINT)
      AS units_purchased,
    CAST(
      coalesce(sum(CASE WHEN event_type = 'purchase' THEN product_price * quantity END), 0)
      AS DECIMAL(18, 2)
    ) AS revenue
  FROM silver_events
  GROUP BY dt, session_id
),
customers AS (
  SELECT customer_key, customer_id, valid_from, valid_to
  FROM dim_customer
  WHERE version > 0
)
SELECT
  s.session_id,
  f.user_id,
  coalesce(c.customer_key, '-1') AS customer_key,
  s.session_start,
  s.session_end,
  date_diff('second', s.session_start, s.session_end) AS duration_seconds,
  CAST(replace(s.dt, '-', '') AS INTEGER) AS date_key,
  CAST(hour(s.session_start) AS INTEGER) AS start_hour,
  s.events,
  s.page_views,
  s.products_viewed,
  s.add_to_carts,
  s.remove_from_carts,
  s.purchase_events,
  s.orders,
  s.units_purchased,
  s.revenue,
  s.page_views > 0 AS has_page_view,
  s.add_to_carts > 0 AS has_cart,
  s.purchase_events > 0 AS purchased,
  s.add_to_carts > 0 AND s.purchase_events = 0 AS abandoned_cart,
  f.device_type,
  f.country,
  f.traffic_source,
  f.campaign_id,
  s.dt
FROM sessions AS s
JOIN silver_events AS f
  ON f.dt = s.dt
  AND f.event_id = s.first_event_id
LEFT JOIN customers AS c
  ON c.customer_id = f.user_id
  AND c.valid_from <= s.session_start
  AND s.session_start < c.valid_to
