// A page of rings, filtered and sorted; null filters are off.
// params: $status, $min_score, $typology, $since, $until (updated_at, epoch ms),
//         $sort ('score' | 'size' | 'updated_at' | 'created_at'), $desc (bool), $skip, $limit
// returns: props (the Ring's properties)
MATCH (r:Ring)
// a ring that dissolved into another (or vanished) keeps its node for history, unlisted
WHERE coalesce(r.size, 0) > 0
  AND ($status IS NULL OR coalesce(r.status, 'open') = $status)
  AND ($min_score IS NULL OR r.score >= $min_score)
  AND ($typology IS NULL OR $typology IN coalesce(r.typologies, []))
  AND ($since IS NULL OR r.updated_at >= $since)
  AND ($until IS NULL OR r.updated_at <= $until)
WITH r, CASE $sort WHEN 'size' THEN r.size WHEN 'updated_at' THEN r.updated_at
  WHEN 'created_at' THEN r.created_at ELSE r.score END AS key
RETURN properties(r) AS props
ORDER BY CASE WHEN $desc THEN -key ELSE key END, r.id
SKIP $skip
LIMIT $limit
