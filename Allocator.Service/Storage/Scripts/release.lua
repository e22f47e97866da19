-- release.lua: a commit is on MinReplicas replicas (WAIT said so): raise the replicated mark,
-- so fronts may hand its stored answers out, and send its answers.
-- KEYS[1] replicated mark (highest commit known replicated)
-- ARGV[1] the commit now replicated
-- ARGV[2..] (channel, payload) pairs: one reply message per replica
-- Returns the replicated mark. It only rises: a slow release never lowers it.
local mark = tonumber(redis.call('GET', KEYS[1]) or '0')
local commit = tonumber(ARGV[1])
if commit > mark then
  redis.call('SET', KEYS[1], commit)
  mark = commit
end
for at = 2, #ARGV, 2 do
  redis.call('SPUBLISH', ARGV[at], ARGV[at + 1])
end
return mark
