-- materialization: table
-- depends_on: silver_products
-- description: Products, SCD type 2 over the ERP snapshots: one row per version, plus the unknown member '-1'
--
-- Versions. The snapshots of a product are read in snapshot_date order. The tracked attributes
-- are price (NULL when the export's price was invalid: an invalid price is a value too) and
-- category. A snapshot whose tracked attributes both equal those of the product's previous
-- snapshot (IS NOT DISTINCT FROM) adds nothing; the first snapshot of a product, and each one
-- that changes a tracked attribute, opens a new version, which closes the one before. A product
-- missing from some snapshots is compared with the last snapshot that showed it.
-- version: 1, 2, ... in snapshot order. product_key = product_id || '#' || version.
-- The untracked attributes (product_name, price_is_valid) and updated_at are those of the
-- snapshot that opened the version; first_snapshot_date is that snapshot's date.
-- Validity (as in dim_customer): a version is valid for valid_from <= t < valid_to.
--   valid_from = greatest(updated_at, the start (00:00 UTC) of first_snapshot_date); a NULL
--   updated_at counts as that start. A snapshot dated D holds the state at the end of D, so a
--   change first shown by D applies from D's start at the earliest, and a new snapshot only
--   changes what events on or after its date see (the facts' lookup rebuild relies on it).
--   A version never starts before the one it replaces (running maximum; an export whose
--   updated_at runs ahead of a later snapshot leaves the earlier version an empty interval), so
--   a product's intervals never overlap.
--   valid_to = the next version's valid_from; TIMESTAMP '9999-12-31 23:59:59' for the last.
--   is_current: the product's last version.
-- The unknown member: product_key '-1', product_id '-1', version 0, product_name
-- 'Unknown product', category 'Unknown', price, price_is_valid and updated_at NULL, valid from
-- 1970-01-01 00:00:00 to 9999-12-31 23:59:59, is_current true, first_snapshot_date NULL. Facts
-- whose product has no version valid at the event time point at it.
WITH snapshots AS (
  SELECT
    product_id,
    product_name,
    category,
    price,
    price_is_valid,
    updated_at,
    snapshot_date,
    greatest(
      coalesce(updated_at, CAST(from_iso8601_date(snapshot_date) AS TIMESTAMP)),
      CAST(from_iso8601_date(snapshot_date) AS TIMESTAMP)
    ) AS clamped_from
  FROM silver_products
),
compared AS (
  SELECT
    *,
    lag(snapshot_date) OVER (PARTITION BY product_id ORDER BY snapshot_date) AS previous_snapshot,
    lag(price) OVER (PARTITION BY product_id ORDER BY snapshot_date) AS previous_price,
    lag(category) OVER (PARTITION BY product_id ORDER BY snapshot_date) AS previous_category
  FROM snapshots
),
opened AS (
  SELECT
    *,
    CAST(row_number() OVER (PARTITION BY product_id ORDER BY snapshot_date) AS INTEGER) AS version,
    max(clamped_from) OVER (
      PARTITION BY product_id ORDER BY snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS valid_from
  FROM compared
  WHERE previous_snapshot IS NULL
    OR price IS DISTINCT FROM previous_price
    OR category IS DISTINCT FROM previous_category
),
versions AS (
  SELECT
    *,
    lead(valid_from) OVER (PARTITION BY product_id ORDER BY version) AS next_from
  FROM opened
)
SELECT
  product_id || '#' || CAST(version AS VARCHAR) AS product_key,
  product_id,
  version,
  product_name,
  category,
  price,
  price_is_valid,
  valid_from,
  coalesce(next_from, TIMESTAMP '9999-12-31 23:59:59') AS valid_to,
  next_from IS NULL AS is_current,
  snapshot_date AS first_snapshot_date,
  updated_at
FROM versions
UNION ALL
SELECT
  '-1' AS product_key,
  '-1' AS product_id,
  CAST(0 AS INTEGER) AS version,
  'Unknown product' AS product_name,
  'Unknown' AS category,
  CAST(NULL AS DECIMAL(12, 2)) AS price,
  CAST(NULL AS BOOLEAN) AS price_is_valid,
  TIMESTAMP '1970-01-01 00:00:00' AS valid_from,
  TIMESTAMP '9999-12-31 23:59:59' AS valid_to,
  true AS is_current,
  CAST(NULL AS VARCHAR) AS first_snapshot_date,
  CAST(NULL AS TIMESTAMP) AS updated_at
