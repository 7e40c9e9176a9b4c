// Transactions by tx_id (DataLoader batch).
// params: $ids [str]
// returns: id, props (the Transaction's properties)
UNWIND $ids AS id
MATCH (t:Transaction {id: id})
RETURN id, properties(t) AS props
