--[[
  Cluster intake, step 1 of 3 (the ledger's slot): claims each delivery of a batch that is not
  seen yet, so two copies arriving on two listener replicas at once cannot both go on to add jobs
  and record. A claim lives claimMs (shorter than the ack deadline): a listener that dies after
  claiming holds a redelivery back only that long.

  KEYS[1]  ledger index (not touched: it routes the script to the ledger's slot)

  ARGV[1]  claimMs   how long a claim holds
  ARGV[2]  token     this batch's claim value
  then per delivery one JSON object: seenKey, bodySeenKey ('' when none), claimKey

  Returns, per delivery: '' claimed, '!' claimed by another copy in progress, or the event id
  it duplicates. ledger-write.lua (priorOf) is prepended.
]]
local claimMs, token = ARGV[1], ARGV[2]
local out = {}
for d = 3, #ARGV do
  local delivery = cjson.decode(ARGV[d])
  local prior = priorOf(delivery)
  if prior then
    out[#out + 1] = prior
  elseif redis.call('SET', delivery.claimKey, token, 'PX', claimMs, 'NX') then
    out[#out + 1] = ''
  else
    out[#out + 1] = '!'
  end
end
return out
