// After a --bulk build: set opened_at on accounts whose account event came after their node
// was sent (GRAPH.BULK cannot change a node it has sent); the append path's end state.
// params: $rows [[node_id, opened_at]]  internal ids of Account nodes; opened_at: epoch ms
// returns: nothing
UNWIND $rows AS r
WITH r, r[0] AS s
MATCH (a) WHERE ID(a) = s
SET a.opened_at = r[1]
