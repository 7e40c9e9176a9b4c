// The edges among a set of nodes (internal ids), each once from its source node, inside the time
// window (edges without timestamps always pass), and the nodes' properties when $props.
// params: $nodes [internal ids], $since, $until (epoch ms or null), $props (bool)
// returns: node_id, props (map or null), edges [[target internal id, type, count, total,
//          first_ts, last_ts]] (an entry with a null target means none)
UNWIND $nodes AS nid
MATCH (a) WHERE ID(a) = nid
WITH a, nid
OPTIONAL MATCH (a)-[e]->(b)
WHERE ID(b) IN $nodes
  AND ($since IS NULL OR e.last_ts IS NULL OR e.last_ts >= $since)
  AND ($until IS NULL OR e.first_ts IS NULL OR e.first_ts <= $until)
RETURN nid AS node_id, CASE WHEN $props THEN properties(a) ELSE NULL END AS props,
       collect([ID(b), type(e), e.count, e.total, e.first_ts, e.last_ts]) AS edges
