// The internal ids of the Email nodes that exist among the given ids (read only).
// params: $ids [id]
// returns: id, node_id
UNWIND $ids AS id
MATCH (n:Email {id: id})
RETURN id, ID(n) AS node_id
