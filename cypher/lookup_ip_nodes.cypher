// The internal ids of the IP nodes that exist among the given ids (read only).
// params: $ids [id]
// returns: id, node_id
UNWIND $ids AS id
MATCH (n:IP {id: id})
RETURN id, ID(n) AS node_id
