--[[
  Commits a batch of webhook deliveries: per delivery, the dedup check, its jobs (BullMQ's own
  addStandardJob, prepended to this script) and its ledger record, which is what marks it seen.

  KEYS[1..9]   addStandardJob's nine keys for the runs queue
  KEYS[10..18] the same for the image-updates queue
  KEYS[19..27] the same for the notifications queue
  KEYS[28]     ledger index (zset: event id by received-at ms)

  ARGV[1] ttl            seconds a record (and a GitHub delivery id or body hash) is kept
  ARGV[2] trim           '1' to trim the index to max records and to the ttl
  ARGV[3] maxRecords
  ARGV[4] cutoff         received-at ms before which index entries are trimmed
  ARGV[5] recordPrefix   a record's key is recordPrefix .. eventID
  ARGV[6] bodySuffix     its body's key is that key .. bodySuffix
  ARGV[7] deliveries     how many deliveries follow
  then, per delivery:
    fields   JSON object: seenKey (delivery id or Harbor body hash → event id), recordKey,
             bodyKey, byDeliveryKey, bodySeenKey (a GitHub delivery's signed-body hash → event id,
             or '' for Harbor and replays: the HMAC does not cover X-GitHub-Delivery, so a
             captured body under a new delivery id is the same event), record (JSON text),
             hasBody, eventID, receivedAt (ms), seenTtl (seconds), jobs (how many follow)
    body     the raw body ('' when not kept); binary, so not inside the JSON
    and per job 4 values: queue (1 runs, 2 image updates, 3 notifications), then
    addStandardJob's three ARGV (BullMQ's msgpack, binary too).

  Redis runs a script without interleaving, so a delivery is checked and written in one step: two
  copies in one batch or on two replicas cannot both pass. A script that fails half way keeps what
  it wrote (no rollback), so jobs come before the record that marks the delivery seen: a
  redelivery after a failure re-adds the same job ids (a no-op) and records it.

  Returns, per delivery, '' when stored, or the event id it duplicates.
  ledger-write.lua (recordDelivery, trimLedger, priorOf) is prepended.
]]
local queues = {}
for q = 0, 2 do
  local k = {}
  for i = 1, 9 do k[i] = KEYS[q * 9 + i] end
  queues[q + 1] = k
end
local indexKey = KEYS[28]
local ttl, trim, maxRecords, cutoff = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local recordPrefix, bodySuffix, deliveries = ARGV[5], ARGV[6], tonumber(ARGV[7])

local out = {}
local p = 8
for d = 1, deliveries do
  local delivery = cjson.decode(ARGV[p])
  local body = ARGV[p + 1]
  local firstJob = p + 2
  local prior = priorOf(delivery)
  if prior then
    out[d] = prior
  else
    for j = 0, delivery.jobs - 1 do
      local a = firstJob + j * 4
      local id = addStandardJob(queues[tonumber(ARGV[a])], {ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]})
      if type(id) == 'number' and id < 0 then return redis.error_reply('addStandardJob failed with ' .. id) end
    end
    recordDelivery(delivery, body, ttl, indexKey)
    out[d] = ''
  end
  p = firstJob + delivery.jobs * 4
end
if trim == '1' then trimLedger(indexKey, maxRecords, cutoff, recordPrefix, bodySuffix) end
return out
