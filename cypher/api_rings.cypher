// Rings by id (DataLoader batch).
// params: $ids [str]
// returns: id, props (the Ring's properties)
UNWIND $ids AS id
MATCH (r:Ring {id: id})
RETURN id, properties(r) AS props
