-- RFM segment sizes in the newest snapshot (the newest date with orders): customers, their share,
-- lifetime revenue and its share, average recency, frequency and monetary, and the change in
-- customers since the previous snapshot (NULL when there is none; a segment emptied since then
-- shows 0 customers).
-- Segment rules: athena/models/rfm/rfm_customer.sql. For other snapshots, make `dates` literals:
-- SELECT '2026-11-20' AS snapshot_date, '2026-11-13' AS previous_snapshot_date (any two dates).
WITH latest AS (
  SELECT CAST(max(from_iso8601_date(snapshot_date)) AS VARCHAR) AS snapshot_date
  FROM rfm_segment_summary
),
dates AS (
  SELECT
    n.snapshot_date,
    CAST(max(from_iso8601_date(s.snapshot_date)) AS VARCHAR) AS previous_snapshot_date
  FROM latest AS n
  LEFT JOIN rfm_segment_summary AS s ON s.snapshot_date < n.snapshot_date
  GROUP BY n.snapshot_date
),
newest AS (
  SELECT s.*
  FROM rfm_segment_summary AS s
  JOIN dates AS d ON s.snapshot_date = d.snapshot_date
),
previous AS (
  SELECT s.segment, s.customers
  FROM rfm_segment_summary AS s
  JOIN dates AS d ON s.snapshot_date = d.previous_snapshot_date
)
SELECT
  COALESCE(n.segment, p.segment) AS segment,
  COALESCE(n.customers, 0) AS customers,
  n.customer_share,
  n.revenue,
  n.revenue_share,
  round(n.avg_recency_days, 1) AS avg_recency_days,
  round(n.avg_frequency, 2) AS avg_frequency,
  n.avg_monetary,
  CASE WHEN d.previous_snapshot_date IS NOT NULL THEN COALESCE(p.customers, 0) END
    AS previous_customers,
  CASE
    WHEN d.previous_snapshot_date IS NOT NULL
      THEN COALESCE(n.customers, 0) - COALESCE(p.customers, 0)
  END AS customers_change,
  d.snapshot_date,
  d.previous_snapshot_date
FROM newest AS n
FULL OUTER JOIN previous AS p ON p.segment = n.segment
CROSS JOIN dates AS d
ORDER BY customers DESC, segment
