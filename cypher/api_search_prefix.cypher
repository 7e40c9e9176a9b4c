// Nodes whose id starts with $prefix, per searchable label (each branch seeks the label's id
// index), plus a transaction whose id is exactly $prefix.
// params: $prefix (str), $limit (rows per label)
// returns: id, type, risk
MATCH (n:Account) WHERE n.id STARTS WITH $prefix
RETURN n.id AS id, 'Account' AS type, n.risk_score AS risk LIMIT $limit
UNION ALL MATCH (n:Device) WHERE n.id STARTS WITH $prefix
RETURN n.id AS id, 'Device' AS type, null AS risk LIMIT $limit
UNION ALL MATCH (n:IP) WHERE n.id STARTS WITH $prefix
RETURN n.id AS id, 'IP' AS type, null AS risk LIMIT $limit
UNION ALL MATCH (n:Merchant) WHERE n.id STARTS WITH $prefix
RETURN n.id AS id, 'Merchant' AS type, null AS risk LIMIT $limit
UNION ALL MATCH (n:Ring) WHERE n.id STARTS WITH $prefix AND coalesce(n.size, 0) > 0
RETURN n.id AS id, 'Ring' AS type, n.score AS risk LIMIT $limit
UNION ALL MATCH (n:Transaction {id: $prefix})
RETURN n.id AS id, 'Transaction' AS type, n.risk_score AS risk LIMIT 1
