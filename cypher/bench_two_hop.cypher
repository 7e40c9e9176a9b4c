// Typed 2-hop transfer neighbourhood of one account: the benchmark's probe of read stalls.
// params: $id (account id)
// returns: n (accounts two transfers away)
MATCH (a:Account {id: $id})-[:TRANSFERRED]->(:Account)-[:TRANSFERRED]->(c:Account)
RETURN count(c) AS n
