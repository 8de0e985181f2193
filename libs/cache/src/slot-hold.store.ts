import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { RedisService } from './redis.service';

/** A tentative reservation of [start, end) while the user or the assistant confirms a slot. */
export interface SlotHold {
  id: string;
  start: Date;
  end: Date;
  expiresAt: Date;
}

export type SlotHoldClaim =
  { kind: 'held'; hold: SlotHold } | { kind: 'overlaps'; hold: SlotHold } | { kind: 'unavailable' };

interface StoredHold {
  start: number;
  end: number;
  expiresAt: number;
}

/**
 * Atomically: drop expired index entries, refuse when [start, end) overlaps a live hold of the same
 * user, else store the hold under its own key with a TTL and index it. Keys share the `{owner}` hash
 * tag so the script stays on one slot under Redis Cluster.
 *   KEYS[1] index (sorted set: member hold id, score expiry ms)   KEYS[2] the new hold's key
 *   ARGV: now, start, end, ttlMs, id, key prefix of the user's holds
 */
const CLAIM_SCRIPT = `
local now = tonumber(ARGV[1])
local s = tonumber(ARGV[2])
local e = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  local raw = redis.call('GET', ARGV[6] .. id)
  if raw then
    local h = cjson.decode(raw)
    if h.start < e and h['end'] > s then return {'overlaps', id, raw} end
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
local expiresAt = now + tonumber(ARGV[4])
local value = cjson.encode({start = s, ['end'] = e, expiresAt = expiresAt})
redis.call('SET', KEYS[2], value, 'PX', tonumber(ARGV[4]))
redis.call('ZADD', KEYS[1], expiresAt, ARGV[5])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4])) end
return {'held', ARGV[5], value}
`;

/**
 * Slot holds in Redis: each hold is its own key with a TTL (`hold:{owner}:<id>`), so it expires on
 * its own; a per-user sorted set indexes the live ones. Creating a hold is atomic against the
 * user's other holds (one Lua script), so two confirmations cannot hold the same time.
 */
@Injectable()
export class SlotHoldStore {
  constructor(private readonly redis: RedisService) {}

  async claim(
    ownerId: string,
    start: Date,
    end: Date,
    ttlMs: number,
    now = Date.now(),
  ): Promise<SlotHoldClaim> {
    if (!this.redis.isReady) return { kind: 'unavailable' };
    const id = randomBytes(12).toString('base64url');
    try {
      const [kind, holdId, raw] = (await this.redis.client.eval(
        CLAIM_SCRIPT,
        2,
        indexKey(ownerId),
        holdKey(ownerId, id),
        now,
        start.getTime(),
        end.getTime(),
        ttlMs,
        id,
        holdKey(ownerId, ''),
      )) as [string, string, string];
      const hold = toHold(holdId, JSON.parse(raw) as StoredHold);
      return kind === 'held' ? { kind: 'held', hold } : { kind: 'overlaps', hold };
    } catch {
      return { kind: 'unavailable' };
    }
  }

  /** The user's live holds, earliest first. Throws when Redis is unavailable. */
  async list(ownerId: string, now = Date.now()): Promise<SlotHold[]> {
    if (!this.redis.isReady) throw new Error('redis unavailable');
    const ids = await this.redis.client.zrangebyscore(indexKey(ownerId), now, '+inf');
    if (ids.length === 0) return [];
    const values = await this.redis.client.mget(ids.map((id) => holdKey(ownerId, id)));
    const holds: SlotHold[] = [];
    values.forEach((raw, i) => {
      if (raw) holds.push(toHold(ids[i], JSON.parse(raw) as StoredHold));
    });
    return holds.sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  /** Releases a hold; false when there is no such live hold of this user. Throws when Redis is unavailable. */
  async release(ownerId: string, id: string): Promise<boolean> {
    if (!this.redis.isReady) throw new Error('redis unavailable');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return false;
    const [[, deleted]] = (await this.redis.client
      .multi()
      .del(holdKey(ownerId, id))
      .zrem(indexKey(ownerId), id)
      .exec()) as [[Error | null, number], [Error | null, number]];
    return deleted === 1;
  }

  /** Milliseconds until the hold expires on its own (-2 when it is gone). */
  async ttlMs(ownerId: string, id: string): Promise<number> {
    return this.redis.client.pttl(holdKey(ownerId, id));
  }
}

const indexKey = (ownerId: string) => `holds:{${ownerId}}`;
const holdKey = (ownerId: string, id: string) => `hold:{${ownerId}}:${id}`;
const toHold = (id: string, h: StoredHold): SlotHold => ({
  id,
  start: new Date(h.start),
  end: new Date(h.end),
  expiresAt: new Date(h.expiresAt),
});
