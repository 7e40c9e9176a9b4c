// How many detection runs are recorded.
// params: none
// returns: n
MATCH (d:DetectionRun)
RETURN count(d) AS n
