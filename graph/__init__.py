"""The graph store: FalkorDB client, embedded server launcher, schema, Cypher loading."""
