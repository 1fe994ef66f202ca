-- Silver lines quarantined in the range, by reason code and the field it concerns
-- (`missing_field: session_id`; malformed_json names no field), most first. Dated by the Bronze
-- partition (dt, the event's UTC date as Firehose filed the line), whole UTC days.
SELECT
  reason || coalesce(': ' || detail, '') AS cause,
  count(*) AS lines
FROM silver_quarantine
WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
GROUP BY reason, detail
ORDER BY lines DESC, cause
