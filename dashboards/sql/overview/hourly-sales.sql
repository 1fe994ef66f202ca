-- Revenue and orders by UTC hour of day, summed over the days in the range: when the shop sells.
SELECT
  lpad(CAST(hour AS VARCHAR), 2, '0') AS hour,
  CAST(sum(revenue) AS DOUBLE) AS revenue,
  sum(orders) AS orders
FROM hourly_sales
WHERE CAST(dt AS DATE) BETWEEN CAST($__timeFrom() AS DATE) AND CAST($__timeTo() AS DATE)
GROUP BY hour
ORDER BY hour
