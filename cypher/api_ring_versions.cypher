// Version history of each ring, newest first.
// params: $ids [str]
// returns: id, props (the RingVersion's properties)
UNWIND $ids AS id
MATCH (:Ring {id: id})-[:HAS_VERSION]->(v:RingVersion)
RETURN id, properties(v) AS props
ORDER BY v.version DESC
