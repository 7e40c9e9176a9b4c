-- Streaming features: read the state before each transaction, then fold the transaction in.
-- One call handles a whole batch, in order, atomically (no read-modify-write from clients).
--
-- ARGV[1]  key prefix, e.g. "ringscope:<graph>:f:"
-- ARGV[2]  JSON config {ttl, marker_ttl, cap, alpha, clip}
-- ARGV[3]  JSON list of transactions, each [tx_id, ts_ms, kind, amount, account, device, ip,
--          country, counterparty, merchant]
-- Returns  a JSON list with one [fresh, features] pair per transaction (see features.py). A
--          tx_id seen before returns fresh = 0 and the features stored with its marker, and
--          changes nothing.
--
-- Keys (all under the prefix, all with a TTL so memory stays bounded):
--   tx:<id>   marker holding the features computed the first time
--   a:<acct>  hash n, mean, var, ctry, cts, first, opened
--   aw:<acct> zset of "<tx>|<amount>|<kind>" by ts: the 24 h window, at most cap entries
--   ad/ai/am/ac:<acct> zsets of devices, IPs, merchants paid, counterparties by last ts
--   da/ia:<id> zset of accounts by last ts (device / IP): distinct accounts in 24 h

local P = ARGV[1]
local cfg = cjson.decode(ARGV[2])
local txs = cjson.decode(ARGV[3])
local TTL, MARKER_TTL, CAP = cfg.ttl, cfg.marker_ttl, cfg.cap
local ALPHA, CLIP = cfg.alpha, cfg.clip
local DAY, HOUR, MIN5 = 86400000, 3600000, 300000
local null = cjson.null

local function present(v) return v ~= nil and v ~= null and v ~= '' end

local function touch(key)
  redis.call('EXPIRE', key, TTL)
end

-- keep the cap most recent members (by score) of a set that holds n of them
local function trim(key, n)
  if n > CAP then redis.call('ZREMRANGEBYRANK', key, 0, n - CAP - 1) end
  touch(key)
end

-- remember member at ts; returns whether it is new and how many members were known before
local function remember(key, member, ts)
  local known = redis.call('ZSCORE', key, member)
  redis.call('ZADD', key, 'GT', ts, member)  -- GT still adds members that are new
  local n = redis.call('ZCARD', key)
  trim(key, n)
  if known then return false, n end
  return true, n - 1
end

local function windows(f, acct, ts)
  local key = P .. 'aw:' .. acct
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. (ts - DAY))
  local rows = redis.call('ZRANGEBYSCORE', key, ts - DAY, ts, 'WITHSCORES')
  local c = {0, 0, 0, 0, 0, 0}
  local s = {0, 0, 0}
  for i = 1, #rows, 2 do
    local _, _, amount, kind = string.find(rows[i], '|([^|]*)|([^|]*)$')
    local age = ts - tonumber(rows[i + 1])
    amount = tonumber(amount) or 0
    local pay = kind == 'payment'
    c[3] = c[3] + 1; s[3] = s[3] + amount
    if pay then c[6] = c[6] + 1 end
    if age <= HOUR then
      c[2] = c[2] + 1; s[2] = s[2] + amount
      if pay then c[5] = c[5] + 1 end
    end
    if age <= MIN5 then
      c[1] = c[1] + 1; s[1] = s[1] + amount
      if pay then c[4] = c[4] + 1 end
    end
  end
  f.c5m, f.c1h, f.c24h, f.p5m, f.p1h, f.p24h = c[1], c[2], c[3], c[4], c[5], c[6]
  f.s5m, f.s1h, f.s24h = s[1], s[2], s[3]
  return key
end

local function profile(f, acct, ts, amount, country)
  local key = P .. 'a:' .. acct
  local h = redis.call('HMGET', key, 'n', 'mean', 'var', 'ctry', 'cts', 'first', 'opened')
  local n = tonumber(h[1]) or 0
  local mean, var = tonumber(h[2]) or 0, tonumber(h[3]) or 0
  f.n, f.mean, f.std = n, mean, math.sqrt(var)
  if h[4] then f.prev_country = h[4]; f.prev_ts = tonumber(h[5]) end
  local first = tonumber(h[6]) or ts
  if ts < first then first = ts end
  f.age_ms = ts - math.min(first, tonumber(h[7]) or first)
  -- EWMA, averaging plainly until 1/n drops below alpha; outliers are clipped so one spike
  -- does not hide the next
  local x = amount
  if n >= 5 and mean > 0 and x > CLIP * mean then x = CLIP * mean end
  local a = math.max(ALPHA, 1 / (n + 1))
  local d = x - mean
  mean = mean + a * d
  var = (1 - a) * (var + a * d * d)
  local fields = {'n', n + 1, 'mean', mean, 'var', var, 'first', first}
  if present(country) then
    table.insert(fields, 'ctry'); table.insert(fields, country)
    table.insert(fields, 'cts'); table.insert(fields, ts)
  end
  redis.call('HSET', key, unpack(fields))
  touch(key)
end

local function entity(f, name, id, acct, ts)
  if not present(id) then return end
  local own = P .. (name == 'device' and 'ad:' or 'ai:') .. acct
  f[name .. '_new'], f['known_' .. name .. 's'] = remember(own, id, ts)
  local shared = P .. (name == 'device' and 'da:' or 'ia:') .. id
  redis.call('ZADD', shared, 'GT', ts, acct)
  redis.call('ZREMRANGEBYSCORE', shared, '-inf', '(' .. (ts - DAY))
  local n = redis.call('ZCARD', shared)
  f[name .. '_accounts_24h'] = n
  trim(shared, n)
end

local function one(t)
  local tx, ts, kind, amount, acct = t[1], t[2], t[3], t[4], t[5]
  local f = {}
  local wkey = windows(f, acct, ts)
  redis.call('ZADD', wkey, ts, tx .. '|' .. tostring(amount) .. '|' .. kind)
  redis.call('ZREMRANGEBYRANK', wkey, 0, -(CAP + 1))
  touch(wkey)
  f.c5m, f.c1h, f.c24h = f.c5m + 1, f.c1h + 1, f.c24h + 1
  f.s5m, f.s1h, f.s24h = f.s5m + amount, f.s1h + amount, f.s24h + amount
  if kind == 'payment' then f.p5m, f.p1h, f.p24h = f.p5m + 1, f.p1h + 1, f.p24h + 1 end
  profile(f, acct, ts, amount, t[8])
  entity(f, 'device', t[6], acct, ts)
  entity(f, 'ip', t[7], acct, ts)
  if kind == 'transfer' and present(t[9]) then
    local key = P .. 'ac:' .. acct
    f.counterparty_new, f.known_counterparties = remember(key, t[9], ts)
  end
  if present(t[10]) then
    local key = P .. 'am:' .. acct
    if kind == 'refund' then
      f.paid_merchant = redis.call('ZSCORE', key, t[10]) ~= false
    elseif kind == 'payment' then
      remember(key, t[10], ts)
    end
  end
  return cjson.encode(f)
end

local out = {}
for i, t in ipairs(txs) do
  local marker = P .. 'tx:' .. t[1]
  local before = redis.call('GET', marker)
  if before then
    out[i] = '[0,' .. before .. ']'
  else
    local f = one(t)
    redis.call('SET', marker, f, 'EX', MARKER_TTL)
    out[i] = '[1,' .. f .. ']'
  end
end
return '[' .. table.concat(out, ',') .. ']'
