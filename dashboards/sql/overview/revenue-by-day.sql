-- Revenue per day in the range with its trailing mean (revenue_anomalies: the days before it,
-- z-score against them), and the days flagged as a spike or a drop (|z| >= 2.5) as points.
SELECT
  CAST(CAST(dt AS DATE) AS TIMESTAMP) AS time,
  CAST(revenue AS DOUBLE) AS revenue,
  round(trailing_mean, 2) AS trailing_mean,
  CASE WHEN anomaly IS NOT NULL THEN CAST(revenue AS DOUBLE) END AS anomaly
FROM revenue_anomalies
WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
ORDER BY time
