-- Lifetime revenue per LTV decile (customer_ltv): buyers ranked by lifetime revenue into tenths,
-- D1 the least valuable, D10 the most; the bars show how much of the revenue the top tenths
-- bring. Not limited to the selected days: customer_ltv covers every order up to its as_of_date
-- (the newest order date in the lake).
SELECT
  'D' || CAST(ltv_decile AS VARCHAR) AS decile,
  CAST(sum(revenue) AS DOUBLE) AS revenue,
  count(*) AS customers,
  CAST(sum(revenue) AS DOUBLE)
  / nullif(CAST(sum(sum(revenue)) OVER () AS DOUBLE), 0) AS revenue_share,
  CAST(min(revenue) AS DOUBLE) AS min_revenue,
  CAST(max(revenue) AS DOUBLE) AS max_revenue,
  max(as_of_date) AS as_of_date
FROM customer_ltv
GROUP BY ltv_decile
ORDER BY ltv_decile
