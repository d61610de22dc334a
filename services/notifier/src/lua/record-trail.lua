--[[
  Records one step of an event's trail (event-trail.ts): the hash field of one run, pull request
  or Slack thread holds its latest state. A step ranked below the one recorded (kindRank), or of
  the same rank but older, changes nothing, so a late or repeated notification never moves a
  run backwards; the same step again writes the same value.

  KEYS[1]  the event's trail hash (eventTrailKey)

  ARGV[1]  field   `run:<namespace>/<name>`, `pr:<url>` or `slack:<channel>`
  ARGV[2]  entry   JSON object with numbers `rank` and `at` (ms) beside the entry's own fields
  ARGV[3]  ttl     seconds the trail is kept after its last step (the ledger's TTL)

  Returns 1 when the field was written, 0 when it holds a later step.
]]
local key, field, text, ttl = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local entry = cjson.decode(text)
local current = redis.call('HGET', key, field)
if current then
  local c = cjson.decode(current)
  if c.rank > entry.rank or (c.rank == entry.rank and c.at > entry.at) then
    redis.call('EXPIRE', key, ttl)
    return 0
  end
end
redis.call('HSET', key, field, text)
redis.call('EXPIRE', key, ttl)
return 1
