// Create or update rings (new status "open" only on create).
// params: $rows [[id, score, size, typologies, reasons, evidence_json, version, now_ms, change]]
// returns: rings (count)
UNWIND $rows AS r
MERGE (g:Ring {id: r[0]})
ON CREATE SET g.status = 'open', g.created_at = r[7], g.verdict = null
SET g.score = r[1], g.size = r[2], g.typologies = r[3], g.reasons = r[4], g.evidence = r[5],
    g.version = r[6], g.updated_at = r[7], g.last_change = r[8]
RETURN count(g) AS rings
