// One transaction by its tx_id.
// params: $id
// returns: t (the Transaction node)
MATCH (t:Transaction {id: $id})
RETURN t
