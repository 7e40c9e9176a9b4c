// Account count and rings per status, for the dashboard.
// params: none
// returns: kind ('accounts' or 'ring:<status>'), n
MATCH (a:Account) RETURN 'accounts' AS kind, count(a) AS n
UNION ALL MATCH (r:Ring) RETURN 'ring:' + coalesce(r.status, 'open') AS kind, count(r) AS n
