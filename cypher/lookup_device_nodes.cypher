// The internal ids of the Device nodes that exist among the given ids (read only).
// params: $ids [id]
// returns: id, node_id
UNWIND $ids AS id
MATCH (n:Device {id: id})
RETURN id, ID(n) AS node_id
