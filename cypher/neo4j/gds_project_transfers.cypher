// Neo4j GDS only: project the transfer graph (accounts, undirected, weight log(1 + total)) for
// Leiden/Louvain, as detection/communities.py weighs it for igraph.
// params: $name (in-memory graph name, fresh per run)
// returns: graph, nodes, relationships
MATCH (a:Account)-[e:TRANSFERRED]->(b:Account)
WITH gds.graph.project($name, a, b, {relationshipProperties: {weight: log(1 + e.total)}},
  {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
