// Neo4j GDS only: drop a projected in-memory graph (no error if it is gone).
// params: $name
// returns: graph
CALL gds.graph.drop($name, false)
YIELD graphName
RETURN graphName AS graph
