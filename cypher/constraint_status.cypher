// The build status of every constraint (PENDING, OPERATIONAL or FAILED).
// params: none
// returns: status
CALL db.constraints() YIELD status RETURN status
