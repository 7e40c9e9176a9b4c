// Bolt dialect: the addresses that have their IP node.
// params: $ids [str]
// returns: ip
UNWIND $ids AS ip
MATCH (n:IP {id: ip})
RETURN n.id AS ip
