// A ring's subgraph nodes in one query: its members (in-ring risk), then the entities that at
// least two members share (labels in $types), cut to the node budget here.
// params: $id, $types [labels a shared entity may have], $budget (most nodes)
// returns: members [[internal id, id, risk]], shared [[internal id, id, type, risk_score]],
//          truncated
MATCH (r:Ring {id: $id})-[m:MEMBER]->(a:Account)
WITH collect(a) AS members, collect([ID(a), a.id, m.risk]) AS mrows
UNWIND members AS a
OPTIONAL MATCH (a)-[]-(b)
WHERE labels(b)[0] IN $types AND NOT b IN members
WITH mrows, b, count(DISTINCT a) AS touching
WITH mrows, collect(CASE WHEN b IS NOT NULL AND touching >= 2
                         THEN [ID(b), b.id, labels(b)[0], b.risk_score] END) AS shared
RETURN mrows[..$budget] AS members, shared[..$budget - size(mrows)] AS shared,
       size(mrows) + size(shared) > $budget AS truncated
