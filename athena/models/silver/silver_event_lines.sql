-- materialization: partition_overwrite
-- partitioned_by: dt
-- depends_on: bronze_events, bronze_delivery_errors
-- scope: bronze_events.dt, bronze_delivery_errors.dt
-- description: Every Bronze line parsed once: typed, standardized fields and a verdict (reason NULL = valid)
--
-- One row per line that reached the lake: the lines Firehose delivered (bronze_events) and the
-- records it could not deliver (bronze_delivery_errors, raw line decoded from rawData). Nothing
-- is dropped here; silver_events keeps the valid lines (deduplicated), silver_quarantine the rest
-- (with the raw text, which is kept for failed lines only).
--
-- Verdict, first that applies (`reason`, with the offending field in `detail`):
--   malformed_json    not a JSON object
--   missing_field     a required field absent or null (order_id, payment_method: on purchases)
--   bad_type          a field of the wrong JSON type (price as "12.50 EUR", quantity as "two")
--   bad_enum          event_type, device_type, traffic_source, payment_method not in the contract
--                     after trimming and lowercasing
--   bad_value         empty required text, schema_version other than 1, a price that is not
--                     positive or does not fit DECIMAL(12,2), a quantity that is not a whole
--                     number from 1 to 999999 written in digits, a timestamp that is not
--                     ISO-8601 with an offset, a country that is not two letters
--   future_timestamp  event_timestamp more than 1 hour after the object arrived (clock skew)
--   delivery_failed   a record Firehose could not deliver whose rawData cannot be decoded
--                     (detail 'rawData', checked first), or whose line is otherwise valid
-- Within one category the field first in alphabetical order is reported.
--
-- Standardization: text trimmed; enums lowercased; country uppercased; campaign_id '' → NULL;
-- event_timestamp → event_ts, a UTC TIMESTAMP, with the original offset kept in
-- event_tz_offset; price → DECIMAL(12,2). Quantity: NULL on page_view whatever was sent;
-- 1 when absent or null on add_to_cart, remove_from_cart and purchase.
-- order_id and payment_method are kept on purchases only.
--
-- Two flags for the data-quality checks (silver_events and silver_quarantine leave them out):
--   unknown_fields  schema drift: the keys of the line's object that are not among the 17
--                   contract fields, sorted (by code point, 'Z' before 'a') and joined with ',';
--                   NULL when there are none or the line is not a JSON object. A key whose value
--                   is a JSON null is present, and a key in other casing ('Event_Type') is
--                   unknown. Set on every line, valid or not.
--   standardized    true when the line is valid and at least one of event_type, device_type,
--                   traffic_source, country and, on purchases, payment_method came in another
--                   form than Silver's (other casing, surrounding whitespace); false otherwise,
--                   and false on every invalid line (quarantined lines are not standardized).
--
-- dt is the Bronze partition the line sits in: the event's UTC date for delivered lines
-- (Firehose partitions by event time), the arrival date for delivery errors.
WITH error_records AS (
  SELECT
    raw AS document,
    "$path" AS path,
    error_type,
    dt,
    TRY(from_utf8(from_base64(json_extract_scalar(raw, '$.rawData')))) AS line
  FROM bronze_delivery_errors
),
lines AS (
  SELECT raw, 'firehose' AS source, "$path" AS path, false AS undecodable, dt
  FROM bronze_events
  UNION ALL
  SELECT COALESCE(line, document), 'delivery_error:' || error_type, path, line IS NULL, dt
  FROM error_records
),
located AS (
  SELECT
    raw,
    source,
    undecodable,
    regexp_replace(path, '^[a-z0-9]+://[^/]*/', '') AS source_file,
    -- Firehose names objects <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>: the arrival time.
    NULLIF(
      regexp_extract(
        path,
        '-([0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2})-[0-9a-f]{8}-[0-9a-f-]{27}[^/]*$',
        1
      ),
      ''
    ) AS arrival_text,
    TRY(json_parse(raw)) AS j,
    dt
  FROM lines
),
parsed AS (
  SELECT
    raw,
    source,
    undecodable,
    source_file,
    substr(arrival_text, 1, 10) || 'T' || substr(arrival_text, 12, 2) || ':'
    || substr(arrival_text, 15, 2) || ':' || substr(arrival_text, 18, 2) || 'Z' AS arrival_iso,
    -- Objects only: the cast then cannot fail on DuckDB, which keeps TRY on its fast path
    -- (a failing row sends its whole vector down a row-by-row path).
    TRY(CASE WHEN j IS NOT NULL AND ltrim(raw) LIKE '{%' THEN CAST(j AS MAP(VARCHAR, JSON)) END) AS m,
    dt
  FROM located
),
field_values AS (
  SELECT
    raw,
    source,
    undecodable,
    source_file,
    arrival_iso,
    m IS NOT NULL AS is_object,
    element_at(m, 'event_id') AS v_event_id,
    element_at(m, 'schema_version') AS v_schema_version,
    element_at(m, 'event_type') AS v_event_type,
    element_at(m, 'event_timestamp') AS v_event_timestamp,
    element_at(m, 'user_id') AS v_user_id,
    element_at(m, 'session_id') AS v_session_id,
    element_at(m, 'product_id') AS v_product_id,
    element_at(m, 'product_name') AS v_product_name,
    element_at(m, 'product_category') AS v_product_category,
    element_at(m, 'product_price') AS v_product_price,
    element_at(m, 'quantity') AS v_quantity,
    element_at(m, 'order_id') AS v_order_id,
    element_at(m, 'device_type') AS v_device_type,
    element_at(m, 'country') AS v_country,
    element_at(m, 'traffic_source') AS v_traffic_source,
    element_at(m, 'campaign_id') AS v_campaign_id,
    element_at(m, 'payment_method') AS v_payment_method,
    m,
    dt
  FROM parsed
),
fields AS (
  SELECT
    raw,
    source,
    undecodable,
    source_file,
    CAST(from_iso8601_timestamp(arrival_iso) AT TIME ZONE 'UTC' AS TIMESTAMP) AS arrival_ts,
    is_object,
    -- Each field as JSON text (strings keep their quotes), NULL when absent or null.
    NULLIF(json_format(v_event_id), 'null') AS j_event_id,
    NULLIF(json_format(v_schema_version), 'null') AS j_schema_version,
    NULLIF(json_format(v_event_type), 'null') AS j_event_type,
    NULLIF(json_format(v_event_timestamp), 'null') AS j_event_timestamp,
    NULLIF(json_format(v_user_id), 'null') AS j_user_id,
    NULLIF(json_format(v_session_id), 'null') AS j_session_id,
    NULLIF(json_format(v_product_id), 'null') AS j_product_id,
    NULLIF(json_format(v_product_name), 'null') AS j_product_name,
    NULLIF(json_format(v_product_category), 'null') AS j_product_category,
    NULLIF(json_format(v_product_price), 'null') AS j_product_price,
    NULLIF(json_format(v_quantity), 'null') AS j_quantity,
    NULLIF(json_format(v_order_id), 'null') AS j_order_id,
    NULLIF(json_format(v_device_type), 'null') AS j_device_type,
    NULLIF(json_format(v_country), 'null') AS j_country,
    NULLIF(json_format(v_traffic_source), 'null') AS j_traffic_source,
    NULLIF(json_format(v_campaign_id), 'null') AS j_campaign_id,
    NULLIF(json_format(v_payment_method), 'null') AS j_payment_method,
    -- Schema drift, worked out only for the few lines that do not have exactly the 17 keys
    -- (a JSON null is a value here, not an absent key). Counting map_keys(m) rather than m:
    -- same number, and DuckDB's cardinality shim counts a list ~3x faster than a map.
    CASE
      WHEN cardinality(map_keys(m)) = 17
        AND v_event_id IS NOT NULL AND v_schema_version IS NOT NULL AND v_event_type IS NOT NULL
        AND v_event_timestamp IS NOT NULL AND v_user_id IS NOT NULL AND v_session_id IS NOT NULL
        AND v_product_id IS NOT NULL AND v_product_name IS NOT NULL
        AND v_product_category IS NOT NULL AND v_product_price IS NOT NULL
        AND v_quantity IS NOT NULL AND v_order_id IS NOT NULL AND v_device_type IS NOT NULL
        AND v_country IS NOT NULL AND v_traffic_source IS NOT NULL AND v_campaign_id IS NOT NULL
        AND v_payment_method IS NOT NULL
        THEN NULL
      ELSE NULLIF(
        array_join(
          array_sort(
            array_except(
              map_keys(m),
              ARRAY[
                'event_id', 'schema_version', 'event_type', 'event_timestamp', 'user_id',
                'session_id', 'product_id', 'product_name', 'product_category', 'product_price',
                'quantity', 'order_id', 'device_type', 'country', 'traffic_source', 'campaign_id',
                'payment_method'
              ]
            )
          ),
          ','
        ),
        ''
      )
    END AS unknown_fields,
    dt
  FROM field_values
),
typed AS (
  SELECT
    raw,
    source,
    undecodable,
    source_file,
    arrival_ts,
    is_object,
    j_event_id,
    j_schema_version,
    j_event_type,
    j_event_timestamp,
    j_user_id,
    j_session_id,
    j_product_id,
    j_product_name,
    j_product_category,
    j_product_price,
    j_quantity,
    j_order_id,
    j_device_type,
    j_country,
    j_traffic_source,
    j_campaign_id,
    j_payment_method,
    unknown_fields,
    -- Text values (NULL unless the JSON value is a string).
    CASE WHEN j_event_id LIKE '"%' THEN trim(json_extract_scalar(j_event_id, '$')) END AS event_id,
    CASE WHEN j_event_type LIKE '"%' THEN lower(trim(json_extract_scalar(j_event_type, '$'))) END AS event_type,
    CASE WHEN j_event_timestamp LIKE '"%' THEN trim(json_extract_scalar(j_event_timestamp, '$')) END AS ts_text,
    CASE WHEN j_user_id LIKE '"%' THEN trim(json_extract_scalar(j_user_id, '$')) END AS user_id,
    CASE WHEN j_session_id LIKE '"%' THEN trim(json_extract_scalar(j_session_id, '$')) END AS session_id,
    CASE WHEN j_product_id LIKE '"%' THEN trim(json_extract_scalar(j_product_id, '$')) END AS product_id,
    CASE WHEN j_product_name LIKE '"%' THEN trim(json_extract_scalar(j_product_name, '$')) END AS product_name,
    CASE WHEN j_product_category LIKE '"%' THEN trim(json_extract_scalar(j_product_category, '$')) END AS product_category,
    CASE WHEN j_order_id LIKE '"%' THEN trim(json_extract_scalar(j_order_id, '$')) END AS order_id,
    CASE WHEN j_device_type LIKE '"%' THEN lower(trim(json_extract_scalar(j_device_type, '$'))) END AS device_type,
    CASE WHEN j_country LIKE '"%' THEN upper(trim(json_extract_scalar(j_country, '$'))) END AS country,
    CASE WHEN j_traffic_source LIKE '"%' THEN lower(trim(json_extract_scalar(j_traffic_source, '$'))) END AS traffic_source,
    CASE WHEN j_campaign_id LIKE '"%' THEN NULLIF(trim(json_extract_scalar(j_campaign_id, '$')), '') END AS campaign_id,
    CASE WHEN j_payment_method LIKE '"%' THEN lower(trim(json_extract_scalar(j_payment_method, '$'))) END AS payment_method,
    -- Numbers (NULL unless the JSON value is a number).
    -- Whether the JSON value is a number, then its value; cast from the JSON text (never from a
    -- DOUBLE: the engines round differently) and only where the cast cannot fail.
    regexp_like(j_schema_version, '^-?[0-9]') AS schema_version_is_number,
    CASE WHEN regexp_like(j_schema_version, '^[0-9]{1,6}$') THEN CAST(j_schema_version AS INTEGER) END AS schema_version_int,
    regexp_like(j_product_price, '^-?[0-9]') AS price_is_number,
    TRY_CAST(j_product_price AS DECIMAL(12, 2)) AS price_decimal,
    regexp_like(j_quantity, '^-?[0-9]') AS quantity_is_number,
    CASE WHEN regexp_like(j_quantity, '^[0-9]{1,6}$') THEN CAST(j_quantity AS INTEGER) END AS quantity_int,
    dt
  FROM fields
),
timed AS (
  SELECT
    *,
    -- The contract's form only: ISO-8601 date and time with seconds and an explicit offset.
    CASE
      WHEN regexp_like(
        ts_text,
        '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$'
      ) THEN ts_text
    END AS ts_iso
  FROM typed
),
checked AS (
  SELECT
    *,
    TRY(from_iso8601_timestamp(ts_iso)) AS ts_with_zone,
    -- One issue per field, as '<rank>:<reason>:<field>'; the smallest wins. '~' = no issue.
    CASE
      WHEN j_event_id IS NULL THEN '1:missing_field:event_id'
      WHEN event_id IS NULL THEN '2:bad_type:event_id'
      WHEN event_id = '' THEN '4:bad_value:event_id'
      ELSE '~'
    END AS i_event_id,
    CASE
      WHEN j_schema_version IS NULL THEN '1:missing_field:schema_version'
      WHEN NOT schema_version_is_number THEN '2:bad_type:schema_version'
      WHEN schema_version_int IS NULL OR schema_version_int <> 1 THEN '4:bad_value:schema_version'
      ELSE '~'
    END AS i_schema_version,
    CASE
      WHEN j_event_type IS NULL THEN '1:missing_field:event_type'
      WHEN event_type IS NULL THEN '2:bad_type:event_type'
      WHEN event_type NOT IN ('page_view', 'add_to_cart', 'remove_from_cart', 'purchase')
        THEN '3:bad_enum:event_type'
      ELSE '~'
    END AS i_event_type,
    CASE
      WHEN j_event_timestamp IS NULL THEN '1:missing_field:event_timestamp'
      WHEN ts_text IS NULL THEN '2:bad_type:event_timestamp'
      ELSE '~'
    END AS i_event_timestamp,
    CASE
      WHEN j_user_id IS NULL THEN '1:missing_field:user_id'
      WHEN user_id IS NULL THEN '2:bad_type:user_id'
      WHEN user_id = '' THEN '4:bad_value:user_id'
      ELSE '~'
    END AS i_user_id,
    CASE
      WHEN j_session_id IS NULL THEN '1:missing_field:session_id'
      WHEN session_id IS NULL THEN '2:bad_type:session_id'
      WHEN session_id = '' THEN '4:bad_value:session_id'
      ELSE '~'
    END AS i_session_id,
    CASE
      WHEN j_product_id IS NULL THEN '1:missing_field:product_id'
      WHEN product_id IS NULL THEN '2:bad_type:product_id'
      WHEN product_id = '' THEN '4:bad_value:product_id'
      ELSE '~'
    END AS i_product_id,
    CASE
      WHEN j_product_name IS NULL THEN '1:missing_field:product_name'
      WHEN product_name IS NULL THEN '2:bad_type:product_name'
      WHEN product_name = '' THEN '4:bad_value:product_name'
      ELSE '~'
    END AS i_product_name,
    CASE
      WHEN j_product_category IS NULL THEN '1:missing_field:product_category'
      WHEN product_category IS NULL THEN '2:bad_type:product_category'
      WHEN product_category = '' THEN '4:bad_value:product_category'
      ELSE '~'
    END AS i_product_category,
    CASE
      WHEN j_product_price IS NULL THEN '1:missing_field:product_price'
      WHEN NOT price_is_number THEN '2:bad_type:product_price'
      WHEN price_decimal IS NULL OR price_decimal <= 0 THEN '4:bad_value:product_price'
      ELSE '~'
    END AS i_product_price,
    CASE
      WHEN j_quantity IS NULL OR event_type = 'page_view' THEN '~'
      WHEN NOT quantity_is_number THEN '2:bad_type:quantity'
      WHEN quantity_int IS NULL OR quantity_int < 1 THEN '4:bad_value:quantity'
      ELSE '~'
    END AS i_quantity,
    CASE
      WHEN COALESCE(event_type, '') <> 'purchase' THEN '~'
      WHEN j_order_id IS NULL THEN '1:missing_field:order_id'
      WHEN order_id IS NULL THEN '2:bad_type:order_id'
      WHEN order_id = '' THEN '4:bad_value:order_id'
      ELSE '~'
    END AS i_order_id,
    CASE
      WHEN j_device_type IS NULL THEN '1:missing_field:device_type'
      WHEN device_type IS NULL THEN '2:bad_type:device_type'
      WHEN device_type NOT IN ('desktop', 'mobile', 'tablet') THEN '3:bad_enum:device_type'
      ELSE '~'
    END AS i_device_type,
    CASE
      WHEN j_country IS NULL THEN '1:missing_field:country'
      WHEN country IS NULL THEN '2:bad_type:country'
      WHEN NOT regexp_like(country, '^[A-Z]{2}$') THEN '4:bad_value:country'
      ELSE '~'
    END AS i_country,
    CASE
      WHEN j_traffic_source IS NULL THEN '1:missing_field:traffic_source'
      WHEN traffic_source IS NULL THEN '2:bad_type:traffic_source'
      WHEN traffic_source NOT IN ('organic', 'paid_search', 'social', 'email', 'direct', 'referral')
        THEN '3:bad_enum:traffic_source'
      ELSE '~'
    END AS i_traffic_source,
    CASE
      WHEN j_campaign_id IS NOT NULL AND j_campaign_id NOT LIKE '"%' THEN '2:bad_type:campaign_id'
      ELSE '~'
    END AS i_campaign_id,
    CASE
      WHEN COALESCE(event_type, '') <> 'purchase' THEN '~'
      WHEN j_payment_method IS NULL THEN '1:missing_field:payment_method'
      WHEN payment_method IS NULL THEN '2:bad_type:payment_method'
      WHEN payment_method NOT IN ('credit_card', 'debit_card', 'paypal', 'apple_pay', 'google_pay', 'bank_transfer')
        THEN '3:bad_enum:payment_method'
      ELSE '~'
    END AS i_payment_method
  FROM timed
),
judged AS (
  SELECT
    *,
    CASE
      WHEN undecodable THEN '0:delivery_failed:rawData'
      WHEN NOT is_object THEN '0:malformed_json:'
      ELSE least(
        i_event_id, i_schema_version, i_event_type, i_event_timestamp, i_user_id, i_session_id,
        i_product_id, i_product_name, i_product_category, i_product_price, i_quantity, i_order_id,
        i_device_type, i_country, i_traffic_source, i_campaign_id, i_payment_method,
        CASE WHEN ts_with_zone IS NULL THEN '4:bad_value:event_timestamp' ELSE '~' END
      )
    END AS issue,
    CAST(ts_with_zone AT TIME ZONE 'UTC' AS TIMESTAMP) AS event_ts
  FROM checked
),
verdict AS (
  SELECT
    *,
    CASE
      WHEN issue <> '~' THEN split_part(issue, ':', 2)
      WHEN event_ts > arrival_ts + INTERVAL '1' HOUR THEN 'future_timestamp'
      WHEN source <> 'firehose' THEN 'delivery_failed'
    END AS reason,
    CASE
      WHEN issue <> '~' THEN NULLIF(split_part(issue, ':', 3), '')
      WHEN event_ts > arrival_ts + INTERVAL '1' HOUR THEN 'event_timestamp'
    END AS detail
  FROM judged
)
SELECT
  reason,
  detail,
  source,
  source_file,
  arrival_ts,
  -- The raw text is kept where it is needed (lines that failed); Bronze keeps every byte.
  CASE WHEN reason IS NOT NULL THEN raw END AS raw,
  event_id,
  schema_version_int AS schema_version,
  event_type,
  event_ts,
  NULLIF(regexp_extract(ts_text, '(Z|[+-][0-9]{2}:[0-9]{2})$', 1), '') AS event_tz_offset,
  user_id,
  session_id,
  product_id,
  product_name,
  product_category,
  price_decimal AS product_price,
  CASE
    WHEN event_type = 'page_view' THEN NULL
    WHEN j_quantity IS NULL THEN 1
    ELSE quantity_int
  END AS quantity,
  CASE WHEN event_type = 'purchase' THEN order_id END AS order_id,
  device_type,
  country,
  traffic_source,
  campaign_id,
  CASE WHEN event_type = 'purchase' THEN payment_method END AS payment_method,
  unknown_fields,
  -- The standardized values are canonical (enum words, two capitals), so a field came in
  -- another form exactly when its JSON text is not the value in quotes (json_format prints a
  -- string the canonical way on both engines: "\u0070age_view" as "page_view").
  reason IS NULL AND (
    j_event_type <> '"' || event_type || '"'
    OR j_device_type <> '"' || device_type || '"'
    OR j_traffic_source <> '"' || traffic_source || '"'
    OR j_country <> '"' || country || '"'
    OR (event_type = 'purchase' AND j_payment_method <> '"' || payment_method || '"')
  ) AS standardized,
  dt
FROM verdict
