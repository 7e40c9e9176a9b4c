// How many nodes lie within $hops (1..3) of the start, up to the budget: the count-only form of
// api_neighbourhood for its default filter (every node type, no time window). One lazy walk over
// the domain's relationship types (which join only nodes of the domain's types; the end node's
// label is checked all the same), stopped once $budget distinct nodes past the start are found.
// A walk's length cannot be a parameter, so one of three walks runs (the others start from null
// and match nothing). The count and the truncation equal the breadth-first query's (which nodes
// it would keep does not matter here; tests/graph/test_neighbourhood_query.py), for about half
// the server's CPU: no layers, no node lists.
// params: $id, $hops (1..3), $types [labels], $budget (most nodes counted, the start included)
// returns: start (internal id), start_id, start_type, node_count, truncated
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
WITH s, CASE WHEN $hops = 1 THEN s END AS s1, CASE WHEN $hops = 2 THEN s END AS s2,
     CASE WHEN $hops = 3 THEN s END AS s3
CALL {
  WITH s, s1
  OPTIONAL MATCH (s1)-[:TRANSFERRED|PAID|REFUNDED|USED|FROM_IP|HAS_PHONE|HAS_EMAIL|HAS_ADDRESS|MEMBER|INVOLVES*1..1]-(n)
  WHERE n <> s AND labels(n)[0] IN $types
  WITH DISTINCT n LIMIT $budget
  RETURN count(n) AS c1
}
CALL {
  WITH s, s2
  OPTIONAL MATCH (s2)-[:TRANSFERRED|PAID|REFUNDED|USED|FROM_IP|HAS_PHONE|HAS_EMAIL|HAS_ADDRESS|MEMBER|INVOLVES*1..2]-(n)
  WHERE n <> s AND labels(n)[0] IN $types
  WITH DISTINCT n LIMIT $budget
  RETURN count(n) AS c2
}
CALL {
  WITH s, s3
  OPTIONAL MATCH (s3)-[:TRANSFERRED|PAID|REFUNDED|USED|FROM_IP|HAS_PHONE|HAS_EMAIL|HAS_ADDRESS|MEMBER|INVOLVES*1..3]-(n)
  WHERE n <> s AND labels(n)[0] IN $types
  WITH DISTINCT n LIMIT $budget
  RETURN count(n) AS c3
}
WITH s, c1 + c2 + c3 AS found
RETURN ID(s) AS start, s.id AS start_id, labels(s)[0] AS start_type,
       CASE WHEN found > $budget - 1 THEN $budget ELSE found + 1 END AS node_count,
       found > $budget - 1 AS truncated
