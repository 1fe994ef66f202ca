-- materialization: partition_overwrite
-- partitioned_by: snapshot_date
-- depends_on: bronze_customers
-- scope: bronze_customers.snapshot_date
-- description: Customer snapshots from the CRM export: trimmed, cased, typed, emails validated
--
-- One row per customer_id and snapshot (if an export repeats a customer, the row with the
-- latest updated_at wins, then the smallest email, so the choice is stable).
-- Names: trimmed; a name written all in capitals ("ANNA") becomes "Anna", any other casing is
-- kept ("McDonald" stays). Email: trimmed and lowercased, kept in email when it looks like
-- local@domain.tld, otherwise email is NULL, email_is_valid false and the export's text stays
-- in email_raw. Rows without a customer_id cannot be joined to anything and are left out.
WITH cleaned AS (
  SELECT
    trim(customer_id) AS customer_id,
    trim(first_name) AS first_trimmed,
    trim(last_name) AS last_trimmed,
    lower(trim(email)) AS email_lower,
    email AS email_raw,
    upper(trim(country)) AS country,
    TRY(from_iso8601_date(trim(signup_date))) AS signup_date,
    lower(trim(loyalty_tier)) AS loyalty_tier,
    CAST(TRY(from_iso8601_timestamp(trim(updated_at))) AT TIME ZONE 'UTC' AS TIMESTAMP) AS updated_at,
    snapshot_date
  FROM bronze_customers
  WHERE NULLIF(trim(customer_id), '') IS NOT NULL
),
ranked AS (
  SELECT
    *,
    row_number() OVER (
      PARTITION BY snapshot_date, customer_id
      ORDER BY updated_at DESC, email_lower
    ) AS copy_number
  FROM cleaned
)
SELECT
  customer_id,
  CASE
    WHEN length(first_trimmed) > 1 AND first_trimmed = upper(first_trimmed)
      THEN upper(substr(first_trimmed, 1, 1)) || lower(substr(first_trimmed, 2))
    ELSE first_trimmed
  END AS first_name,
  CASE
    WHEN length(last_trimmed) > 1 AND last_trimmed = upper(last_trimmed)
      THEN upper(substr(last_trimmed, 1, 1)) || lower(substr(last_trimmed, 2))
    ELSE last_trimmed
  END AS last_name,
  CASE
    WHEN regexp_like(email_lower, '^[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$')
      THEN email_lower
  END AS email,
  COALESCE(
    regexp_like(email_lower, '^[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$'),
    false
  ) AS email_is_valid,
  email_raw,
  country,
  signup_date,
  loyalty_tier,
  updated_at,
  snapshot_date
FROM ranked
WHERE copy_number = 1
