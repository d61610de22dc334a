--[[
  Releases a thread lock only while it is still the caller's (it may have expired and been taken).

  KEYS[1] lock   string: the holder's owner token
  ARGV[1] owner  the caller's owner token
  Returns 1 when the lock was released, 0 when it was someone else's or gone.
]]
local lock, owner = KEYS[1], ARGV[1]
if redis.call('GET', lock) == owner then return redis.call('DEL', lock) end
return 0
