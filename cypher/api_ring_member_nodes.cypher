// A ring's node and its members' internal ids, for the ring subgraph.
// params: $id
// returns: ring_node, node_id, account, risk
MATCH (r:Ring {id: $id})-[m:MEMBER]->(a:Account)
RETURN ID(r) AS ring_node, ID(a) AS node_id, a.id AS account, m.risk AS risk
