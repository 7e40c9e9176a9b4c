// Each account's aggregated edges to devices, IPs, merchants and counterparties.
// params: $ids [str], $limit (rows in all)
// returns: id, other, type, out (true when the account is the edge's source), count, total,
//          first_ts, last_ts
UNWIND $ids AS id
MATCH (a:Account {id: id})-[e:USED|FROM_IP|PAID|REFUNDED|TRANSFERRED]-(b)
RETURN id, b.id AS other, type(e) AS type, ID(startNode(e)) = ID(a) AS out, e.count AS count,
       e.total AS total, e.first_ts AS first_ts, e.last_ts AS last_ts
ORDER BY e.last_ts DESC
LIMIT $limit
