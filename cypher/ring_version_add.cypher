// Append a version to each ring's history.
// params: $rows [[ring_id, version, at_ms, change, score, size, members]]
// returns: versions (count)
UNWIND $rows AS r
MATCH (g:Ring {id: r[0]})
CREATE (g)-[:HAS_VERSION]->(v:RingVersion {ring_id: r[0], version: r[1], at: r[2], change: r[3],
                                            score: r[4], size: r[5], members: r[6]})
RETURN count(v) AS versions
