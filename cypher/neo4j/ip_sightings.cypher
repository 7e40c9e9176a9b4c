// Bolt dialect: the accounts whose stored transactions came from each address, with the first
// ts (the Bolt store's record of sightings, graph/ipsightings.py: it has no Redis hash).
// params: $ids [str]
// returns: ip, account_id, first_ts
UNWIND $ids AS ip
MATCH (t:Transaction {ip: ip})
RETURN ip, t.account_id AS account_id, min(t.ts) AS first_ts
