// The rings each account belongs to, highest score first.
// params: $ids [str]
// returns: id, props (the Ring's properties)
UNWIND $ids AS id
MATCH (r:Ring)-[:MEMBER]->(:Account {id: id})
RETURN id, properties(r) AS props
ORDER BY r.score DESC
