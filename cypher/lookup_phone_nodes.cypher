// The internal ids of the Phone nodes that exist among the given ids (read only).
// params: $ids [id]
// returns: id, node_id
UNWIND $ids AS id
MATCH (n:Phone {id: id})
RETURN id, ID(n) AS node_id
