import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { RedisService } from './redis.service';

/** Someone a hold blocks besides the account that made it. */
export interface HoldAttendee {
  id: string;
  email: string;
}

/** A tentative reservation of [start, end) while the user or the assistant confirms a slot. */
export interface SlotHold {
  id: string;
  start: Date;
  end: Date;
  expiresAt: Date;
  /** The account that made it (and alone may release it). */
  ownerId: string;
  /** The others it blocks for its lifetime (each has a copy in their own index). */
  attendees: HoldAttendee[];
}

export type SlotHoldClaim =
  { kind: 'held'; hold: SlotHold } | { kind: 'overlaps'; hold: SlotHold } | { kind: 'unavailable' };

interface StoredHold {
  start: number;
  end: number;
  expiresAt: number;
  /** Absent in holds stored before attendees existed: the index's owner. */
  owner?: string;
  attendees?: HoldAttendee[];
}

/**
 * Atomically: drop expired index entries, refuse when [start, end) overlaps a live hold of the same
 * user (their own or one that names them), else store the hold under its own key with a TTL and
 * index it. Keys share the `{owner}` hash tag so the script stays on one slot under Redis Cluster.
 *   KEYS[1] index (sorted set: member hold id, score expiry ms)   KEYS[2] the new hold's key
 *   ARGV: now, start, end, ttlMs, id, key prefix of the user's holds, the hold's JSON, its expiry
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
redis.call('SET', KEYS[2], ARGV[7], 'PX', tonumber(ARGV[4]))
redis.call('ZADD', KEYS[1], tonumber(ARGV[8]), ARGV[5])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4])) end
return {'held', ARGV[5], ARGV[7]}
`;

/**
 * An attendee's copy of a hold, so their own slots and everyone's searches with them leave it out.
 *   KEYS[1] the attendee's index   KEYS[2] the copy's key   ARGV: the hold's JSON, ttlMs, expiry, id
 */
const COPY_SCRIPT = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', tonumber(ARGV[2]))
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[4])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2])) end
return 1
`;

/**
 * Releases a hold only when this user made it (an attendee's copy is not theirs to release): the
 * stored JSON comes back so the copies can go too.   KEYS[1] index   KEYS[2] the hold's key
 *   ARGV: the user id, the hold id
 */
const RELEASE_SCRIPT = `
local raw = redis.call('GET', KEYS[2])
if not raw then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return false
end
local h = cjson.decode(raw)
if h.owner and h.owner ~= ARGV[1] then return false end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[2])
return raw
`;

/**
 * Slot holds in Redis: each hold is its own key with a TTL (`hold:{owner}:<id>`), so it expires on
 * its own; a per-user sorted set indexes the live ones. Creating a hold is atomic against the
 * user's other holds (one Lua script), so two confirmations cannot hold the same time.
 */
@Injectable()
export class SlotHoldStore {
  constructor(private readonly redis: RedisService) {}

  /**
   * Holds [start, end) for the owner, refused when it overlaps one of the owner's live holds; then
   * copies it into each attendee's index, so it blocks their time too until it lapses or is released.
   * (The attendees' own holds are checked by the caller beforehand: one atomic script cannot span
   * several users' hash slots under Redis Cluster.)
   */
  async claim(
    ownerId: string,
    start: Date,
    end: Date,
    ttlMs: number,
    now = Date.now(),
    attendees: HoldAttendee[] = [],
  ): Promise<SlotHoldClaim> {
    if (!this.redis.isReady) return { kind: 'unavailable' };
    const id = randomBytes(12).toString('base64url');
    const expiresAt = now + ttlMs;
    const value = JSON.stringify({
      start: start.getTime(),
      end: end.getTime(),
      expiresAt,
      owner: ownerId,
      attendees,
    } satisfies StoredHold);
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
        value,
        expiresAt,
      )) as [string, string, string];
      const hold = toHold(holdId, ownerId, JSON.parse(raw) as StoredHold);
      if (kind !== 'held') return { kind: 'overlaps', hold };
      await Promise.all(
        attendees.map((a) =>
          this.redis.client.eval(
            COPY_SCRIPT,
            2,
            indexKey(a.id),
            holdKey(a.id, id),
            value,
            ttlMs,
            expiresAt,
            id,
          ),
        ),
      );
      return { kind: 'held', hold };
    } catch {
      return { kind: 'unavailable' };
    }
  }

  /** The user's live holds (their own and those naming them), earliest first. Throws when Redis is unavailable. */
  async list(ownerId: string, now = Date.now()): Promise<SlotHold[]> {
    if (!this.redis.isReady) throw new Error('redis unavailable');
    const ids = await this.redis.client.zrangebyscore(indexKey(ownerId), now, '+inf');
    if (ids.length === 0) return [];
    const values = await this.redis.client.mget(ids.map((id) => holdKey(ownerId, id)));
    const holds: SlotHold[] = [];
    values.forEach((raw, i) => {
      if (raw) holds.push(toHold(ids[i], ownerId, JSON.parse(raw) as StoredHold));
    });
    return holds.sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  /**
   * Releases a hold the user made, and its attendees' copies; false when there is no such live hold
   * made by this user (an attendee cannot release it). Throws when Redis is unavailable.
   */
  async release(ownerId: string, id: string): Promise<boolean> {
    if (!this.redis.isReady) throw new Error('redis unavailable');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return false;
    const raw = (await this.redis.client.eval(
      RELEASE_SCRIPT,
      2,
      indexKey(ownerId),
      holdKey(ownerId, id),
      ownerId,
      id,
    )) as string | null;
    if (!raw) return false;
    const { attendees } = toHold(id, ownerId, JSON.parse(raw) as StoredHold);
    await Promise.all(
      attendees.map((a) => this.redis.client.multi().del(holdKey(a.id, id)).zrem(indexKey(a.id), id).exec()),
    );
    return true;
  }

  /** Milliseconds until the hold expires on its own (-2 when it is gone). */
  async ttlMs(ownerId: string, id: string): Promise<number> {
    return this.redis.client.pttl(holdKey(ownerId, id));
  }
}

const indexKey = (ownerId: string) => `holds:{${ownerId}}`;
const holdKey = (ownerId: string, id: string) => `hold:{${ownerId}}:${id}`;
const toHold = (id: string, indexOwner: string, h: StoredHold): SlotHold => ({
  id,
  start: new Date(h.start),
  end: new Date(h.end),
  expiresAt: new Date(h.expiresAt),
  ownerId: h.owner ?? indexOwner,
  attendees: Array.isArray(h.attendees) ? h.attendees : [],
});
