--[[
  Finds (or founds) the change a notification belongs to, atomically, so two replicas resolving
  the image and the commit of one change at once agree on one thread.

  KEYS[1] job      string: the change this job resolved to (a retry resolves the same)
  KEYS[2] shas     zset (lex, score 0): "<sha>\n<changeId>" of commits seen
  KEYS[3] tags     zset (lex, score 0): "<tag>\n<changeId>" of images whose tag may be a sha prefix
  KEYS[4] seen     zset (score = ms): members of shas/tags, for expiry
  KEYS[5] aliasA   string: changeId of repo@sha (absent key when the notification has no commit)
  KEYS[6] aliasB   string: changeId of image@digest (absent key when it has no image)
  ARGV[1] repoSha  "repo@sha" or ""
  ARGV[2] imageDigest "image@digest" or ""
  ARGV[3] sha      lower-case commit sha or ""
  ARGV[4] tag      image tag when it looks like a sha prefix (7–40 hex), else ""
  ARGV[5] now      ms
  ARGV[6] ttl      seconds a change can be joined (7 days)
  ARGV[7] fallback changeId when nothing identifies a change (one message per notification)
  ARGV[8] force    "1": found a change even for an image notification that cannot be joined yet
  Returns the changeId; false when an image notification knows no commit (no sha-like tag) and no
  change of its image@digest exists yet: its image.pushed, which carries the tag, may still come.
]]
local jobKey, shas, tags, seen, aliasA, aliasB = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local repoSha, imageDigest, sha, tag = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now, ttl, fallback = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]

local known = redis.call('GET', jobKey)
if known then return known end

-- Forget what is older than the join window.
local old = redis.call('ZRANGEBYSCORE', seen, '-inf', now - ttl * 1000)
for _, member in ipairs(old) do
  redis.call('ZREM', shas, member)
  redis.call('ZREM', tags, member)
  redis.call('ZREM', seen, member)
end

local id
if imageDigest ~= '' then id = redis.call('GET', aliasB) end
if not id and repoSha ~= '' then id = redis.call('GET', aliasA) end
local function changeOf(member) return string.sub(member, string.find(member, '\n', 1, true) + 1) end
if not id and tag ~= '' then
  -- A commit whose sha starts with this tag.
  local hit = redis.call('ZRANGEBYLEX', shas, '[' .. tag, '[' .. tag .. '\255', 'LIMIT', 0, 1)
  if hit[1] then id = changeOf(hit[1]) end
end
if not id and sha ~= '' then
  -- An image seen first whose tag is a prefix (≥ 7) of this sha.
  for len = #sha, 7, -1 do
    local prefix = string.sub(sha, 1, len)
    local hit = redis.call('ZRANGEBYLEX', tags, '[' .. prefix .. '\n', '[' .. prefix .. '\n\255', 'LIMIT', 0, 1)
    if hit[1] then id = changeOf(hit[1]); break end
  end
end
if not id and ARGV[8] ~= '1' and imageDigest ~= '' and sha == '' and tag == '' then
  return false
end
if not id then
  if repoSha ~= '' then id = repoSha elseif imageDigest ~= '' then id = imageDigest else id = fallback end
end

if repoSha ~= '' then redis.call('SET', aliasA, id, 'EX', ttl, 'NX') end
if imageDigest ~= '' then redis.call('SET', aliasB, id, 'EX', ttl, 'NX') end
if sha ~= '' then
  local member = sha .. '\n' .. id
  redis.call('ZADD', shas, 0, member)
  redis.call('ZADD', seen, now, member)
end
if tag ~= '' then
  local member = tag .. '\n' .. id
  redis.call('ZADD', tags, 0, member)
  redis.call('ZADD', seen, now, member)
end
redis.call('SET', jobKey, id, 'EX', ttl)
return id
