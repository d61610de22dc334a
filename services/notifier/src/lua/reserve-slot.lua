--[[
  Paces calls to one Slack channel: each caller gets its own time slot `interval` ms apart, and
  nobody calls while the channel is blocked by a 429's Retry-After.

  KEYS[1] next     string: ms of the next free slot
  KEYS[2] blocked  string: ms until which the channel is rate-limited (Retry-After)
  KEYS[3] res      string: the slot this caller reserved earlier (ms)
  ARGV[1] now      ms
  ARGV[2] interval ms between calls
  Returns 0 to call now, else how many ms to wait (the slot is kept for this caller).
]]
local nextKey, blockedKey, resKey = KEYS[1], KEYS[2], KEYS[3]
local now, interval = tonumber(ARGV[1]), tonumber(ARGV[2])

local blocked = tonumber(redis.call('GET', blockedKey) or '0')
if now < blocked then
  -- Slots reserved before the 429 are void: everyone queues again once the block is over.
  redis.call('DEL', resKey)
  return blocked - now
end
local reserved = tonumber(redis.call('GET', resKey) or '')
if reserved then
  if reserved <= now + 20 then
    redis.call('DEL', resKey)
    return 0
  end
  return reserved - now
end
local slot = math.max(now, tonumber(redis.call('GET', nextKey) or '0'))
redis.call('SET', nextKey, slot + interval, 'PX', interval + 60000)
if slot <= now + 20 then return 0 end
redis.call('SET', resKey, slot, 'PX', slot - now + 60000)
return slot - now
