--[[
  Raises a thread's `done` (the version its parent message shows) to `version`, never lowers it,
  so a slower job that rendered an older version cannot mark the thread behind a newer update.

  KEYS[1] thread   hash: version, done, … (see add-event.lua)
  ARGV[1] version  the thread version the parent now shows
]]
local thread, version = KEYS[1], tonumber(ARGV[1])
if tonumber(redis.call('HGET', thread, 'done') or '0') < version then
  redis.call('HSET', thread, 'done', version)
end
return 0
