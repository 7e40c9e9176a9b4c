// Bolt dialect, part of apply_batch: HAS_ADDRESS identity links by id (no properties, as in
// the FalkorDB original), so sending one again changes nothing.
// params: $rows [[account id, address hash]]  (each pair once)
// returns: links (rows seen)
UNWIND $rows AS r
MATCH (a:Account {id: r[0]})
MATCH (b:Address {id: r[1]})
MERGE (a)-[e:HAS_ADDRESS]->(b)
RETURN count(e) AS links
