// Record a verdict on a ring: a Verdict node (audit trail) and the ring's verdict.
// params: $vid, $target_id, $verdict, $reason_code, $note, $author, $at (epoch ms)
// returns: props (the Ring's properties); no row when the ring does not exist
MATCH (r:Ring {id: $target_id})
CREATE (:Verdict {id: $vid, target_type: 'ring', target_id: $target_id, verdict: $verdict,
  reason_code: $reason_code, note: $note, author: $author, at: $at})
SET r.verdict = $verdict, r.verdict_at = $at
RETURN properties(r) AS props
