import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Appends a batch of events in order, each unless the stream already holds
 * it or a later one (atomic: Redis runs a script alone, so one round trip
 * appends the whole batch). The head hash remembers the last appended log
 * key and the stream's epoch; each entry records the key of the entry
 * before it, so a reader sees when it missed entries. The gap flag goes on
 * the first entry appended.
 *
 * KEYS: stream, head. ARGV: gap flag, epoch candidate, maxLength ("0":
 * none), maxAgeMs ("0": none), then per event: log key, event id, event
 * type, event JSON. Returns how many were appended.
 */
export const APPEND_SCRIPT = `
local head = redis.call('HMGET', KEYS[2], 'key', 'epoch')
local last = head[1]
local epoch = head[2] or ARGV[2]
local gap = ARGV[1]
local appended = 0
for i = 5, #ARGV, 4 do
  local key = ARGV[i]
  if not last or key > last then
    local xadd = {'XADD', KEYS[1]}
    if ARGV[3] ~= '0' then
      xadd[#xadd + 1] = 'MAXLEN'; xadd[#xadd + 1] = '~'; xadd[#xadd + 1] = ARGV[3]
    end
    xadd[#xadd + 1] = '*'
    local fields = {'key', key, 'previous', last or '', 'gap', gap, 'epoch', epoch, 'id', ARGV[i + 1], 'type', ARGV[i + 2], 'event', ARGV[i + 3]}
    for j = 1, #fields do xadd[#xadd + 1] = fields[j] end
    redis.call(unpack(xadd))
    last = key
    gap = '0'
    appended = appended + 1
  end
end
if appended == 0 then return 0 end
if ARGV[4] ~= '0' then
  local now = redis.call('TIME')
  local minid = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[4])
  if minid > 0 then redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', minid)) end
end
redis.call('HSET', KEYS[2], 'key', last, 'epoch', epoch)
return appended
`;

/**
 * Where a reader starts: the id of the stream's last entry ("0-0" when it
 * has none), the last appended log key and the epoch ("" when unknown), read
 * together so no append slips in between.
 */
export const POSITION_SCRIPT = `
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local head = redis.call('HMGET', KEYS[2], 'key', 'epoch')
local id = '0-0'
if top[1] then id = top[1][1] end
return {id, head[1] or '', head[2] or ''}
`;

/** A Lua script run by its SHA, loaded again when the server lost it (a restart). */
export class Script {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash("sha1").update(source).digest("hex");
  }

  async run<T>(redis: Redis, keys: string[], args: string[]): Promise<T> {
    try {
      return (await redis.evalsha(this.#sha, keys.length, ...keys, ...args)) as T;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return (await redis.eval(this.#source, keys.length, ...keys, ...args)) as T;
    }
  }
}
