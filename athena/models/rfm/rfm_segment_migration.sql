-- materialization: partition_overwrite
-- partitioned_by: snapshot_date
-- depends_on: rfm_customer
-- cumulative: rfm_customer.snapshot_date
-- description: RFM segment migration: customers per (from segment, to segment) since the previous snapshot date
--
-- One row per snapshot date D, from_segment and to_segment with at least one customer:
-- customers = the customers of D's snapshot whose segment was from_segment in the previous
-- snapshot and is to_segment in D's.
-- * previous_snapshot_date = the newest snapshot date of rfm_customer before D; NULL for the
--   first snapshot.
-- * from_segment = the customer's segment in the previous snapshot, or '(new)' when the customer
--   is not in it (first order after the previous snapshot date; every customer of the first
--   snapshot).
-- Snapshots are cumulative (a customer stays in every snapshot after the first order), so no
-- customer of the previous snapshot is missing from D's: there is no "gone" row.
-- For any two snapshot dates, not only consecutive ones, see
-- athena/queries/rfm_segment_migration_between.sql.
--
-- Cost: the snapshot list (with each date's previous date) drives the joins, so the adapter's
-- filter on snapshot_date reaches the scan of D's customers; the previous snapshot's customers
-- are joined by (date, user_id).
WITH snapshot_dates AS (
  SELECT DISTINCT snapshot_date
  FROM rfm_customer
),
snapshots AS (
  SELECT
    snapshot_date,
    lag(snapshot_date) OVER (ORDER BY snapshot_date) AS previous_snapshot_date
  FROM snapshot_dates
),
moves AS (
  SELECT
    s.snapshot_date,
    s.previous_snapshot_date,
    COALESCE(p.segment, '(new)') AS from_segment,
    c.segment AS to_segment
  FROM snapshots s
  JOIN rfm_customer c ON c.snapshot_date = s.snapshot_date
  LEFT JOIN rfm_customer p
    ON p.snapshot_date = s.previous_snapshot_date AND p.user_id = c.user_id
)
SELECT
  from_segment,
  to_segment,
  count(*) AS customers,
  CAST(previous_snapshot_date AS VARCHAR) AS previous_snapshot_date,
  CAST(snapshot_date AS VARCHAR) AS snapshot_date
FROM moves
GROUP BY snapshot_date, previous_snapshot_date, from_segment, to_segment
