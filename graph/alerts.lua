-- Alerts for flagged, newly applied transactions: deduplicated, then XADD + PUBLISH, atomically.
--
-- ARGV[1]  key prefix, e.g. "ringscope:<graph>:alerts:"
-- ARGV[2]  JSON config {window_ms, window_s, marker_ttl, stream, channel, maxlen,
--          approved, flagged, results_maxlen}
-- ARGV[3]  JSON list of applied transactions, each [tx_id, result, dedup_key, ts_ms, alert]:
--          result (JSON text) goes to the approved or flagged stream; dedup_key and alert (the
--          full Alert object a new alert would get) are false for approved transactions
-- Returns  a JSON list of [alert, change] for what was published, change "new", "escalated"
--          (decision rose to block) or "updated"; a tx_id that alerted before is skipped.
--
-- Keys: at:<tx_id> marks a transaction that alerted (TTL marker_ttl); ad:<dedup_key> holds the
-- open alert {a: alert, t: last event ts} of an account and rule for window_s.

local P = ARGV[1]
local cfg = cjson.decode(ARGV[2])
local items = cjson.decode(ARGV[3])
local MAX_IDS = 20

local function merge(old, new)
  old.count = (old.count or 1) + 1
  if new.score > old.score then old.score = new.score end
  local escalated = old.decision ~= 'block' and new.decision == 'block'
  if escalated then old.decision = 'block' end
  old.transactionId = new.transactionId
  local ids = old.transactionIds or {}
  table.insert(ids, new.transactionId)
  while #ids > MAX_IDS do table.remove(ids, 1) end
  old.transactionIds = ids
  old.reasons = new.reasons
  old.updatedAt = new.createdAt
  return old, escalated
end

local out = {}
local function result(stream, text)
  redis.call('XADD', stream, 'MAXLEN', '~', cfg.results_maxlen, '*', 'result', text)
end

for _, it in ipairs(items) do
  local tx, ts, alert = it[1], it[4], it[5]
  if not alert then
    result(cfg.approved, it[2])
  elseif redis.call('SET', P .. 'at:' .. tx, '1', 'NX', 'EX', cfg.marker_ttl) then
    result(cfg.flagged, it[2])
    local dkey = P .. 'ad:' .. it[3]
    local change = 'new'
    local open = redis.call('GET', dkey)
    if open then
      open = cjson.decode(open)
      if math.abs(ts - open.t) <= cfg.window_ms then
        local escalated
        alert, escalated = merge(open.a, alert)
        change = escalated and 'escalated' or 'updated'
      end
    end
    local text = cjson.encode(alert)
    redis.call('SET', dkey, cjson.encode({a = alert, t = ts}), 'EX', cfg.window_s)
    redis.call('XADD', cfg.stream, 'MAXLEN', '~', cfg.maxlen, '*', 'alert', text)
    redis.call('PUBLISH', cfg.channel, text)
    table.insert(out, '[' .. text .. ',"' .. change .. '"]')
  end
end
return '[' .. table.concat(out, ',') .. ']'
