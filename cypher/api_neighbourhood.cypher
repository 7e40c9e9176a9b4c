// The start node and the nodes within $hops (1..3) of it, nearest first, grown breadth first in
// one query: layer d+1 is the new neighbours of layer d, over edges in the time window (edges
// without timestamps always pass), with labels in $types. The node budget is enforced here:
// layers 2 and 3 are read lazily and stop once the budget is spent (DISTINCT ... LIMIT), and the
// row cap bounds layer 1 around a hub. Layer 2 is a lazy two-hop walk from the start through the
// kept layer 1 (a hub's whole adjacency is never expanded at once), and layers 2 and 3 run in
// subqueries that see the kept lists but never group or DISTINCT by them: carrying a list of
// nodes through DISTINCT or an aggregate's keys hashed it for every row, which had made this
// query 3-5 times slower than the traversal itself.
// params: $id, $hops (1..3), $types [labels], $since, $until (epoch ms or null),
//         $budget (most nodes kept, the start included), $cap (most rows read in layer 1),
//         $rows (false: counts only, no node list)
// returns: start (internal id), start_id, start_type, node_count, truncated,
//          nodes [[internal id, id, type, risk_score]] (the start excluded; [] unless $rows)
CALL {
  MATCH (s:Account {id: $id}) RETURN s
  UNION ALL MATCH (s:Device {id: $id}) RETURN s
  UNION ALL MATCH (s:Merchant {id: $id}) RETURN s
  UNION ALL MATCH (s:IP {id: $id}) RETURN s
  UNION ALL MATCH (s:Ring {id: $id}) RETURN s
  UNION ALL MATCH (s:Phone {id: $id}) RETURN s
  UNION ALL MATCH (s:Email {id: $id}) RETURN s
  UNION ALL MATCH (s:Address {id: $id}) RETURN s
}
WITH s LIMIT 1
OPTIONAL MATCH (s)-[e1]-(n1)
WHERE labels(n1)[0] IN $types AND n1 <> s
  AND ($since IS NULL OR e1.last_ts IS NULL OR e1.last_ts >= $since)
  AND ($until IS NULL OR e1.first_ts IS NULL OR e1.first_ts <= $until)
WITH s, n1 LIMIT $cap
WITH s, collect(DISTINCT n1) AS l1, count(*) AS r1
WITH s, l1[..$budget - 1] AS k1, size(l1) > $budget - 1 OR r1 >= $cap AS t1
CALL {
  WITH s, k1, t1
  WITH s, k1, CASE WHEN $hops < 2 OR size(k1) = 0 OR t1 THEN null ELSE s END AS s2
  OPTIONAL MATCH p2 = (s2)-[*2..2]-(n2)
  WHERE nodes(p2)[1] IN k1 AND labels(n2)[0] IN $types AND n2 <> s AND NOT n2 IN k1
    AND ($since IS NULL OR all(e IN relationships(p2)[1..] WHERE e.last_ts IS NULL OR e.last_ts >= $since))
    AND ($until IS NULL OR all(e IN relationships(p2)[1..] WHERE e.first_ts IS NULL OR e.first_ts <= $until))
  WITH DISTINCT n2 LIMIT $budget
  RETURN collect(n2) AS l2
}
WITH s, k1, l2[..$budget - 1 - size(k1)] AS k2, t1 OR size(l2) > $budget - 1 - size(k1) AS t2
CALL {
  WITH s, k1, k2, t2
  UNWIND CASE WHEN $hops < 3 OR size(k2) = 0 OR t2 THEN [null] ELSE k2 END AS m3
  OPTIONAL MATCH (m3)-[e3]-(n3)
  WHERE labels(n3)[0] IN $types AND n3 <> s AND NOT n3 IN k1 AND NOT n3 IN k2
    AND ($since IS NULL OR e3.last_ts IS NULL OR e3.last_ts >= $since)
    AND ($until IS NULL OR e3.first_ts IS NULL OR e3.first_ts <= $until)
  WITH DISTINCT n3 LIMIT $budget
  RETURN collect(n3) AS l3
}
WITH s, k1 + k2 + l3[..$budget - 1 - size(k1) - size(k2)] AS ks,
     t2 OR size(l3) > $budget - 1 - size(k1) - size(k2) AS truncated
RETURN ID(s) AS start, s.id AS start_id, labels(s)[0] AS start_type, size(ks) + 1 AS node_count,
       truncated,
       CASE WHEN $rows THEN [n IN ks | [ID(n), n.id, labels(n)[0], n.risk_score]] ELSE [] END AS nodes
