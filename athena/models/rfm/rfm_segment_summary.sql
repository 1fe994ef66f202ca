-- materialization: partition_overwrite
-- partitioned_by: snapshot_date
-- depends_on: rfm_customer
-- scope: rfm_customer.snapshot_date
-- description: RFM segments per snapshot date: customers, revenue, their shares and the average R, F and M
--
-- One row per snapshot date and segment that has at least one customer in that snapshot
-- (segments as rfm_customer defines them; a segment nobody is in has no row).
-- * customers: the snapshot's customers in the segment (BIGINT).
-- * revenue: the sum of their monetary (lifetime revenue up to the snapshot), DECIMAL(18,2).
-- * customer_share = customers in the segment / customers in the snapshot (DOUBLE, 0..1).
-- * revenue_share = revenue of the segment / revenue of all the snapshot's customers (DOUBLE,
--   0..1). Both shares are NULL when their denominator is 0 (a snapshot with no customers has
--   no rows at all, and revenue is a sum of positive prices, so this is a guard, not a case).
-- * avg_recency_days, avg_frequency: the plain means over the segment's customers (DOUBLE).
-- * avg_monetary = revenue / customers, divided as DOUBLE and rounded to cents (half up) before
--   the cast to DECIMAL(18,2), so both engines give the same cents.
WITH segments AS (
  SELECT
    snapshot_date,
    segment,
    count(*) AS customers,
    sum(monetary) AS revenue,
    avg(CAST(recency_days AS DOUBLE)) AS avg_recency_days,
    avg(CAST(frequency AS DOUBLE)) AS avg_frequency
  FROM rfm_customer
  GROUP BY snapshot_date, segment
)
SELECT
  segment,
  customers,
  CAST(revenue AS DECIMAL(18, 2)) AS revenue,
  CAST(customers AS DOUBLE)
    / NULLIF(sum(customers) OVER (PARTITION BY snapshot_date), 0) AS customer_share,
  CAST(revenue AS DOUBLE)
    / NULLIF(CAST(sum(revenue) OVER (PARTITION BY snapshot_date) AS DOUBLE), 0) AS revenue_share,
  avg_recency_days,
  avg_frequency,
  CAST(round(CAST(revenue AS DOUBLE) / customers, 2) AS DECIMAL(18, 2)) AS avg_monetary,
  snapshot_date
FROM segments
