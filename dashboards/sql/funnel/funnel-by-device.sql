-- The session funnel per device type over the selected days (funnel_daily): of the device's
-- sessions, the share that viewed a product, added one to the cart and bought (sessions = 100%).
-- The fall from one bar to the next is the drop-off at that step; step_sessions are the counts.
-- A session's device is that of its first event of the day; a step counts every session that
-- reached it, so a purchase without a cart that day still counts as purchased.
WITH devices AS (
  SELECT
    device_type,
    CAST(sum(sessions) AS BIGINT) AS sessions,
    CAST(sum(view_sessions) AS BIGINT) AS view_sessions,
    CAST(sum(cart_sessions) AS BIGINT) AS cart_sessions,
    CAST(sum(purchase_sessions) AS BIGINT) AS purchase_sessions
  FROM funnel_daily
  WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
  GROUP BY device_type
),
steps AS (
  SELECT
    s.step_no,
    s.step,
    d.device_type,
    d.sessions,
    CASE s.step_no
      WHEN 1 THEN d.sessions
      WHEN 2 THEN d.view_sessions
      WHEN 3 THEN d.cart_sessions
      ELSE d.purchase_sessions
    END AS step_sessions
  FROM devices AS d
  CROSS JOIN (
    VALUES
      (1, 'Sessions'),
      (2, 'Viewed a product'),
      (3, 'Added to cart'),
      (4, 'Purchased')
  ) AS s (step_no, step)
)
SELECT
  step,
  device_type,
  CAST(step_sessions AS DOUBLE) / nullif(sessions, 0) AS share_of_sessions,
  step_sessions
FROM steps
ORDER BY step_no, sessions DESC, device_type
