import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { CalendarAccessService } from '../calendars/calendar-access.service';
import { Caller, PRIMARY } from '../calendars/calendar-role';
import { attendeeView, viewFor } from '../events/event.mapper';
import type { EventRecord } from '../events/event.schema';
import { EventReadRepository } from './event-read.repository';
import {
  planSync,
  SYNC_MAX_MARKS,
  SYNC_SETTLE_MS,
  SyncPosition,
  SyncTokenCodec,
  withUnlistedMarks,
} from './sync-token';
import type { SyncResponse } from './sync.dto';

/**
 * Incremental sync, as Google Calendar's: without a token, every live event and a token; with one,
 * what changed since (created and updated events, deleted ones — and ones moved to another
 * calendar — as tombstones `{id, deleted: true}`)
 * and a new token. Changes are read from the events collection itself in (updatedAt, _id) order —
 * soft deletes keep tombstones, a move remembers the calendars left — so no write path has to record anything extra. Expired or forged
 * tokens are Gone (410).
 *
 * One calendar per token: the caller needs `reader` on it, re-checked on every call (a revoked role
 * is a 404 with any token, a freeBusyReader a 403), and a reader gets private events as busy only.
 *
 * The caller's own primary calendar also carries the meetings they are invited to, wherever they
 * are (as GET /v1/events lists them): with their own response, and as deleted once cancelled or
 * once they are taken off the guest list. Only the account itself gets these — a reader of someone
 * else's primary calendar sees that calendar's own events only.
 */
@Injectable()
export class EventSyncService {
  private readonly codec: SyncTokenCodec;

  constructor(
    private readonly reads: EventReadRepository,
    private readonly access: CalendarAccessService,
    config: AppConfig,
  ) {
    this.codec = new SyncTokenCodec(config.jwt.secret);
  }

  async sync(
    caller: Caller,
    q: { calendarId?: string; syncToken?: string; limit?: number },
    now = Date.now(),
  ): Promise<SyncResponse> {
    const { records: _records, ...response } = await this.syncRecords(caller, q, now);
    return response;
  }

  /**
   * The same answer, with the records it was made from by id (CalDAV answers from them rather than
   * reading the changed events again).
   */
  async syncRecords(
    caller: Caller,
    {
      calendarId = PRIMARY,
      syncToken,
      limit = 500,
    }: { calendarId?: string; syncToken?: string; limit?: number },
    now = Date.now(),
  ): Promise<SyncResponse & { records: Map<string, EventRecord> }> {
    const grant = await this.access.require(caller, calendarId, 'reader');
    const prev: SyncPosition = syncToken
      ? this.codec.decode(syncToken, caller.id, now, grant.calendarId)
      : { u: caller.id, t: 0, r: [], f: true, s: now, iat: now };
    // Full sync: the first page has live events only; later pages also the tombstones of events that
    // may have been delivered live on an earlier page. Incremental: every change, tombstones included.
    const tombstonesSince = !syncToken ? null : prev.f ? prev.s - SYNC_SETTLE_MS : 0;
    const me = grant.calendarId === caller.id ? caller.email.toLowerCase() : undefined;
    const records = await this.reads.changedSince(
      grant.calendarId,
      prev.t,
      limit + prev.r.length + 1,
      tombstonesSince,
      me,
    );
    const refs = records.map(refOf);
    const { deliver, hasMore, next } = planSync(prev, refs, limit, now);
    if (!syncToken && !hasMore) {
      // Events deleted in the settle window before this full sync are not news to this client.
      const listed = new Set(deliver.map((c) => c.id));
      const recent = await this.reads.changedSince(grant.calendarId, next.t, 2 * SYNC_MAX_MARKS, 0, me);
      const unlisted = recent.filter((r) => r.deletedAt && !listed.has(String(r._id))).map(refOf);
      next.r = withUnlistedMarks(next, unlisted);
    }
    return {
      items: deliver.flatMap(({ record }): SyncResponse['items'] => {
        const tombstone = { id: String(record._id), uid: record.uid, deleted: true as const };
        const here = String(record.calendarId) === grant.calendarId;
        if (!record.deletedAt && here) return [viewFor(record, caller.timeZone, grant.role)];
        // Their own meeting in another calendar (the organizer is on its guest list) is no invitation:
        // only its leaving this calendar is news here.
        if (!here && me && record.organizer?.email === me)
          return (record.formerCalendarIds ?? []).map(String).includes(grant.calendarId) ? [tombstone] : [];
        if (!record.deletedAt && me && (record.attendeeEmails ?? []).includes(me))
          return [attendeeView(caller, record, caller.timeZone)];
        // Deleted, moved to another calendar, or (for an attendee) cancelled or taken off the list.
        return [tombstone];
      }),
      nextSyncToken: this.codec.encode({ ...next, u: caller.id, c: grant.calendarId, s: prev.s, iat: now }),
      hasMore,
      fullSync: prev.f,
      records: new Map(deliver.map(({ record }) => [String(record._id), record])),
    };
  }

  /** For tests and tooling: a token as the service would issue it. */
  get tokens(): SyncTokenCodec {
    return this.codec;
  }
}

const refOf = (record: EventRecord) => ({
  id: String(record._id),
  version: record.version,
  t: new Date(record.updatedAt).getTime(),
  record,
});
