import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { AuthUserRecord } from '../users/user.types';

/** How long a caller's account (role, time zone, session epoch) is reused before it is read again. */
export const AUTH_USER_CACHE_MS = 2000;
/** Callers remembered at most; the least recently used make room. */
const MAX_ENTRIES = 10_000;

/**
 * The accounts of this process's recent callers, so a burst of requests by one user (a page load,
 * a client's sync) costs one users read rather than one each. Every change to an account made
 * through this process drops its entry at once (UserRepository calls `forget`); a logout, password
 * or role change made through another replica or by `ops` is in force everywhere within
 * AUTH_USER_CACHE_MS — the same bound as the deny list's refresh. Unknown accounts are never kept.
 */
@Injectable()
export class AuthUserCache {
  private readonly entries = new LRUCache<string, AuthUserRecord>({
    max: MAX_ENTRIES,
    // lru-cache serves an entry while its age is at most `ttl`: one ms less keeps it under the bound.
    ttl: AUTH_USER_CACHE_MS - 1,
    // Read the clock on each lookup rather than caching it behind a timer per millisecond; the
    // wall clock, like the deny list's refresh it is bounded alike (and one a fake clock drives).
    ttlResolution: 0,
    perf: Date,
    // A read does not extend an entry's life: a change elsewhere is seen within the TTL.
    updateAgeOnGet: false,
  });

  get(userId: string): AuthUserRecord | undefined {
    return this.entries.get(userId);
  }

  set(userId: string, record: AuthUserRecord): void {
    this.entries.set(userId, record);
  }

  forget(userId: string): void {
    this.entries.delete(userId);
  }

  get size(): number {
    return this.entries.size;
  }
}
