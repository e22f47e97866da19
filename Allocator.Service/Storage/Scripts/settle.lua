-- settle.lua: the front's last word on a call at its deadline, in one step: the stored
-- answer if the leader committed one, else this front's error written as the answer (so a
-- leader still deciding the request finds the result key taken and its commit refused).
-- KEYS[1] result key of the request
-- KEYS[2] leader lease key
-- ARGV[1] outcome JSON when a leader holds the lease (DEADLINE_EXCEEDED)
-- ARGV[2] outcome JSON when nobody leads (UNAVAILABLE)
-- ARGV[3] TTL of the error answer (ms)
-- Returns the answer now stored for the request.
local stored = redis.call('GET', KEYS[1])
if stored then
  return stored
end
local outcome = ARGV[2]
if redis.call('EXISTS', KEYS[2]) == 1 then
  outcome = ARGV[1]
end
redis.call('SET', KEYS[1], outcome, 'PX', ARGV[3])
return outcome
