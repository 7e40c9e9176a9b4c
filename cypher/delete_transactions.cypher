// Delete the Transaction nodes of a batch whose graph write failed after GRAPH.BULK inserted them.
// params: $ids  [tx_id]
// returns: nothing
UNWIND $ids AS id
MATCH (t:Transaction {id: id})
DELETE t
