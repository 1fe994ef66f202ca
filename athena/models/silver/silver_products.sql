-- materialization: partition_overwrite
-- partitioned_by: snapshot_date
-- depends_on: bronze_products
-- scope: bronze_products.snapshot_date
-- description: Product snapshots from the ERP export: trimmed, typed, one row per product and snapshot
--
-- Each JSON line is parsed once. Names and categories are trimmed; price becomes
-- DECIMAL(12,2) and price_is_valid says whether it is a positive number (an invalid price is
-- NULL, the product is kept). Lines that are not a JSON object with a text product_id cannot
-- be joined to anything and are left out. A product repeated in one export: the latest
-- updated_at wins, then the smallest name.
WITH parsed AS (
  SELECT
    TRY(CAST(json_parse(raw) AS MAP(VARCHAR, JSON))) AS m,
    snapshot_date
  FROM bronze_products
),
fields AS (
  SELECT
    trim(json_extract_scalar(json_format(element_at(m, 'product_id')), '$')) AS product_id,
    trim(json_extract_scalar(json_format(element_at(m, 'product_name')), '$')) AS product_name,
    trim(json_extract_scalar(json_format(element_at(m, 'category')), '$')) AS category,
    TRY_CAST(json_extract_scalar(json_format(element_at(m, 'price')), '$') AS DOUBLE) AS price_number,
    CAST(
      TRY(from_iso8601_timestamp(trim(json_extract_scalar(json_format(element_at(m, 'updated_at')), '$'))))
      AT TIME ZONE 'UTC' AS TIMESTAMP
    ) AS updated_at,
    snapshot_date
  FROM parsed
  WHERE m IS NOT NULL
),
ranked AS (
  SELECT
    *,
    row_number() OVER (
      PARTITION BY snapshot_date, product_id
      ORDER BY updated_at DESC, product_name
    ) AS copy_number
  FROM fields
  WHERE NULLIF(product_id, '') IS NOT NULL
)
SELECT
  product_id,
  product_name,
  category,
  CASE WHEN price_number > 0 AND price_number < 1e10 THEN CAST(price_number AS DECIMAL(12, 2)) END AS price,
  COALESCE(price_number > 0 AND price_number < 1e10, false) AS price_is_valid,
  updated_at,
  snapshot_date
FROM ranked
WHERE copy_number = 1
