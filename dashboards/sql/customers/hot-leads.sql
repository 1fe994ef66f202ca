-- The 20 hottest leads as of the newest hot_leads date in the selected days: cart abandoners of
-- the 7 days up to it who have not bought since, by propensity score (0-100: recency of the
-- abandoned cart, cart adds, page views and orders of the week before it; see
-- athena/models/gold/hot_leads.sql), with their orders of that week and the loyalty tier of the
-- customer version they were seen as ('unknown': not in the CRM).
WITH as_of AS (
  SELECT max(dt) AS dt
  FROM hot_leads
  WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
)
SELECT
  h.lead_rank,
  h.user_id,
  coalesce(c.loyalty_tier, 'unknown') AS loyalty_tier,
  h.propensity_score,
  -- minutes as text, the same on both engines (their timestamp texts differ in the fraction)
  substr(CAST(h.last_abandoned_at AS VARCHAR), 1, 16) AS last_abandoned_at,
  h.abandoned_cart_adds,
  h.page_views,
  h.past_orders,
  CAST(h.past_revenue AS DOUBLE) AS past_revenue,
  h.dt AS as_of
FROM hot_leads AS h
JOIN as_of AS a ON h.dt = a.dt
LEFT JOIN dim_customer AS c ON c.customer_key = h.customer_key
WHERE h.lead_rank <= 20
ORDER BY h.lead_rank
