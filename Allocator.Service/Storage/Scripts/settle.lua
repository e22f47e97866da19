-- settle.lua: the front's last word on a call at its deadline, in one step: the stored
-- answer if the leader committed one, else this front's error written as the answer (so a
-- leader still deciding the request finds the result key taken and its commit refused).
-- Kubernetes mode: an answer waiting for Kubernetes (its held marker is set) is not settled:
-- the allocation may still land, and then becomes the answer.
-- KEYS[1] result key of the request
-- KEYS[2] leader lease key
-- KEYS[3] held marker of the request (Kubernetes mode only)
-- ARGV[1] outcome JSON when a leader holds the lease (DEADLINE_EXCEEDED)
-- ARGV[2] outcome JSON when nobody leads (UNAVAILABLE)
-- ARGV[3] TTL of the error answer (ms)
-- ARGV[4] outcome JSON when the answer waits for Kubernetes (not stored)
-- Returns the answer now stored for the request (or ARGV[4]).
local stored = redis.call('GET', KEYS[1])
if stored then
  return stored
end
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then
  return ARGV[4]
end
local outcome = ARGV[2]
if redis.call('EXISTS', KEYS[2]) == 1 then
  outcome = ARGV[1]
end
redis.call('SET', KEYS[1], outcome, 'PX', ARGV[3])
return outcome
