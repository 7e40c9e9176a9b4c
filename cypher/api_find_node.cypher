// Internal id and label of the node(s) with this id, trying each entity label's index.
// params: $id
// returns: node_id, type
MATCH (n:Account {id: $id}) RETURN ID(n) AS node_id, 'Account' AS type
UNION ALL MATCH (n:Device {id: $id}) RETURN ID(n) AS node_id, 'Device' AS type
UNION ALL MATCH (n:Merchant {id: $id}) RETURN ID(n) AS node_id, 'Merchant' AS type
UNION ALL MATCH (n:IP {id: $id}) RETURN ID(n) AS node_id, 'IP' AS type
UNION ALL MATCH (n:Ring {id: $id}) RETURN ID(n) AS node_id, 'Ring' AS type
UNION ALL MATCH (n:Phone {id: $id}) RETURN ID(n) AS node_id, 'Phone' AS type
UNION ALL MATCH (n:Email {id: $id}) RETURN ID(n) AS node_id, 'Email' AS type
UNION ALL MATCH (n:Address {id: $id}) RETURN ID(n) AS node_id, 'Address' AS type
