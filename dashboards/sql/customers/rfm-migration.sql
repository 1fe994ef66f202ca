-- Where each segment's customers came from, at the newest snapshot in the selected days
-- (rfm_segment_migration): one bar per segment now, stacked by the segment each customer was in
-- at the previous snapshot (the date before with orders, at most 7 days before); '(new)' are
-- customers whose first order came after it. Stacks of another colour than the bar's own segment
-- are the customers who moved.
WITH snapshot AS (
  SELECT max(snapshot_date) AS snapshot_date
  FROM rfm_segment_migration
  WHERE CAST(snapshot_date AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
),
moves AS (
  SELECT
    m.from_segment,
    m.to_segment,
    m.customers,
    m.previous_snapshot_date,
    m.snapshot_date
  FROM rfm_segment_migration AS m
  JOIN snapshot AS n ON m.snapshot_date = n.snapshot_date
)
SELECT
  to_segment,
  from_segment,
  customers,
  previous_snapshot_date,
  snapshot_date
FROM moves
ORDER BY
  CASE to_segment
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
  to_segment,
  CASE from_segment
    WHEN '(new)' THEN 0
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
  from_segment
