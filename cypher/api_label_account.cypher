// Record a verdict on an account: a Verdict node (audit trail) and the account's verdict.
// params: $vid, $target_id, $verdict, $reason_code, $note, $author, $at (epoch ms)
// returns: props (the Account's properties); no row when the account does not exist
MATCH (a:Account {id: $target_id})
CREATE (:Verdict {id: $vid, target_type: 'account', target_id: $target_id, verdict: $verdict,
  reason_code: $reason_code, note: $note, author: $author, at: $at})
SET a.verdict = $verdict, a.verdict_at = $at
RETURN properties(a) AS props
