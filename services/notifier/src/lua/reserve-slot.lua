--[[
  Paces calls to one Slack channel, per pacing class (post, update, read): each caller gets its own
  time slot `interval` ms apart; nobody calls while the channel is blocked by a 429's Retry-After;
  and at most one call of a class is in flight, so a call never leaves while an earlier one's 429
  is still on its way back (it would be sent after Slack had asked us to wait).

  KEYS[1] next      string: ms of the next free slot
  KEYS[2] blocked   string: ms until which the channel is rate-limited (Retry-After)
  KEYS[3] res       string: the slot this caller reserved earlier (ms)
  KEYS[4] inflight  string: the job whose call of this class is in flight (expires with the lease)
  ARGV[1] now       ms
  ARGV[2] interval  ms between calls
  ARGV[3] job       this caller's job id
  ARGV[4] lease     ms an in-flight mark lasts if its holder dies before releasing it
  Returns 0 to call now (the in-flight mark is this caller's), else how many ms to wait (a slot
  reserved earlier is kept for this caller).
]]
local nextKey, blockedKey, resKey, inflightKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, interval, job, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])

local blocked = tonumber(redis.call('GET', blockedKey) or '0')
if now < blocked then
  -- Slots reserved before the 429 are void: everyone queues again once the block is over.
  redis.call('DEL', resKey)
  return blocked - now
end
local holder = redis.call('GET', inflightKey)
local busy = holder and holder ~= job
local reserved = tonumber(redis.call('GET', resKey) or '')
if reserved then
  if reserved <= now + 20 then
    -- Our slot has come, but an earlier call has not answered yet: keep the slot, look again soon.
    if busy then return 50 end
    redis.call('DEL', resKey)
    redis.call('SET', inflightKey, job, 'PX', lease)
    return 0
  end
  return reserved - now
end
local slot = math.max(now, tonumber(redis.call('GET', nextKey) or '0'))
redis.call('SET', nextKey, slot + interval, 'PX', interval + 60000)
if slot <= now + 20 and not busy then
  redis.call('SET', inflightKey, job, 'PX', lease)
  return 0
end
local at = math.max(slot, now + 50)
redis.call('SET', resKey, at, 'PX', at - now + 60000)
return at - now
