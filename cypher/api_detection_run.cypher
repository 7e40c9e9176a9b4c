// One detection run by id.
// params: $id
// returns: props
MATCH (d:DetectionRun {id: $id})
RETURN properties(d) AS props
