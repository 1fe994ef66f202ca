-- The 25 hottest leads: cart abandoners of the last 7 days who have not bought since, by
-- propensity score (0-100; its four components and the window: athena/models/gold/hot_leads.sql),
-- with the contact details and tier of the customer version they were seen as ('-1': not in the
-- CRM, no contact). hot_leads holds one partition per as-of date (dt); this reads the newest,
-- the list as of the newest date in the lake (as_of_date).
-- Change 25 for a longer list, or replace `h.lead_rank <= 25` with `c.loyalty_tier = 'gold'` to
-- list one tier's leads. For the list as it was on another day, replace the subquery with a
-- literal (`h.dt = '2026-11-20'`).
SELECT
  h.lead_rank,
  h.user_id,
  h.propensity_score,
  h.recency_points,
  h.cart_points,
  h.engagement_points,
  h.purchase_points,
  h.last_abandoned_at,
  h.days_since_last_abandon,
  h.abandoned_cart_adds,
  h.page_views,
  h.past_orders,
  h.past_revenue,
  c.first_name,
  c.email,
  c.country,
  c.loyalty_tier,
  from_iso8601_date(h.dt) AS as_of_date
FROM hot_leads AS h
LEFT JOIN dim_customer AS c ON c.customer_key = h.customer_key
WHERE h.dt = (SELECT CAST(max(from_iso8601_date(dt)) AS VARCHAR) FROM hot_leads)
  AND h.lead_rank <= 25
ORDER BY h.lead_rank
