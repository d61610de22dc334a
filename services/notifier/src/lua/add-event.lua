--[[
  Adds a notification to a thread's events once and returns the thread version that includes it
  (the same version on a repeat), so a job knows when the parent shows its step.

  KEYS[1] events   hash: jobId -> notification JSON
  KEYS[2] thread   hash: version, done, parent, ts:<jobId>, intent:<id>, v:<jobId>
  ARGV[1] jobId
  ARGV[2] notification JSON
  ARGV[3] ttl seconds (both keys)
]]
local events, thread = KEYS[1], KEYS[2]
local jobId, body, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local v = redis.call('HGET', thread, 'v:' .. jobId)
if not v then
  redis.call('HSET', events, jobId, body)
  v = redis.call('HINCRBY', thread, 'version', 1)
  redis.call('HSET', thread, 'v:' .. jobId, v)
end
redis.call('EXPIRE', events, ttl)
redis.call('EXPIRE', thread, ttl)
return tonumber(v)
