import { createHash } from 'node:crypto';

/**
 * Lua scripts, each touching one room's keys only (one hash slot), so they run unchanged on a
 * Redis Cluster. Channels are passed as KEYS too: a cluster routes a script by its keys.
 */
export interface Script {
  readonly source: string;
  readonly sha: string;
  readonly keys: number;
}

function script(source: string, keys: number): Script {
  return { source, keys, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Numbers, stores and publishes one message atomically. A missing room (or one whose counter is
 * below what a node has already seen: Redis lost data) starts a new epoch above the floor, so
 * `seq` never goes back for connected members and resuming clients learn the history is gone.
 * Within an epoch seqs are contiguous, which makes every gap in the history a real loss.
 * KEYS: meta, stream, channel. ARGV: new epoch, floor, draft JSON (an object without seq), maxlen.
 * Returns {seq, epoch}.
 */
export const PUBLISH = script(
  `
local cur = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'base')
local epoch, seq, base = cur[1], tonumber(cur[2]) or 0, tonumber(cur[3]) or 0
local floor = tonumber(ARGV[2])
if not epoch or (floor > seq and seq > base) then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[2])
  base, seq = floor, floor + 1
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', seq, 'base', base)
elseif floor > seq then
  base, seq = floor, floor + 1
  redis.call('HSET', KEYS[1], 'seq', seq, 'base', base)
else
  seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
end
local msg = '{"seq":' .. seq .. ',' .. string.sub(ARGV[3], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], seq .. '-0', 'm', msg)
redis.call('SPUBLISH', KEYS[3], '["m","' .. epoch .. '",' .. msg .. ']')
return {seq, epoch}
`,
  3,
);

/**
 * A room's position, creating its epoch when the room was never written, and the newest `count`
 * history entries at or after `start` ('-' for all), newest first.
 * KEYS: meta, stream. ARGV: new epoch, start, count. Returns {epoch, seq, base, entries}.
 */
export const READ = script(
  `
local cur = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'base')
local epoch = cur[1]
if not epoch then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0, 'base', 0)
  redis.call('DEL', KEYS[2])
  return {epoch, 0, 0, {}}
end
local entries = {}
if tonumber(ARGV[3]) > 0 then
  entries = redis.call('XREVRANGE', KEYS[2], '+', ARGV[2], 'COUNT', ARGV[3])
end
return {epoch, tonumber(cur[2]) or 0, tonumber(cur[3]) or 0, entries}
`,
  2,
);

/**
 * After Redis came back (maybe empty): makes the room's counter at least the highest seq this node
 * delivered, by the same rule as PUBLISH, so a node that has seen nothing cannot number below it.
 * KEYS: meta, stream. ARGV: new epoch, floor. Returns 1 when it changed the room.
 */
export const RAISE = script(
  `
local cur = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'base')
local epoch, seq, base = cur[1], tonumber(cur[2]) or 0, tonumber(cur[3]) or 0
local floor = tonumber(ARGV[2])
if epoch and floor <= seq then return 0 end
if not epoch or seq > base then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[2])
end
redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', floor, 'base', floor)
return 1
`,
  2,
);

/**
 * Removes a presence entry only while `owner` holds it (a resumed connection belongs to its new
 * socket). KEYS: presence. ARGV: clientId, owner. Returns 1 when removed.
 */
export const PRESENCE_REMOVE = script(
  `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
if cjson.decode(raw).owner ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`,
  1,
);

/**
 * Removes a dead node's entries (owner `<node>/...`) from one room and tells every node's members
 * they left, tagged with the dead node's id. KEYS: presence, channel. ARGV: node. Returns the
 * number removed.
 */
export const SWEEP_ROOM = script(
  `
local all = redis.call('HGETALL', KEYS[1])
local mine = ARGV[1] .. '/'
local n = 0
for i = 1, #all, 2 do
  local entry = cjson.decode(all[i + 1])
  if string.sub(entry.owner, 1, #mine) == mine then
    redis.call('HDEL', KEYS[1], all[i])
    redis.call('SPUBLISH', KEYS[2], cjson.encode({'p', ARGV[1], 'left', entry.member}))
    n = n + 1
  end
end
return n
`,
  2,
);
