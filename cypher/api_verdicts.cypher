// Verdicts recorded on each target (ring or account id), newest first.
// params: $ids [str]
// returns: id, props (the Verdict's properties)
UNWIND $ids AS id
MATCH (v:Verdict {target_id: id})
RETURN id, properties(v) AS props
ORDER BY v.at DESC
