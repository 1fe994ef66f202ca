-- materialization: partition_overwrite
-- partitioned_by: snapshot_date
-- depends_on: fact_orders
-- cumulative: fact_orders.dt
-- description: RFM per customer and snapshot date: recency, frequency, monetary, 1-5 scores, tier and segment
--
-- Snapshots: every date with orders (each distinct fact_orders.dt) is a snapshot date D. The
-- snapshot of D holds every user_id with at least one order dated (dt) on or before D, measured
-- "as of the end of D"; orders after D are never looked at, so a snapshot, once its dates are
-- built, only changes when orders dated on or before it change (incremental equals full).
-- Orders without a user_id cannot be anybody's: they make their date a snapshot but belong to
-- no customer.
--
-- Measures (per customer and D, over the orders with dt <= D):
-- * last_order_date: the newest dt of the customer's orders (DATE).
-- * recency_days = days from last_order_date to D (0: ordered on D itself).
-- * frequency = number of distinct order_id. An order whose items fall on two dates (it has a
--   fact_orders row on each) counts once, from the first of its dates.
-- * monetary = sum of the orders' revenue (all their rows up to D), DECIMAL(18,2).
--
-- Scores 1-5 by mid-rank percentile, within the snapshot (n = the snapshot's customers):
--   score = 1 + floor(5 * (below + equal / 2) / n)
-- where, on the score's measure, below = the snapshot's customers strictly worse than this one
-- and equal = those with the same value, this one included (equal >= 1). Worse means: a larger
-- recency_days (an older last order) for r_score, fewer orders for f_score, less revenue for
-- m_score. (below + equal / 2) / n is the percentile rank of the value, with ties counted at
-- the middle of their group (the standard statistical treatment of ties): a tie group spans the
-- positions below .. below + equal of the n, and the score takes its midpoint. Taking the
-- group's bottom instead (1 + floor(5 * below / n)) would put customers tied at the worst value
-- at 1 however many they are: on the first snapshot everybody ordered on D, so every brand-new
-- customer would score R = 1 and read as "Lost".
-- In integers (both engines floor integer division of non-negative numbers):
--   score = 1 + (5 * (2 * below + equal)) / (2 * n)
-- below = rank() - 1 with rank() over the snapshot ordered from worst to best (recency_days
-- descending, written as last order date ascending, the same order within a snapshot;
-- frequency ascending; monetary ascending); equal = count(*) over the window partitioned by
-- (snapshot_date, the value). Both are properties of the value, not of the row, so equal values
-- always share a score and no key is needed to break ties: the score does not depend on the
-- order rows arrive in. Range: equal >= 1 and below + equal <= n, so
--   2 * below + equal = 2 * (below + equal) - equal <= 2n - 1,
-- and 5 * (2n - 1) / (2n) < 5 floors to at most 4 (and 0 to 0): every score is within 1..5.
-- Consequences: when every customer of a snapshot has the same value (say, all ordered on D),
-- below = 0 and equal = n give 1 + floor(5n / 2n) = 1 + 2 = 3 for all, whatever n is; a
-- snapshot's lone customer (below 0, equal 1, n 1) gets 1 + floor(5 * 1 / 2) = 1 + 2 = 3.
--
-- rfm_cell = r, f and m scores as text ('545'). score_sum = r + f + m (3..15).
-- tier by score_sum: Champion 13-15, Loyal 10-12, Potential 7-9, At Risk 5-6, Lost 3-4.
-- fm_score = (f_score + m_score + 1) / 2 in integers (the rounded-up mean of F and M, 1..5).
-- segment, by r_score (rows) and fm_score (columns):
--
--   | R \ FM | 1               | 2                  | 3                  | 4               | 5               |
--   |--------|-----------------|--------------------|--------------------|-----------------|-----------------|
--   | 5      | New Customers   | Potential Loyalists| Potential Loyalists| Champions       | Champions       |
--   | 4      | Promising       | Potential Loyalists| Potential Loyalists| Loyal Customers | Loyal Customers |
--   | 3      | About To Sleep  | About To Sleep     | Need Attention     | Loyal Customers | Loyal Customers |
--   | 2      | Hibernating     | Hibernating        | At Risk            | At Risk         | Can't Lose Them |
--   | 1      | Lost            | Lost               | At Risk            | At Risk         | Can't Lose Them |
--
-- Cost: as written, the query computes every snapshot up to the newest date it reads, and the
-- adapter keeps the dates being built. Its filter on snapshot_date passes through the windows
-- (all partitioned by snapshot_date, some by a value too) and the grouping to the snapshots side
-- of the join (DuckDB's EXPLAIN shows it on the snapshots CTE; Trino pushes predicates on window
-- partition and group keys the same way), so only the snapshots being built are joined to the
-- customers' order days, which are pre-aggregated to one row per user and date first. The
-- orders themselves are read up to the newest date being built: a snapshot needs its whole
-- history.
WITH orders AS (
  SELECT
    user_id,
    order_id,
    dt,
    revenue,
    min(dt) OVER (PARTITION BY user_id, order_id) AS first_dt
  FROM fact_orders
),
customer_days AS (
  SELECT
    user_id,
    dt,
    count(*) FILTER (WHERE dt = first_dt) AS new_orders,
    sum(revenue) AS revenue
  FROM orders
  GROUP BY user_id, dt
),
snapshots AS (
  SELECT DISTINCT dt AS snapshot_date
  FROM customer_days
),
measures AS (
  SELECT
    s.snapshot_date,
    c.user_id,
    max(c.dt) AS last_order_dt,
    sum(c.new_orders) AS frequency,
    sum(c.revenue) AS monetary
  FROM snapshots s
  JOIN customer_days c ON c.dt <= s.snapshot_date
  WHERE c.user_id IS NOT NULL
  GROUP BY s.snapshot_date, c.user_id
),
ranked AS (
  SELECT
    snapshot_date,
    user_id,
    CAST(last_order_dt AS DATE) AS last_order_date,
    date_diff('day', CAST(last_order_dt AS DATE), CAST(snapshot_date AS DATE)) AS recency_days,
    frequency,
    monetary,
    rank() OVER (PARTITION BY snapshot_date ORDER BY last_order_dt ASC) AS r_rank,
    rank() OVER (PARTITION BY snapshot_date ORDER BY frequency ASC) AS f_rank,
    rank() OVER (PARTITION BY snapshot_date ORDER BY monetary ASC) AS m_rank,
    count(*) OVER (PARTITION BY snapshot_date, last_order_dt) AS r_equal,
    count(*) OVER (PARTITION BY snapshot_date, frequency) AS f_equal,
    count(*) OVER (PARTITION BY snapshot_date, monetary) AS m_equal,
    count(*) OVER (PARTITION BY snapshot_date) AS customers
  FROM measures
),
scored AS (
  SELECT
    *,
    CAST(
      1 + CAST(5 * (2 * (r_rank - 1) + r_equal) AS BIGINT) / CAST(2 * customers AS BIGINT)
      AS INTEGER
    ) AS r_score,
    CAST(
      1 + CAST(5 * (2 * (f_rank - 1) + f_equal) AS BIGINT) / CAST(2 * customers AS BIGINT)
      AS INTEGER
    ) AS f_score,
    CAST(
      1 + CAST(5 * (2 * (m_rank - 1) + m_equal) AS BIGINT) / CAST(2 * customers AS BIGINT)
      AS INTEGER
    ) AS m_score
  FROM ranked
),
combined AS (
  SELECT
    *,
    r_score + f_score + m_score AS score_sum,
    CAST(f_score + m_score + 1 AS INTEGER) / CAST(2 AS INTEGER) AS fm_score
  FROM scored
)
SELECT
  user_id,
  last_order_date,
  CAST(recency_days AS BIGINT) AS recency_days,
  CAST(frequency AS BIGINT) AS frequency,
  CAST(monetary AS DECIMAL(18, 2)) AS monetary,
  r_score,
  f_score,
  m_score,
  CAST(r_score AS VARCHAR) || CAST(f_score AS VARCHAR) || CAST(m_score AS VARCHAR) AS rfm_cell,
  CAST(score_sum AS INTEGER) AS score_sum,
  CASE
    WHEN score_sum >= 13 THEN 'Champion'
    WHEN score_sum >= 10 THEN 'Loyal'
    WHEN score_sum >= 7 THEN 'Potential'
    WHEN score_sum >= 5 THEN 'At Risk'
    ELSE 'Lost'
  END AS tier,
  CAST(fm_score AS INTEGER) AS fm_score,
  CASE
    WHEN r_score = 5 AND fm_score = 1 THEN 'New Customers'
    WHEN r_score = 5 AND fm_score <= 3 THEN 'Potential Loyalists'
    WHEN r_score = 5 THEN 'Champions'
    WHEN r_score = 4 AND fm_score = 1 THEN 'Promising'
    WHEN r_score = 4 AND fm_score <= 3 THEN 'Potential Loyalists'
    WHEN r_score = 4 THEN 'Loyal Customers'
    WHEN r_score = 3 AND fm_score <= 2 THEN 'About To Sleep'
    WHEN r_score = 3 AND fm_score = 3 THEN 'Need Attention'
    WHEN r_score = 3 THEN 'Loyal Customers'
    WHEN r_score = 2 AND fm_score <= 2 THEN 'Hibernating'
    WHEN r_score = 1 AND fm_score <= 2 THEN 'Lost'
    WHEN fm_score <= 4 THEN 'At Risk'
    ELSE 'Can''t Lose Them'
  END AS segment,
  CAST(snapshot_date AS VARCHAR) AS snapshot_date
FROM combined
