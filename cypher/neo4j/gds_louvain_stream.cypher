// Neo4j GDS only: Louvain communities of a projected graph, per account.
// params: $name (projected graph)
// returns: id (account id), community
CALL gds.louvain.stream($name, {relationshipWeightProperty: 'weight'})
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).id AS id, communityId AS community
