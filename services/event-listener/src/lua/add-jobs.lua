--[[
  Cluster intake, step 2 of 3 (one queue's slot): adds a batch's jobs to one queue with BullMQ's
  own addStandardJob (prepended), exactly as Queue.add would. Job ids are deterministic, so adding
  again after a failed attempt is a no-op.

  KEYS[1..9]  addStandardJob's nine keys for the queue
  ARGV        per job addStandardJob's three ARGV (BullMQ's msgpack), one after another

  Returns the number of jobs added (or found already there).
]]
local n = 0
for a = 1, #ARGV, 3 do
  local id = addStandardJob(KEYS, {ARGV[a], ARGV[a + 1], ARGV[a + 2]})
  if type(id) == 'number' and id < 0 then return redis.error_reply('addStandardJob failed with ' .. id) end
  n = n + 1
end
return n
