// Neo4j GDS only: Leiden communities (modularity) of a projected graph, per account.
// params: $name (projected graph), $seed (random seed: same data, same communities)
// returns: id (account id), community
CALL gds.leiden.stream($name, {relationshipWeightProperty: 'weight', randomSeed: $seed,
  concurrency: 1})
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).id AS id, communityId AS community
