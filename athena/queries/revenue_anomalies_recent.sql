-- Revenue anomalies of the 30 newest days: dates whose revenue is a spike or a drop against the
-- trailing baseline (z-score over the 7 previous dates with data, |z| >= 2.5; rule:
-- athena/models/gold/revenue_anomalies.sql), newest first. No rows means nothing unusual. To see
-- every day with its z-score, delete the `anomaly IS NOT NULL AND` line; change INTERVAL '29' DAY
-- for a longer look back.
SELECT
  dt,
  anomaly,
  revenue,
  round(trailing_mean, 2) AS trailing_mean,
  round(trailing_stddev, 2) AS trailing_stddev,
  round(z_score, 2) AS z_score,
  prior_days
FROM revenue_anomalies
WHERE
  anomaly IS NOT NULL AND
  dt >= (
    SELECT CAST(CAST(max(from_iso8601_date(dt)) - INTERVAL '29' DAY AS DATE) AS VARCHAR)
    FROM revenue_anomalies
  )
ORDER BY dt DESC
