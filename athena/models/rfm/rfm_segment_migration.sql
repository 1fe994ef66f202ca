-- materialization: partition_overwrite
-- partitioned_by: snapshot_date
-- depends_on: rfm_customer
-- cumulative: rfm_customer.snapshot_date
-- window_days: 7
-- description: RFM segment migration: customers per (from segment, to segment) since the previous snapshot date
--
-- One row per snapshot date D, from_segment and to_segment with at least one customer:
-- customers = the customers of D's snapshot whose segment was from_segment in the previous
-- snapshot and is to_segment in D's.
-- * previous_snapshot_date = the newest snapshot date of rfm_customer before D and at most 7
--   days before it (D − 7 … D − 1); NULL when there is none: the first snapshot, or one that
--   follows a gap of more than 7 days without orders (D − 8 or older is not looked at).
-- * from_segment = the customer's segment in the previous snapshot, or '(new)' when the customer
--   is not in it (first order after the previous snapshot date) or there is no previous
--   snapshot (then every customer of D is '(new)', and the rows say nothing about moves).
-- Why at most 7 days: the partition of D reads rfm_customer for D − 7 … D only (window_days: 7),
-- so a run reads the snapshots from 7 days before the oldest date it builds to the newest,
-- instead of every snapshot up to the newest (each snapshot holds every customer so far, so that
-- cost grew with the square of history), and a change in snapshot F rebuilds the migrations of
-- F … F + 7 only. The SQL applies the same limit itself, so a full build gives the rows of
-- date-by-date builds. A shop with orders every day has a snapshot every day, so the previous
-- snapshot is the day before; after a longer gap, compare the two dates with the saved query
-- below.
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
ordered AS (
  SELECT
    snapshot_date,
    lag(snapshot_date) OVER (ORDER BY snapshot_date) AS newest_before
  FROM snapshot_dates
),
snapshots AS (
  -- The newest snapshot before D is the only candidate: if it is more than 7 days before D, so
  -- is every older one.
  SELECT
    snapshot_date,
    CASE
      WHEN date_diff('day', from_iso8601_date(newest_before), from_iso8601_date(snapshot_date))
        <= 7
        THEN newest_before
    END AS previous_snapshot_date
  FROM ordered
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
