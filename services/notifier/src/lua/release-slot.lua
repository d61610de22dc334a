--[[
  Ends a call's in-flight mark (only the caller's own), and after a 429 blocks the channel until
  `blockedUntil` in the same step, so no other call of the class can leave in between.

  KEYS[1] inflight  string: the job whose call is in flight
  KEYS[2] blocked   string: ms until which the channel is rate-limited
  ARGV[1] job       the caller's job id
  ARGV[2] blockedUntil  ms, or 0 when the call was not rate-limited
  ARGV[3] now       ms
]]
local inflightKey, blockedKey = KEYS[1], KEYS[2]
local job, blockedUntil, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if blockedUntil > 0 and tonumber(redis.call('GET', blockedKey) or '0') < blockedUntil then
  redis.call('SET', blockedKey, blockedUntil, 'PX', math.max(1, blockedUntil - now) + 60000)
end
if redis.call('GET', inflightKey) == job then redis.call('DEL', inflightKey) end
return 0
