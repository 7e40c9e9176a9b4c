// Apply one batch of new transactions and account events in a single atomic query.
// The batch's Transaction nodes are not written here: GRAPH.BULK inserts them just before, in the
// same MULTI/EXEC (graph/falkordb_store.py; the binary records cost the server about half of a
// CREATE from parameters). This query applies nothing unless the batch's last Transaction node is
// there, so a failed insert leaves the edges alone too.
// Nodes are addressed by internal id (resolved by the client); every (source, target) pair
// occurs at most once per list: FalkorDB 4.16 crashes on MERGE ... ON MATCH SET of an edge that
// the same query created, so pairs are summed in Python first.
// Rows are positional lists (serialised fast; graph/batch.py builds them):
// params: $last_tx   the batch's last tx_id (null: no transactions)
//         $transferred, $paid, $refunded  [[s, d, count, total, first_ts, last_ts]]
//         $used, $from_ip                 [[s, d, first_ts]]  links carry no counters:
//                                         the client sends only pairs it has not seen
//         $<edge>_new  the same rows for pairs with an end this batch created: no such edge can
//                      exist yet, so they are CREATEd (half the cost of a MERGE)
//         $accounts                       [[s, opened_at]]   account events
//         $has_phone, $has_email, $has_address  [[s, d]]
// returns: written (1 when the batch was applied; no row when its transactions are missing)
OPTIONAL MATCH (last:Transaction {id: $last_tx})
WITH count(last) AS present
WHERE present > 0 OR $last_tx IS NULL
CALL {
  UNWIND $transferred AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  MERGE (a)-[e:TRANSFERRED]->(b)
  ON CREATE SET e.count = r[2], e.total = r[3], e.first_ts = r[4], e.last_ts = r[5]
  ON MATCH SET e.count = e.count + r[2], e.total = e.total + r[3],
    e.first_ts = CASE WHEN r[4] < e.first_ts THEN r[4] ELSE e.first_ts END,
    e.last_ts = CASE WHEN r[5] > e.last_ts THEN r[5] ELSE e.last_ts END
}
CALL {
  UNWIND $paid AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  MERGE (a)-[e:PAID]->(b)
  ON CREATE SET e.count = r[2], e.total = r[3], e.first_ts = r[4], e.last_ts = r[5]
  ON MATCH SET e.count = e.count + r[2], e.total = e.total + r[3],
    e.first_ts = CASE WHEN r[4] < e.first_ts THEN r[4] ELSE e.first_ts END,
    e.last_ts = CASE WHEN r[5] > e.last_ts THEN r[5] ELSE e.last_ts END
}
CALL {
  UNWIND $refunded AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  MERGE (a)-[e:REFUNDED]->(b)
  ON CREATE SET e.count = r[2], e.total = r[3], e.first_ts = r[4], e.last_ts = r[5]
  ON MATCH SET e.count = e.count + r[2], e.total = e.total + r[3],
    e.first_ts = CASE WHEN r[4] < e.first_ts THEN r[4] ELSE e.first_ts END,
    e.last_ts = CASE WHEN r[5] > e.last_ts THEN r[5] ELSE e.last_ts END
}
CALL {
  UNWIND $used AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  MERGE (a)-[e:USED]->(b)
  ON CREATE SET e.first_ts = r[2]
}
CALL {
  UNWIND $from_ip AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  MERGE (a)-[e:FROM_IP]->(b)
  ON CREATE SET e.first_ts = r[2]
}
CALL {
  UNWIND $accounts AS r
  WITH r, r[0] AS s
  MATCH (a) WHERE ID(a) = s
  SET a.opened_at = coalesce(r[1], a.opened_at)
}
CALL {
  UNWIND $has_phone AS r
  WITH r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  MERGE (a)-[:HAS_PHONE]->(b)
}
CALL {
  UNWIND $has_email AS r
  WITH r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  MERGE (a)-[:HAS_EMAIL]->(b)
}
CALL {
  UNWIND $has_address AS r
  WITH r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  MERGE (a)-[:HAS_ADDRESS]->(b)
}
CALL {
  UNWIND $transferred_new AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  CREATE (a)-[:TRANSFERRED {count: r[2], total: r[3], first_ts: r[4], last_ts: r[5]}]->(b)
}
CALL {
  UNWIND $paid_new AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  CREATE (a)-[:PAID {count: r[2], total: r[3], first_ts: r[4], last_ts: r[5]}]->(b)
}
CALL {
  UNWIND $refunded_new AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  CREATE (a)-[:REFUNDED {count: r[2], total: r[3], first_ts: r[4], last_ts: r[5]}]->(b)
}
CALL {
  UNWIND $used_new AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  CREATE (a)-[:USED {first_ts: r[2]}]->(b)
}
CALL {
  UNWIND $from_ip_new AS r
  WITH r, r[0] AS s, r[1] AS d
  MATCH (a) WHERE ID(a) = s
  MATCH (b) WHERE ID(b) = d
  CREATE (a)-[:FROM_IP {first_ts: r[2]}]->(b)
}
RETURN 1 AS written
