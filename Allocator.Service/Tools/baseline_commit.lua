-- baseline_commit.lua: BENCHMARK COMPARATOR ONLY (the Agones-style design we replace).
-- One allocation committed with optimistic concurrency, as an Agones allocator updates a
-- GameServer: write the new version only if the stored one is the version the replica read.
-- KEYS[1] game server hash
-- ARGV[1] field (namespace/name), ARGV[2] version the replica read, ARGV[3] new JSON,
-- ARGV[4] change channel (every baseline replica's cache follows it, like an informer)
-- Returns 1 when written, 0 on a version conflict.
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return 0 end
local version = string.match(stored, '"version":(%d+)')
if version ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1
