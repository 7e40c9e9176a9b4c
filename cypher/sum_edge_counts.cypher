// Summed `count` and `total` per relationship type.
// params: none
// returns: type, count, total
MATCH ()-[e]->() RETURN type(e) AS type, sum(e.count) AS count, sum(e.total) AS total
