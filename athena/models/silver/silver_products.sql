-- materialization: partition_overwrite
-- partitioned_by: snapshot_date
-- depends_on: bronze_products
-- scope: bronze_products.snapshot_date
-- description: Product snapshots from the ERP export: trimmed, typed, one row per product and snapshot
--
-- Each JSON line is parsed once. Names and categories are trimmed; price becomes
-- DECIMAL(12,2) and price_is_valid says whether it is a positive number that fits (an invalid
-- price is NULL, the product is kept; a price sent as text such as "12.50" is accepted). Lines that are not a JSON object with a text product_id cannot
-- be joined to anything and are left out. A product repeated in one export: the latest
-- updated_at wins, then the smallest name.
WITH parsed AS (
  SELECT
    TRY(CAST(TRY(json_parse(raw)) AS MAP(VARCHAR, JSON))) AS m,
    snapshot_date
  FROM bronze_products
),
fields AS (
  SELECT
    CASE
      WHEN json_format(element_at(m, 'product_id')) LIKE '"%'
        THEN trim(json_extract_scalar(json_format(element_at(m, 'product_id')), '$'))
    END AS product_id,
    trim(json_extract_scalar(json_format(element_at(m, 'product_name')), '$')) AS product_name,
    trim(json_extract_scalar(json_format(element_at(m, 'category')), '$')) AS category,
    -- From the JSON text, never through a DOUBLE (the engines round differently); NULL when it
    -- is not a number or does not fit.
    TRY_CAST(json_extract_scalar(json_format(element_at(m, 'price')), '$') AS DECIMAL(12, 2)) AS price_decimal,
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
  CASE WHEN price_decimal > 0 THEN price_decimal END AS price,
  COALESCE(price_decimal > 0, false) AS price_is_valid,
  updated_at,
  snapshot_date
FROM ranked
WHERE copy_number = 1
