// A page of detection runs, newest first.
// params: $skip, $limit
// returns: props (the DetectionRun's properties)
MATCH (d:DetectionRun)
RETURN properties(d) AS props
ORDER BY d.started_at DESC, d.id DESC
SKIP $skip
LIMIT $limit
