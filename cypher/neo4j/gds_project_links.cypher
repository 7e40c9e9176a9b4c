// Neo4j GDS only: project accounts with the devices and IPs they used (undirected) for WCC.
// params: $name (in-memory graph name, fresh per run)
// returns: graph, nodes, relationships
MATCH (a:Account)-[:USED|FROM_IP]->(x)
WITH gds.graph.project($name, a, x, {}, {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
