// Bolt dialect, part of apply_batch: HAS_EMAIL identity links by id (no properties, as in
// the FalkorDB original), so sending one again changes nothing.
// params: $rows [[account id, email hash]]  (each pair once)
// returns: links (rows seen)
UNWIND $rows AS r
MATCH (a:Account {id: r[0]})
MATCH (b:Email {id: r[1]})
MERGE (a)-[e:HAS_EMAIL]->(b)
RETURN count(e) AS links
