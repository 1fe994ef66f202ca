-- materialization: table
-- depends_on:
-- description: Static calendar, one row per day from 2020-01-01 to 2039-12-31 (date_key yyyymmdd)
--
-- The days are 2020-01-01 plus n days for n = 0 .. 7304 (20 years, 5 of them leap years:
-- 20 * 365 + 5 = 7305 days), n made from four digit tables cross-joined (0 .. 9999) and cut at
-- 2039-12-31 (no sequence(): it is not portable).
-- date_key = year * 10000 + month * 100 + day (INTEGER, e.g. 20261120); dt = the date as
-- 'YYYY-MM-DD' text, as the facts' partition values are written.
-- quarter 1-4; month 1-12 with month_name 'January' .. 'December' (English);
-- day_of_week ISO: 1 = Monday .. 7 = Sunday, with day_name 'Monday' .. 'Sunday';
-- iso_week: the ISO 8601 week number (1-53; weeks start on Monday and week 1 holds the year's
-- first Thursday, so 2021-01-01 is in week 53 and 2024-12-30 in week 1; Trino's week() and
-- DuckDB's are both ISO). is_weekend: Saturday or Sunday.
WITH digits AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS t (d)
),
offsets AS (
  SELECT thousands.d * 1000 + hundreds.d * 100 + tens.d * 10 + ones.d AS n
  FROM digits AS thousands
  CROSS JOIN digits AS hundreds
  CROSS JOIN digits AS tens
  CROSS JOIN digits AS ones
),
days AS (
  SELECT CAST(DATE '2020-01-01' + INTERVAL '1' DAY * n AS DATE) AS calendar_day
  FROM offsets
  WHERE n < 7305
)
SELECT
  CAST(
    year(calendar_day) * 10000 + month(calendar_day) * 100 + day_of_month(calendar_day) AS INTEGER
  ) AS date_key,
  calendar_day AS "date",
  CAST(calendar_day AS VARCHAR) AS dt,
  CAST(year(calendar_day) AS INTEGER) AS year,
  CAST(quarter(calendar_day) AS INTEGER) AS quarter,
  CAST(month(calendar_day) AS INTEGER) AS month,
  CASE month(calendar_day)
    WHEN 1 THEN 'January'
    WHEN 2 THEN 'February'
    WHEN 3 THEN 'March'
    WHEN 4 THEN 'April'
    WHEN 5 THEN 'May'
    WHEN 6 THEN 'June'
    WHEN 7 THEN 'July'
    WHEN 8 THEN 'August'
    WHEN 9 THEN 'September'
    WHEN 10 THEN 'October'
    WHEN 11 THEN 'November'
    WHEN 12 THEN 'December'
  END AS month_name,
  CAST(day_of_month(calendar_day) AS INTEGER) AS day_of_month,
  CAST(day_of_week(calendar_day) AS INTEGER) AS day_of_week,
  CASE day_of_week(calendar_day)
    WHEN 1 THEN 'Monday'
    WHEN 2 THEN 'Tuesday'
    WHEN 3 THEN 'Wednesday'
    WHEN 4 THEN 'Thursday'
    WHEN 5 THEN 'Friday'
    WHEN 6 THEN 'Saturday'
    WHEN 7 THEN 'Sunday'
  END AS day_name,
  CAST(week(calendar_day) AS INTEGER) AS iso_week,
  day_of_week(calendar_day) >= 6 AS is_weekend
FROM days
