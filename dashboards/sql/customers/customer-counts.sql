-- Customer headline numbers for the selected days, from the RFM snapshots (one per date with
-- orders, each holding every buyer so far): customers = buyers with an order on or before the
-- range's last day (the newest snapshot up to it); new_customers = those whose first order falls
-- in the range (that snapshot's customers minus those of the newest snapshot before the range);
-- revenue_per_customer = their lifetime revenue per customer; hot_leads = the leads of the newest
-- hot_leads as-of date in the range.
WITH bounds AS (
  SELECT
    CAST($__timeFrom() AS DATE) AS d_from,
    CAST($__timeTo() AS DATE) AS d_to
),
snapshots AS (
  SELECT
    CAST(snapshot_date AS DATE) AS snapshot_day,
    CAST(sum(customers) AS BIGINT) AS customers,
    CAST(sum(revenue) AS DECIMAL(18, 2)) AS revenue
  FROM rfm_segment_summary
  GROUP BY snapshot_date
),
chosen AS (
  SELECT
    max(s.snapshot_day) FILTER (WHERE s.snapshot_day <= b.d_to) AS end_day,
    max(s.snapshot_day) FILTER (WHERE s.snapshot_day < b.d_from) AS before_day
  FROM snapshots AS s
  CROSS JOIN bounds AS b
),
leads_as_of AS (
  SELECT max(dt) AS dt
  FROM hot_leads
  WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
),
leads AS (
  SELECT count(h.user_id) AS hot_leads
  FROM leads_as_of AS a
  LEFT JOIN hot_leads AS h ON h.dt = a.dt
)
SELECT
  coalesce(e.customers, 0) AS customers,
  coalesce(e.customers, 0) - coalesce(p.customers, 0) AS new_customers,
  round(CAST(e.revenue AS DOUBLE) / nullif(e.customers, 0), 2) AS revenue_per_customer,
  l.hot_leads
FROM chosen AS c
LEFT JOIN snapshots AS e ON e.snapshot_day = c.end_day
LEFT JOIN snapshots AS p ON p.snapshot_day = c.before_day
CROSS JOIN leads AS l
