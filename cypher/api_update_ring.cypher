// Ring workflow: set status and/or assignee (null leaves a value as it is unless $clear_assignee).
// params: $id, $status, $assignee, $clear_assignee (bool), $at (epoch ms)
// returns: props (the Ring's properties); no row when the ring does not exist
MATCH (r:Ring {id: $id})
SET r.status = coalesce($status, r.status, 'open'),
    r.assignee = CASE WHEN $clear_assignee THEN null ELSE coalesce($assignee, r.assignee) END,
    r.workflow_at = $at
RETURN properties(r) AS props
