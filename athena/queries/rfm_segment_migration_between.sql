-- RFM segment migration between any two snapshot dates (rfm_customer.snapshot_date): how many
-- customers moved from each segment on from_date to each segment on to_date.
-- Edit the two dates in `params` (literals 'YYYY-MM-DD'; the engines prune to those two
-- snapshots). from_segment is '(new)' for customers absent on from_date (first order after it);
-- to_segment is '(gone)' for customers absent on to_date (only when to_date is earlier than
-- from_date, or is not a snapshot date). For consecutive dates this is rfm_segment_migration.
WITH params AS (
  SELECT
    '2026-11-09' AS from_date,
    '2026-11-16' AS to_date
),
from_customers AS (
  SELECT c.user_id, c.segment
  FROM rfm_customer c
  JOIN params p ON c.snapshot_date = p.from_date
),
to_customers AS (
  SELECT c.user_id, c.segment
  FROM rfm_customer c
  JOIN params p ON c.snapshot_date = p.to_date
)
SELECT
  p.from_date,
  p.to_date,
  COALESCE(b.segment, '(new)') AS from_segment,
  COALESCE(a.segment, '(gone)') AS to_segment,
  count(*) AS customers
FROM from_customers b
FULL OUTER JOIN to_customers a ON a.user_id = b.user_id
CROSS JOIN params p
GROUP BY p.from_date, p.to_date, COALESCE(b.segment, '(new)'), COALESCE(a.segment, '(gone)')
ORDER BY customers DESC, from_segment, to_segment
