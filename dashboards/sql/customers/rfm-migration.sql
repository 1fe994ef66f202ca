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
-- Best segments first, as rfm-segments.sql orders them; '(new)' first among the previous ones.
segment_order (segment, rank) AS (
  VALUES
    ('(new)', 0),
    ('Champions', 1),
    ('Loyal Customers', 2),
    ('Potential Loyalists', 3),
    ('New Customers', 4),
    ('Promising', 5),
    ('Need Attention', 6),
    ('About To Sleep', 7),
    ('At Risk', 8),
    ('Can''t Lose Them', 9),
    ('Hibernating', 10),
    ('Lost', 11)
)
SELECT
  m.to_segment,
  m.from_segment,
  m.customers,
  m.previous_snapshot_date,
  m.snapshot_date
FROM rfm_segment_migration AS m
JOIN snapshot AS n ON m.snapshot_date = n.snapshot_date
LEFT JOIN segment_order AS t ON t.segment = m.to_segment
LEFT JOIN segment_order AS f ON f.segment = m.from_segment
ORDER BY coalesce(t.rank, 12), m.to_segment, coalesce(f.rank, 12), m.from_segment
