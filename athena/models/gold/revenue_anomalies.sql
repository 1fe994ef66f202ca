-- materialization: table
-- depends_on: daily_kpis
-- description: Daily revenue against its trailing 7-day baseline: z-score, spikes and drops
--
-- One row per dt of daily_kpis (a date with data), with that day's revenue (DECIMAL(18,2); a
-- day without orders counts as 0).
-- Baseline window: the previous 7 rows of daily_kpis ordered by dt, i.e. the 7 previous dates
-- with data (a date without data is skipped, not counted as 0): a ROWS frame
-- `ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING`, which excludes the day itself. dt is unique per
-- row, so the frame is the same on every engine.
-- * prior_days = the number of rows in the frame (0..7).
-- * trailing_mean = the mean of their revenue; trailing_stddev = their sample standard
--   deviation (stddev_samp, divisor prior_days − 1); both DOUBLE and NULL unless prior_days ≥ 4
--   (fewer days are no baseline).
-- * z_score = (revenue − trailing_mean) / trailing_stddev, DOUBLE; NULL when prior_days < 4 or
--   when the frame's revenues are all equal (standard deviation 0: tested exactly, as
--   min = max on the DECIMAL values, not on the DOUBLE standard deviation, whose rounding could
--   leave a tiny non-zero value).
-- * anomaly = 'spike' when z_score ≥ 2.5, 'drop' when z_score ≤ −2.5, else NULL.
WITH daily AS (
  SELECT
    dt,
    date_key,
    CAST(COALESCE(revenue, 0) AS DECIMAL(18, 2)) AS revenue
  FROM daily_kpis
),
windowed AS (
  SELECT
    dt,
    date_key,
    revenue,
    count(revenue) OVER (
      ORDER BY dt ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING
    ) AS prior_days,
    avg(CAST(revenue AS DOUBLE)) OVER (
      ORDER BY dt ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING
    ) AS mean_revenue,
    stddev_samp(CAST(revenue AS DOUBLE)) OVER (
      ORDER BY dt ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING
    ) AS stddev_revenue,
    min(revenue) OVER (
      ORDER BY dt ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING
    ) AS min_revenue,
    max(revenue) OVER (
      ORDER BY dt ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING
    ) AS max_revenue
  FROM daily
),
scored AS (
  SELECT
    dt,
    date_key,
    revenue,
    prior_days,
    CASE WHEN prior_days >= 4 THEN mean_revenue END AS trailing_mean,
    CASE WHEN prior_days >= 4 THEN stddev_revenue END AS trailing_stddev,
    CASE
      WHEN prior_days >= 4 AND min_revenue < max_revenue
        THEN (CAST(revenue AS DOUBLE) - mean_revenue) / CAST(stddev_revenue AS DOUBLE)
    END AS z_score
  FROM windowed
)
SELECT
  CAST(date_key AS INTEGER) AS date_key,
  revenue,
  CAST(prior_days AS BIGINT) AS prior_days,
  CAST(trailing_mean AS DOUBLE) AS trailing_mean,
  CAST(trailing_stddev AS DOUBLE) AS trailing_stddev,
  CAST(z_score AS DOUBLE) AS z_score,
  CAST(
    CASE
      WHEN z_score >= 2.5 THEN 'spike'
      WHEN z_score <= -2.5 THEN 'drop'
    END AS VARCHAR
  ) AS anomaly,
  dt
FROM scored
