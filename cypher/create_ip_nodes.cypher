// Create IP nodes known to be absent (looked up under the writer lock) and return their
// internal ids. CREATE costs half a MERGE; the unique constraint still guards against a writer
// that bypasses the lock (the query then fails whole and the caller MERGEs instead).
// params: $rows [[id, ts]]  ts: epoch ms of the first sighting in the batch
// returns: id, node_id
UNWIND $rows AS r
CREATE (n:IP {id: r[0], first_seen: r[1]})
RETURN r[0] AS id, ID(n) AS node_id
