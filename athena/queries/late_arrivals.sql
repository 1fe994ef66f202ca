-- Late arrivals in silver_events, per event date and delay bucket, for the 7 newest dates: events
-- that reached the lake more than 1 hour after they happened (arrival_ts - event_ts), their share
-- of the date's events, and the longest delay. A date keeps filling in for up to 48 hours, so the
-- newest dates are not final. Change INTERVAL '1' HOUR for another threshold (buckets below it
-- are empty, and 'up to 3h' starts at it) and INTERVAL '6' DAY for more dates. Reads only
-- event_ts, arrival_ts and dt.
WITH window_start AS (
  SELECT CAST(CAST(max(from_iso8601_date(dt)) - INTERVAL '6' DAY AS DATE) AS VARCHAR) AS dt
  FROM silver_events
),
recent AS (
  SELECT
    dt,
    event_ts,
    arrival_ts,
    date_diff('second', event_ts, arrival_ts) AS delay_seconds
  FROM silver_events
  WHERE dt >= (SELECT dt FROM window_start)
),
per_date AS (
  SELECT dt, count(*) AS date_events
  FROM recent
  GROUP BY dt
),
late AS (
  SELECT
    dt,
    delay_seconds,
    CASE
      WHEN delay_seconds <= 3 * 3600 THEN 1
      WHEN delay_seconds <= 6 * 3600 THEN 2
      WHEN delay_seconds <= 12 * 3600 THEN 3
      WHEN delay_seconds <= 24 * 3600 THEN 4
      WHEN delay_seconds <= 48 * 3600 THEN 5
      ELSE 6
    END AS bucket
  FROM recent
  WHERE arrival_ts > event_ts + INTERVAL '1' HOUR
)
SELECT
  l.dt,
  CASE l.bucket
    WHEN 1 THEN 'up to 3h'
    WHEN 2 THEN '3-6h'
    WHEN 3 THEN '6-12h'
    WHEN 4 THEN '12-24h'
    WHEN 5 THEN '24-48h'
    ELSE 'over 48h'
  END AS delay_bucket,
  count(*) AS events,
  CAST(count(*) AS DOUBLE) / max(p.date_events) AS share_of_date,
  round(CAST(max(l.delay_seconds) AS DOUBLE) / 3600, 2) AS max_delay_hours
FROM late AS l
JOIN per_date AS p ON p.dt = l.dt
GROUP BY l.dt, l.bucket
ORDER BY l.dt DESC, l.bucket
