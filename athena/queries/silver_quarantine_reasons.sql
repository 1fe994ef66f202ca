-- Quarantined lines by reason code and field. Filter on dt for a cheap scan.
SELECT
  reason,
  detail,
  count(*) AS lines
FROM silver_quarantine
GROUP BY reason, detail
ORDER BY lines DESC, reason, detail
