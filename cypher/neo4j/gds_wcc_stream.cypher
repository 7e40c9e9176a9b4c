// Neo4j GDS only: weakly connected components of a projected graph, accounts only.
// params: $name (projected graph)
// returns: id (account id), component
CALL gds.wcc.stream($name)
YIELD nodeId, componentId
WITH gds.util.asNode(nodeId) AS n, componentId
WHERE n:Account
RETURN n.id AS id, componentId AS component
