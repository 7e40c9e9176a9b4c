// The tx_ids that already have a Transaction node (the Bolt store's idempotency record).
// params: $ids [str]
// returns: id
UNWIND $ids AS id
MATCH (t:Transaction {id: id})
RETURN t.id AS id
