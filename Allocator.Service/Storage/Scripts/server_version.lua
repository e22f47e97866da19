-- server_version.lua: the Redis server's version, checked at start (the other scripts need 7.0:
-- they use '#!lua' flags). Redis 7 and later give it to scripts; older servers only in INFO.
-- No keys, no arguments. Returns the version (e.g. "7.2.4"), or INFO's server section.
if redis.REDIS_VERSION then return redis.REDIS_VERSION end
return redis.call('INFO', 'server')
