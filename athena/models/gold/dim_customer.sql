-- materialization: table
-- depends_on: silver_customers
-- description: Customers, SCD type 2 over the CRM snapshots: one row per version, plus the unknown member '-1'
--
-- Versions. The snapshots of a customer are read in snapshot_date order. The tracked attributes
-- are email (the export's text trimmed and lowercased, lower(trim(email_raw)), so an invalid
-- address is tracked too), country and loyalty_tier. A snapshot whose tracked attributes all
-- equal those of the customer's previous snapshot (IS NOT DISTINCT FROM: NULL equals NULL) adds
-- nothing; the first snapshot of a customer, and each one that changes a tracked attribute,
-- opens a new version, which closes the one before. A customer missing from some snapshots is
-- compared with the last snapshot that showed it.
-- version: 1, 2, ... in snapshot order. customer_key = customer_id || '#' || version.
-- The untracked attributes (first_name, last_name, email, email_is_valid, signup_date) and
-- updated_at are those of the snapshot that opened the version; first_snapshot_date is that
-- snapshot's date.
-- Validity: a version is valid for valid_from <= t < valid_to.
--   valid_from = greatest(updated_at, the start (00:00 UTC) of first_snapshot_date); a NULL
--   updated_at counts as that start. A snapshot dated D holds the state at the end of D, so a
--   change first shown by D is applied from D's start at the earliest: a new snapshot can then
--   only change what events on or after its date see, which is what lets the planner rebuild
--   only those partitions of the facts (lookup), and makes incremental builds equal full ones.
--   A version never starts before the one it replaces: if an export's updated_at runs ahead of
--   a later snapshot (inconsistent CRM data), valid_from is the running maximum, the earlier
--   version's interval is then empty, and a customer's intervals never overlap (a fact row
--   matches at most one version).
--   valid_to = the next version's valid_from; TIMESTAMP '9999-12-31 23:59:59' for the last.
--   is_current: the customer's last version (valid_to is the far-future sentinel).
-- The unknown member: customer_key '-1', customer_id '-1', version 0, names, email, country,
-- signup_date and updated_at NULL, email_is_valid NULL (not known, unlike a known invalid
-- address), loyalty_tier 'unknown', valid from 1970-01-01 00:00:00 to 9999-12-31 23:59:59,
-- is_current true, first_snapshot_date NULL. Facts whose user has no version valid at the event
-- time point at it.
WITH snapshots AS (
  SELECT
    customer_id,
    first_name,
    last_name,
    email,
    email_is_valid,
    lower(trim(email_raw)) AS tracked_email,
    country,
    loyalty_tier,
    signup_date,
    updated_at,
    snapshot_date,
    greatest(
      coalesce(updated_at, CAST(from_iso8601_date(snapshot_date) AS TIMESTAMP)),
      CAST(from_iso8601_date(snapshot_date) AS TIMESTAMP)
    ) AS clamped_from
  FROM silver_customers
),
compared AS (
  SELECT
    *,
    lag(snapshot_date) OVER (PARTITION BY customer_id ORDER BY snapshot_date) AS previous_snapshot,
    lag(tracked_email) OVER (PARTITION BY customer_id ORDER BY snapshot_date) AS previous_email,
    lag(country) OVER (PARTITION BY customer_id ORDER BY snapshot_date) AS previous_country,
    lag(loyalty_tier) OVER (PARTITION BY customer_id ORDER BY snapshot_date) AS previous_tier
  FROM snapshots
),
opened AS (
  SELECT
    *,
    CAST(row_number() OVER (PARTITION BY customer_id ORDER BY snapshot_date) AS INTEGER) AS version,
    max(clamped_from) OVER (
      PARTITION BY customer_id ORDER BY snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS valid_from
  FROM compared
  WHERE previous_snapshot IS NULL
    OR tracked_email IS DISTINCT FROM previous_email
    OR country IS DISTINCT FROM previous_country
    OR loyalty_tier IS DISTINCT FROM previous_tier
),
versions AS (
  SELECT
    *,
    lead(valid_from) OVER (PARTITION BY customer_id ORDER BY version) AS next_from
  FROM opened
)
SELECT
  customer_id || '#' || CAST(version AS VARCHAR) AS customer_key,
  customer_id,
  version,
  first_name,
  last_name,
  email,
  email_is_valid,
  country,
  loyalty_tier,
  signup_date,
  valid_from,
  coalesce(next_from, TIMESTAMP '9999-12-31 23:59:59') AS valid_to,
  next_from IS NULL AS is_current,
  snapshot_date AS first_snapshot_date,
  updated_at
FROM versions
UNION ALL
SELECT
  '-1' AS customer_key,
  '-1' AS customer_id,
  CAST(0 AS INTEGER) AS version,
  CAST(NULL AS VARCHAR) AS first_name,
  CAST(NULL AS VARCHAR) AS last_name,
  CAST(NULL AS VARCHAR) AS email,
  CAST(NULL AS BOOLEAN) AS email_is_valid,
  CAST(NULL AS VARCHAR) AS country,
  'unknown' AS loyalty_tier,
  CAST(NULL AS DATE) AS signup_date,
  TIMESTAMP '1970-01-01 00:00:00' AS valid_from,
  TIMESTAMP '9999-12-31 23:59:59' AS valid_to,
  true AS is_current,
  CAST(NULL AS VARCHAR) AS first_snapshot_date,
  CAST(NULL AS TIMESTAMP) AS updated_at
