-- RFM segments at the newest snapshot in the selected days (rfm_segment_summary; a snapshot per
-- date with orders, holding every buyer so far), best segments first: customers and their
-- share, lifetime revenue and its share, and the segment's average days since the last order,
-- orders and revenue per customer. Segment rules: athena/models/rfm/rfm_customer.sql.
WITH snapshot AS (
  SELECT max(snapshot_date) AS snapshot_date
  FROM rfm_segment_summary
  WHERE CAST(snapshot_date AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
)
SELECT
  s.segment,
  s.customers,
  s.customer_share,
  CAST(s.revenue AS DOUBLE) AS revenue,
  s.revenue_share,
  round(s.avg_recency_days, 1) AS avg_recency_days,
  round(s.avg_frequency, 2) AS avg_frequency,
  CAST(s.avg_monetary AS DOUBLE) AS avg_monetary,
  s.snapshot_date
FROM rfm_segment_summary AS s
JOIN snapshot AS n ON s.snapshot_date = n.snapshot_date
ORDER BY
  CASE s.segment
    WHEN 'Champions' THEN 1
    WHEN 'Loyal Customers' THEN 2
    WHEN 'Potential Loyalists' THEN 3
    WHEN 'New Customers' THEN 4
    WHEN 'Promising' THEN 5
    WHEN 'Need Attention' THEN 6
    WHEN 'About To Sleep' THEN 7
    WHEN 'At Risk' THEN 8
    WHEN 'Can''t Lose Them' THEN 9
    WHEN 'Hibernating' THEN 10
    WHEN 'Lost' THEN 11
    ELSE 12
  END,
  s.segment
