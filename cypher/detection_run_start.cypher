// Record the start of a detection run.
// params: $id, $started_at (ms)
// returns: id
CREATE (d:DetectionRun {id: $id, started_at: $started_at, status: 'running'})
RETURN d.id
