// Properties of nodes by internal id (for the nodes a subgraph keeps).
// params: $nodes [internal ids]
// returns: node_id, type, props
UNWIND $nodes AS nid
MATCH (n) WHERE ID(n) = nid
RETURN nid AS node_id, labels(n)[0] AS type, properties(n) AS props
