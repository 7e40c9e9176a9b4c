// Create the Address nodes that do not exist yet and return every node's internal id.
// params: $rows [[id, ts]]  ts: epoch ms of the first sighting in the batch
// returns: id, node_id
UNWIND $rows AS r
WITH r[0] AS id, r[1] AS ts
MERGE (n:Address {id: id})
ON CREATE SET n.first_seen = ts
RETURN id, ID(n) AS node_id
