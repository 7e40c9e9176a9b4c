// Node counts per label and summed money-edge counts, for summaries and checks.
// params: none
// returns: label, n
MATCH (n) RETURN labels(n)[0] AS label, count(n) AS n
