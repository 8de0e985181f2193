import { Injectable } from '@nestjs/common';
import type { AuthUserRecord } from '../users/user.repository';

/** How long a caller's account (role, time zone, session epoch) is reused before it is read again. */
export const AUTH_USER_CACHE_MS = 2000;
/** Callers remembered at most; the oldest make room. */
const MAX_ENTRIES = 10_000;

interface Entry {
  record: AuthUserRecord;
  expiresAt: number;
}

/**
 * The accounts of this process's recent callers, so a burst of requests by one user (a page load,
 * a client's sync) costs one users read rather than one each. Every change to an account made
 * through this process drops its entry at once (UserRepository calls `forget`); a logout, password
 * or role change made through another replica or by `ops` is in force everywhere within
 * AUTH_USER_CACHE_MS — the same bound as the deny list's refresh. Unknown accounts are never kept.
 */
@Injectable()
export class AuthUserCache {
  private readonly entries = new Map<string, Entry>();

  get(userId: string): AuthUserRecord | undefined {
    const entry = this.entries.get(userId);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.record;
    this.entries.delete(userId);
    return undefined;
  }

  set(userId: string, record: AuthUserRecord): void {
    this.entries.delete(userId); // re-inserted last: the Map's order is the age order
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(userId, { record, expiresAt: Date.now() + AUTH_USER_CACHE_MS });
  }

  forget(userId: string): void {
    this.entries.delete(userId);
  }

  get size(): number {
    return this.entries.size;
  }
}
