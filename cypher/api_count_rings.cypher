// How many rings match the filters of api_list_rings.
// params: $status, $min_score, $typology, $since, $until (null = off)
// returns: n
MATCH (r:Ring)
// a ring that dissolved into another (or vanished) keeps its node for history, unlisted
WHERE coalesce(r.size, 0) > 0
  AND ($status IS NULL OR coalesce(r.status, 'open') = $status)
  AND ($min_score IS NULL OR r.score >= $min_score)
  AND ($typology IS NULL OR $typology IN coalesce(r.typologies, []))
  AND ($since IS NULL OR r.updated_at >= $since)
  AND ($until IS NULL OR r.updated_at <= $until)
RETURN count(r) AS n
