// Accounts by id (DataLoader batch).
// params: $ids [str]
// returns: id, props (the Account's properties)
UNWIND $ids AS id
MATCH (a:Account {id: id})
RETURN id, properties(a) AS props
