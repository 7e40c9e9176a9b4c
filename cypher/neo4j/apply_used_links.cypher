// Bolt dialect, part of apply_batch: USED links by id; a link carries only first_ts (set on
// create), so sending one again changes nothing.
// params: $rows [[source id, target id, first_ts]]  (each pair once)
// returns: links (rows seen)
UNWIND $rows AS r
MATCH (a:Account {id: r[0]})
MATCH (b:Device {id: r[1]})
MERGE (a)-[e:USED]->(b)
ON CREATE SET e.first_ts = r[2]
RETURN count(e) AS links
