// Bolt dialect of ensure_ip_nodes: create the missing IP nodes, addressed by id.
// (The FalkorDB original returns internal ids for the native store's cache; Neo4j deprecates
// ID(), and the Bolt store merges by id instead.)
// params: $rows [[id, ts]]  ts: epoch ms of the first sighting in the batch
// returns: nodes (rows seen)
UNWIND $rows AS r
MERGE (n:IP {id: r[0]})
ON CREATE SET n.first_seen = r[1]
RETURN count(n) AS nodes
