--[[
  The ledger's writes, shared by commit-deliveries.lua (one script per batch, standalone and
  Sentinel) and record-deliveries.lua (its last step on Cluster). Prepended to both; defines:

  recordDelivery(delivery, body, ttl, indexKey)
    delivery  the fields JSON of one delivery (see commit-deliveries.lua): recordKey, record,
              hasBody, bodyKey, seenKey, seenTtl, bodySeenKey, byDeliveryKey, eventID, receivedAt
    writes its record (and body), then the keys that mark it seen, then its index entry.

  trimLedger(indexKey, maxRecords, cutoff, recordPrefix, bodySuffix)
    drops index entries (and their records and bodies) beyond maxRecords or older than cutoff.

  Every key here carries the ledger's one hash tag, so both scripts stay in one Cluster slot.
]]
local function recordDelivery(delivery, body, ttl, indexKey)
  redis.call('SET', delivery.recordKey, delivery.record, 'EX', ttl)
  if delivery.hasBody then redis.call('SET', delivery.bodyKey, body, 'EX', ttl) end
  redis.call('SET', delivery.seenKey, delivery.eventID, 'EX', delivery.seenTtl)
  if delivery.bodySeenKey ~= '' then redis.call('SET', delivery.bodySeenKey, delivery.eventID, 'EX', ttl) end
  redis.call('SET', delivery.byDeliveryKey, delivery.eventID, 'EX', ttl)
  redis.call('ZADD', indexKey, delivery.receivedAt, delivery.eventID)
end

local function trimLedger(indexKey, maxRecords, cutoff, recordPrefix, bodySuffix)
  local old = redis.call('ZRANGE', indexKey, 0, -maxRecords - 1)
  for _, id in ipairs(old) do redis.call('UNLINK', recordPrefix .. id, recordPrefix .. id .. bodySuffix) end
  if #old > 0 then redis.call('ZREMRANGEBYRANK', indexKey, 0, #old - 1) end
  redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', cutoff)
end

--[[
  A delivery already accepted: the event id it was accepted under, or nil. The key that says so is
  written again (same value and TTL): replication is one ordered stream, so a WAIT after this
  script counts only replicas that also have the original delivery, and a duplicate is not
  answered 202 while the original may exist on the primary alone (a 503 whose WAIT timed out).
]]
local function priorOf(delivery)
  local key = delivery.seenKey
  local prior = redis.call('GET', key)
  if not prior and delivery.bodySeenKey ~= '' then
    key = delivery.bodySeenKey
    prior = redis.call('GET', key)
  end
  if prior then redis.call('SET', key, prior, 'KEEPTTL') end
  return prior
end
