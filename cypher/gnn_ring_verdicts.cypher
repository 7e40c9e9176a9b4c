// Investigators' verdicts on rings, applied to every MEMBER account (never to INVOLVES victims), for GNN training labels.
// params: none
// returns: account_id, verdict ("confirmed_fraud"|"false_positive"|"needs_review"), at
MATCH (v:Verdict)
WHERE v.target_type = 'ring'
MATCH (r:Ring {id: v.target_id})-[:MEMBER]->(a:Account)
RETURN a.id AS account_id, v.verdict AS verdict, v.at AS at
