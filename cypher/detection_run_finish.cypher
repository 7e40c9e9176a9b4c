// Record how a detection run ended.
// params: $id, $finished_at, $duration_ms, $detector_ms (JSON), $rings_new, $rings_changed,
//         $rings_unchanged, $rings_total, $status, $error
// returns: id
MATCH (d:DetectionRun {id: $id})
SET d.finished_at = $finished_at, d.duration_ms = $duration_ms, d.detector_ms = $detector_ms,
    d.rings_new = $rings_new, d.rings_changed = $rings_changed,
    d.rings_unchanged = $rings_unchanged, d.rings_total = $rings_total, d.status = $status,
    d.error = $error
RETURN d.id
