import { GoneError, ValidationError } from '@app/common';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Tombstones are kept at least this long (`ops db maintenance` purges older ones): older tokens are refused. */
export const SYNC_TOKEN_MAX_AGE_MS = 30 * 86_400_000;
/**
 * A write becomes visible at most this long after the updatedAt it carries (request latency, clock
 * skew between replicas). Changes this recent are re-checked by the next sync, so a write that
 * committed just after a sync read is not missed.
 */
export const SYNC_SETTLE_MS = 5000;
/** At most this many already-delivered (id, version) marks travel in a token. */
export const SYNC_MAX_MARKS = 100;

/**
 * Where a client's sync of one calendar stands, for one user:
 * - every change with updatedAt < `t` has been delivered;
 * - of the changes with updatedAt >= `t`, those listed in `r` (id at version) have been delivered;
 * - `f`: the initial full sync is still paging (only live events, plus tombstones since `s`).
 */
export interface SyncPosition {
  /** The user the token was issued to. */
  u: string;
  /**
   * The calendar it syncs. Absent in tokens issued before calendars existed: those sync the user's
   * primary calendar (whose id is the user's).
   */
  c?: string;
  t: number;
  r: string[];
  f: boolean;
  /** Full sync: when it began (tombstones from then on are delivered too). */
  s: number;
  /** Issued at. */
  iat: number;
}

/** One change as the planner sees it. */
export interface ChangeRef {
  id: string;
  version: number;
  t: number;
}

/** An (id, version) mark: the 12 ObjectId bytes in base64url plus the version. */
export const markOf = (c: Pick<ChangeRef, 'id' | 'version'>): string =>
  `${Buffer.from(c.id, 'hex').toString('base64url')}.${c.version}`;

const compareKey = (a: ChangeRef, b: ChangeRef) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Given the changes fetched since `prev.t` (in (updatedAt, id) order, `fetchedAll` when the query
 * returned everything), picks what to deliver now (at most `limit`) and the next position. Pure, so
 * the subtle cases (same millisecond, a late commit, paging) are unit-tested.
 */
export function planSync<C extends ChangeRef>(
  prev: Pick<SyncPosition, 't' | 'r' | 'f'>,
  fetched: C[],
  limit: number,
  readTimeMs: number,
): { deliver: C[]; hasMore: boolean; next: Pick<SyncPosition, 't' | 'r' | 'f'> } {
  const already = new Set(prev.r);
  const fresh = fetched.filter((c) => !already.has(markOf(c)));
  const deliver = fresh.slice(0, limit);
  const hasMore = fresh.length > limit;
  // Everything fetched up to the last delivered change (or all of it) is now with the client.
  const last = deliver.at(-1);
  const known = hasMore && last ? fetched.filter((c) => compareKey(c, last) <= 0) : fetched;
  const settled = Math.max(prev.t, readTimeMs - SYNC_SETTLE_MS);
  let t = hasMore && last ? Math.min(settled, last.t) : settled;
  let marks = known.filter((c) => c.t >= t);
  if (marks.length > SYNC_MAX_MARKS) {
    // A burst of writes: move the bound up to the newest delivered change instead of carrying it all.
    t = Math.max(t, (hasMore && last ? last : known.at(-1))?.t ?? t);
    marks = known.filter((c) => c.t >= t);
  }
  return { deliver, hasMore, next: { t, r: marks.map(markOf), f: prev.f && hasMore } };
}

/**
 * The marks of a full sync that ended in one page, plus those of `unlisted`: changes in its settle
 * window that it did not list (events deleted just before it). The next sync re-checks that window
 * and would otherwise send their tombstones to a client that never had them. Within SYNC_MAX_MARKS;
 * past that an extra tombstone is sent, which clients ignore.
 */
export function withUnlistedMarks(next: Pick<SyncPosition, 't' | 'r'>, unlisted: ChangeRef[]): string[] {
  const room = Math.max(0, SYNC_MAX_MARKS - next.r.length);
  return [
    ...next.r,
    ...unlisted
      .filter((c) => c.t >= next.t)
      .slice(0, room)
      .map(markOf),
  ];
}

/**
 * Sync tokens: the position, base64url JSON, with an HMAC-SHA256 (key derived from JWT_SECRET), so
 * a client cannot forge or edit one. A token that does not verify, belongs to another user, or is
 * older than the tombstone retention is Gone (410): the client does a full sync. A token binds the
 * calendar it syncs: used with another calendarId it is a 400 naming both (the client mixed up its
 * per-calendar state; nothing is lost, the right token still works).
 */
export class SyncTokenCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'calendar-assistant', 'sync-token v1', 32));
  }

  encode(position: SyncPosition): string {
    const body = Buffer.from(
      JSON.stringify({
        v: 1,
        u: position.u,
        ...(position.c ? { c: position.c } : {}),
        t: position.t,
        r: position.r,
        f: position.f ? 1 : 0,
        s: position.s,
        iat: position.iat,
      }),
    ).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The position in a token of `ownerId` for calendar `calendarId` (the user's primary when it is the user's id). */
  decode(token: string, ownerId: string, now = Date.now(), calendarId = ownerId): SyncPosition {
    const gone = (why: string) =>
      new GoneError(`The sync token is ${why}; discard it and start over with a full sync (no syncToken).`);
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) throw gone('not valid');
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw gone('not valid');
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw gone('not valid');
    }
    if (raw.v !== 1 || raw.u !== ownerId) throw gone('not valid');
    const tokenCalendar = typeof raw.c === 'string' ? raw.c : ownerId;
    if (tokenCalendar !== calendarId) {
      throw new ValidationError(
        `The sync token is for calendar ${tokenCalendar}, not ${calendarId}: pass the calendarId it was issued for, or omit syncToken for a full sync of this one.`,
        [{ field: 'syncToken', message: `issued for calendar ${tokenCalendar}` }],
      );
    }
    const position: SyncPosition = {
      u: ownerId,
      ...(typeof raw.c === 'string' ? { c: raw.c } : {}),
      t: Number(raw.t),
      r: Array.isArray(raw.r) ? raw.r.map(String) : [],
      f: raw.f === 1,
      s: Number(raw.s),
      iat: Number(raw.iat),
    };
    if (![position.t, position.s, position.iat].every(Number.isFinite)) throw gone('not valid');
    if (
      now - position.iat > SYNC_TOKEN_MAX_AGE_MS ||
      (!position.f && now - position.t > SYNC_TOKEN_MAX_AGE_MS)
    ) {
      throw gone('older than 30 days (deletions that old are no longer kept)');
    }
    return position;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
