// Bolt dialect, part of apply_batch: HAS_PHONE identity links by id (no properties, as in
// the FalkorDB original), so sending one again changes nothing.
// params: $rows [[account id, phone hash]]  (each pair once)
// returns: links (rows seen)
UNWIND $rows AS r
MATCH (a:Account {id: r[0]})
MATCH (b:Phone {id: r[1]})
MERGE (a)-[e:HAS_PHONE]->(b)
RETURN count(e) AS links
