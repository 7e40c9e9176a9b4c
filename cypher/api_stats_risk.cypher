// Transactions per risk decile in [since, until) (scores 0-100; 100 falls in the last decile).
// params: $since, $until (epoch ms)
// returns: decile, n
MATCH (t:Transaction)
WHERE t.ts >= $since AND t.ts < $until AND t.risk_score IS NOT NULL
WITH CASE WHEN t.risk_score >= 90 THEN 9 WHEN t.risk_score < 0 THEN 0
  ELSE toInteger(floor(t.risk_score / 10)) END AS decile
RETURN decile, count(*) AS n
