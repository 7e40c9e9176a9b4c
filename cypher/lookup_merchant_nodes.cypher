// The internal ids of the Merchant nodes that exist among the given ids (read only).
// params: $ids [id]
// returns: id, node_id
UNWIND $ids AS id
MATCH (n:Merchant {id: id})
RETURN id, ID(n) AS node_id
