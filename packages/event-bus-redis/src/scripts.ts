import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Appends one event unless the stream already holds it or a later one
 * (atomic: Redis runs a script alone). The head hash remembers the last
 * appended log key and the stream's epoch; each entry records the key of
 * the entry before it, so a reader sees when it missed entries.
 *
 * KEYS: stream, head. ARGV: log key, gap flag, event JSON, epoch candidate,
 * maxLength ("0": none), maxAgeMs ("0": none), event id, event type.
 * Returns 1 when appended, 0 when already there.
 */
export const APPEND_SCRIPT = `
local head = redis.call('HMGET', KEYS[2], 'key', 'epoch')
local last = head[1]
local epoch = head[2]
if last and ARGV[1] <= last then return 0 end
if not epoch then epoch = ARGV[4] end
local xadd = {'XADD', KEYS[1]}
if ARGV[5] ~= '0' then
  xadd[#xadd + 1] = 'MAXLEN'; xadd[#xadd + 1] = '~'; xadd[#xadd + 1] = ARGV[5]
end
xadd[#xadd + 1] = '*'
local fields = {'key', ARGV[1], 'previous', last or '', 'gap', ARGV[2], 'epoch', epoch, 'id', ARGV[7], 'type', ARGV[8], 'event', ARGV[3]}
for i = 1, #fields do xadd[#xadd + 1] = fields[i] end
redis.call(unpack(xadd))
if ARGV[6] ~= '0' then
  local now = redis.call('TIME')
  local minid = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[6])
  if minid > 0 then redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', minid)) end
end
redis.call('HSET', KEYS[2], 'key', ARGV[1], 'epoch', epoch)
return 1
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
