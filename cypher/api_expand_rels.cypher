// One hop out of a set of nodes (by internal id) over the chosen relationship types only, both
// directions, with type and time filters: api_expand.cypher with `type(e) IN $rels`.
// params: $nodes [internal ids], $types [labels allowed at the far end], $rels [relationship
//         types], $since, $until (epoch ms or null), $limit (rows)
// returns: a, b (internal ids), b_id, b_type, b_risk, type, out (a is the source), count, total,
//          first_ts, last_ts
UNWIND $nodes AS nid
MATCH (a) WHERE ID(a) = nid
WITH a, nid
MATCH (a)-[e]-(b)
WHERE type(e) IN $rels AND labels(b)[0] IN $types
  AND ($since IS NULL OR e.last_ts IS NULL OR e.last_ts >= $since)
  AND ($until IS NULL OR e.first_ts IS NULL OR e.first_ts <= $until)
RETURN nid AS a, ID(b) AS b, b.id AS b_id, labels(b)[0] AS b_type, b.risk_score AS b_risk,
       type(e) AS type, ID(startNode(e)) = nid AS out, e.count AS count, e.total AS total,
       e.first_ts AS first_ts, e.last_ts AS last_ts
LIMIT $limit
