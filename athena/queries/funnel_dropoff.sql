-- Funnel drop-off on the newest date, by device type and country: sessions (and their share of
-- the day), sessions that viewed, carted and bought, the step rates and how many sessions
-- dropped out at each step (view -> cart, cart -> purchase: the abandoned carts). Definitions:
-- athena/models/gold/funnel_daily.sql (a strict funnel: a step counts only sessions that also
-- reached the step before). For another day replace the subquery with a literal ('2026-11-20');
-- add `AND country = 'DE'` to follow one market.
SELECT
  device_type,
  country,
  sessions,
  CAST(sessions AS DOUBLE) / sum(sessions) OVER () AS share_of_sessions,
  view_sessions,
  cart_sessions,
  purchase_sessions,
  view_to_cart_rate,
  cart_to_purchase_rate,
  conversion_rate,
  drop_off_view_to_cart,
  drop_off_cart_to_purchase,
  dt
FROM funnel_daily
WHERE dt = (SELECT CAST(max(from_iso8601_date(dt)) AS VARCHAR) FROM funnel_daily)
ORDER BY sessions DESC, device_type, country
