--[[
  Cluster intake, step 3 of 3 (the ledger's slot), after each delivery's jobs are in their queues
  (add-jobs.lua, one call per queue): records the claimed deliveries, which marks them seen, and
  drops their claims. A failure before this step leaves only jobs whose ids a redelivery re-adds
  as a no-op, never a delivery marked seen without its jobs.

  KEYS[1]  ledger index (zset: event id by received-at ms)

  ARGV[1..6]  ttl, trim, maxRecords, cutoff, recordPrefix, bodySuffix (as commit-deliveries.lua)
  ARGV[7]     deliveries   how many follow
  then per delivery: fields JSON (as commit-deliveries.lua, plus claimKey) and body

  Returns the number of deliveries recorded. ledger-write.lua is prepended.
]]
local indexKey = KEYS[1]
local ttl, trim, maxRecords, cutoff = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local recordPrefix, bodySuffix, deliveries = ARGV[5], ARGV[6], tonumber(ARGV[7])
for d = 0, deliveries - 1 do
  local delivery = cjson.decode(ARGV[8 + d * 2])
  recordDelivery(delivery, ARGV[9 + d * 2], ttl, indexKey)
  redis.call('DEL', delivery.claimKey)
end
if trim == '1' then trimLedger(indexKey, maxRecords, cutoff, recordPrefix, bodySuffix) end
return deliveries
