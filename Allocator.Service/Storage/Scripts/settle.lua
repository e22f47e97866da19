-- settle.lua: the front's last word on a call at its deadline, in one step: the stored
-- answer if the leader committed one, else this front's error written as the answer (so a
-- leader still deciding the request finds the result key taken and its commit refused).
-- An answer that is not final yet is not settled (ARGV[4] is returned, nothing is stored):
-- Kubernetes mode: it waits for Kubernetes (its held marker is set), and the allocation may
-- still land; MinReplicas > 0: its commit is above the replicated mark, and a failover may
-- still lose it.
-- KEYS[1] result key of the request
-- KEYS[2] leader lease key
-- KEYS[ARGV[5]] held marker of the request (Kubernetes mode; ARGV[5] = 0: none)
-- KEYS[ARGV[6]] replicated mark (MinReplicas > 0; ARGV[6] = 0: none)
-- ARGV[1] outcome JSON when a leader holds the lease (DEADLINE_EXCEEDED)
-- ARGV[2] outcome JSON when nobody leads (UNAVAILABLE)
-- ARGV[3] TTL of the error answer (ms)
-- ARGV[4] outcome JSON when the answer is not final yet (not stored)
-- Returns the answer now stored for the request (or ARGV[4]).
local held = tonumber(ARGV[5])
local replicated = tonumber(ARGV[6])
local stored = redis.call('GET', KEYS[1])
if stored then
  local commit = replicated > 0 and tonumber(string.match(stored, '"commit":%s*"(%d+)"') or '0') or 0
  if commit > 0 and commit > tonumber(redis.call('GET', KEYS[replicated]) or '0') then
    return ARGV[4]
  end
  return stored
end
if held > 0 and redis.call('EXISTS', KEYS[held]) == 1 then
  return ARGV[4]
end
local outcome = ARGV[2]
if redis.call('EXISTS', KEYS[2]) == 1 then
  outcome = ARGV[1]
end
redis.call('SET', KEYS[1], outcome, 'PX', ARGV[3])
return outcome
