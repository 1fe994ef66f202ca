-- The session funnel per country over the selected days (funnel_daily), biggest market first:
-- sessions reaching each step, the step rates and the sessions lost at each step. The funnel is
-- strict: view -> cart counts sessions that viewed and carted over those that viewed; cart ->
-- purchase those that carted and bought over those that carted (1 - cart abandonment).
-- Conversion is purchasing sessions over all sessions.
WITH countries AS (
  SELECT
    country,
    CAST(sum(sessions) AS BIGINT) AS sessions,
    CAST(sum(view_sessions) AS BIGINT) AS view_sessions,
    CAST(sum(cart_sessions) AS BIGINT) AS cart_sessions,
    CAST(sum(purchase_sessions) AS BIGINT) AS purchase_sessions,
    CAST(sum(drop_off_view_to_cart) AS BIGINT) AS drop_off_view_to_cart,
    CAST(sum(drop_off_cart_to_purchase) AS BIGINT) AS drop_off_cart_to_purchase
  FROM funnel_daily
  WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
  GROUP BY country
)
SELECT
  country,
  sessions,
  view_sessions,
  cart_sessions,
  purchase_sessions,
  -- viewed and carted = viewed - viewed without a cart; carted and bought likewise
  CAST(view_sessions - drop_off_view_to_cart AS DOUBLE)
  / nullif(view_sessions, 0) AS view_to_cart_rate,
  CAST(cart_sessions - drop_off_cart_to_purchase AS DOUBLE)
  / nullif(cart_sessions, 0) AS cart_to_purchase_rate,
  CAST(purchase_sessions AS DOUBLE) / nullif(sessions, 0) AS conversion_rate,
  drop_off_view_to_cart,
  drop_off_cart_to_purchase
FROM countries
ORDER BY sessions DESC, country
