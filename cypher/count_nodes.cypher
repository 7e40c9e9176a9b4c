// How many nodes the graph holds (bulk load refuses a non-empty graph).
// params: none
// returns: n
MATCH (n) RETURN count(n) AS n
