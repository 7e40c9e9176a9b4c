// A ring's subgraph nodes as they stood at an instant (time travel, `asOf`): the given members
// (their in-ring risk where they are still members of $ring), then the entities that at least
// two of them shared through links that existed by $as_of (labels in $types), cut to $budget.
// params: $ring (ring id), $ids [member account ids], $types [labels a shared entity may have],
//         $budget (most nodes), $as_of (epoch ms, inclusive)
// returns: members [[internal id, id, risk]], shared [[internal id, id, type, risk_score]],
//          truncated (no row when no member exists)
UNWIND $ids AS mid
MATCH (a:Account {id: mid})
OPTIONAL MATCH (:Ring {id: $ring})-[m:MEMBER]->(a)
WITH collect(a) AS members, collect([ID(a), a.id, m.risk]) AS mrows
UNWIND members AS a
OPTIONAL MATCH (a)-[e]-(b)
WHERE labels(b)[0] IN $types AND NOT b IN members AND (e.first_ts IS NULL OR e.first_ts <= $as_of)
WITH mrows, b, count(DISTINCT a) AS touching
WITH mrows, collect(CASE WHEN b IS NOT NULL AND touching >= 2
                         THEN [ID(b), b.id, labels(b)[0], b.risk_score] END) AS shared
RETURN mrows[..$budget] AS members, shared[..$budget - size(mrows)] AS shared,
       size(mrows) + size(shared) > $budget AS truncated
