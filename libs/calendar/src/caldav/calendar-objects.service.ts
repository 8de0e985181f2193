import { Injectable } from '@nestjs/common';
import { GoneError, PreconditionFailedError, ValidationError } from '@app/common';
import { AvailabilityService } from '../availability/availability.service';
import { CalendarAccessService, CalendarGrant } from '../calendars/calendar-access.service';
import { Caller, CalendarRole, roleAtLeast } from '../calendars/calendar-role';
import { CalendarRepository } from '../calendars/calendar.repository';
import { organizerOf, responseOf } from '../events/attendees';
import { etagOf, toSeries } from '../events/event.mapper';
import { EventRepository } from '../events/event.repository';
import { asOnPrimary } from '../events/meeting-people';
import type { EventFields, EventRecord } from '../events/event.schema';
import { EventService } from '../events/event.service';
import { expandOccurrences } from '../recurrence/expand';
import ICAL from '../ical/ical';
import { readExtras } from '../ical/ics-extras';
import { IcsFormatError, ImportedEvent, readCalendar } from '../ical/ics-reader';
import { importedState } from '../ical/ics.service';
import { writeCalendar, writeExpanded, writeFreeBusy } from '../ical/ics-writer';
import { isUtcZone } from '../ical/vtimezone';
import { EventChangePublisher } from '../sync/event-change.publisher';
import { EventReadRepository } from '../sync/event-read.repository';
import { EventSyncService } from '../sync/event-sync.service';
import { SYNC_SETTLE_MS } from '../sync/sync-token';
import { CALDAV_NS, DavPreconditionError, invalidCalendarData, invalidSyncToken } from './caldav.errors';

/** One calendar as a CalDAV collection. */
export interface DavCalendar {
  id: string;
  name: string;
  description: string | null;
  color: string | null;
  timeZone: string;
  role: CalendarRole;
  /** Changes with every change of the calendar or its events (getctag). */
  ctag: string;
  /** A sync token for the state the collection is in now (stable while nothing changes, per day). */
  syncToken: string;
}

/** One event as a CalDAV resource (`<uid>.ics`). */
export interface CalendarObject {
  uid: string;
  etag: string;
  record: EventRecord;
}

/** What changed since a sync token: live resources and removed ones, and the next token. */
export interface ObjectChanges {
  changed: CalendarObject[];
  removedUids: string[];
  syncToken: string;
  /** More changes than one answer holds: the client asks again with `syncToken` (RFC 6578 §3.6). */
  truncated: boolean;
  /** The caller's role on the calendar (checked by the sync). */
  role: CalendarRole;
}

const DAY_MS = 86_400_000;
/** sync-collection reads at most this many changes per answer. */
const SYNC_PAGE = 1000;
const SYNC_PAGES = 5;
/** Sync tokens are URIs in WebDAV (RFC 6578 §3.2). */
const SYNC_TOKEN_PREFIX = 'urn:calendar-assistant:sync:';

/**
 * The calendars and events as CalDAV sees them: collections (with ctag and sync token), resources
 * named by UID, their iCalendar text, and writes from iCalendar. Every call asks
 * CalendarAccessService (reader to read, writer to change); writes go the way the API's go — the
 * version is the ETag, caches are invalidated, listeners (webhooks, sync) hear of each change and
 * deletes go through EventService.
 */
@Injectable()
export class CalendarObjectsService {
  constructor(
    private readonly access: CalendarAccessService,
    private readonly calendars: CalendarRepository,
    private readonly reads: EventReadRepository,
    private readonly events: EventRepository,
    private readonly eventService: EventService,
    private readonly changes: EventChangePublisher,
    private readonly sync: EventSyncService,
    private readonly availability: AvailabilityService,
  ) {}

  /** The calendars the caller may read (reader or higher; a freeBusyReader's are not listed). */
  async list(caller: Caller): Promise<DavCalendar[]> {
    const visible = await this.access.visible(caller);
    const readable = visible.filter((v) => roleAtLeast(v.role, 'reader'));
    return Promise.all(
      readable.map(async ({ calendar, role }) => this.describe(caller, String(calendar._id), role, calendar)),
    );
  }

  /** One calendar, with the caller's role; 404 without a role, 403 below reader. */
  async calendar(caller: Caller, calendarId: string): Promise<DavCalendar> {
    const grant = await this.access.require(caller, calendarId, 'reader');
    return this.describe(caller, grant.calendarId, grant.role);
  }

  /** Every event of the calendar (optionally only those with an occurrence overlapping [from, to)). */
  async objects(
    caller: Caller,
    calendarId: string,
    range?: { from?: Date; to?: Date },
  ): Promise<{ grant: CalendarGrant; objects: CalendarObject[] }> {
    const grant = await this.access.require(caller, calendarId, 'reader');
    const me = inviteeOf(caller, grant);
    let records: EventRecord[];
    if (range && (range.from || range.to)) {
      const from = range.from ?? new Date(0);
      const to = range.to ?? new Date(Date.UTC(9999, 0, 1));
      const overlapping = (candidates: EventRecord[]) =>
        candidates.filter(
          (c) => expandOccurrences(toSeries(c), { from, to }, { limit: 1 }).occurrences.length > 0,
        );
      records = overlapping(await this.events.findWholeInRange({ calendarId: grant.calendarId }, from, to));
      if (me) {
        const invited = await this.events.findWholeInRange({ invitee: me }, from, to);
        records = withInvited(records, overlapping(invited), grant, me);
      }
    } else {
      const live = await this.reads.allLive(grant.calendarId, me);
      records = me ? withInvited([], live, grant, me) : live;
    }
    return { grant, objects: records.map(toObject) };
  }

  /** The events with these UIDs (absent ones are left out). */
  async byUids(
    caller: Caller,
    calendarId: string,
    uids: string[],
  ): Promise<{ grant: CalendarGrant; objects: CalendarObject[] }> {
    const grant = await this.access.require(caller, calendarId, 'reader');
    return { grant, objects: (await this.liveByUids(caller, grant, uids)).map(toObject) };
  }

  /** One event and its iCalendar text as the caller's role may see it; 404 when there is none. */
  async get(
    caller: Caller,
    calendarId: string,
    uid: string,
  ): Promise<{ object: CalendarObject; ics: string }> {
    const { grant, objects } = await this.byUids(caller, calendarId, [uid]);
    const object = objects[0];
    if (!object) throw new DavPreconditionError(404, null, `No event with UID ${uid} in this calendar.`);
    return { object, ics: this.render(grant.role, object.record) };
  }

  /** One event's iCalendar text as `role` may see it (a reader sees private events as busy only). */
  render(role: CalendarRole, record: EventRecord): string {
    // DTSTAMP is the last change, so the bytes stay the same until the event changes.
    return writeCalendar([record], {
      mode: 'full',
      privateAsBusy: role === 'reader',
      calendarObject: true,
      now: new Date(record.updatedAt),
    });
  }

  /** One event's occurrences in [from, to) as separate UTC instances (calendar-data `<C:expand>`). */
  renderExpanded(role: CalendarRole, record: EventRecord, window: { from: Date; to: Date }): string {
    return writeExpanded(record, window, { privateAsBusy: role === 'reader' });
  }

  /**
   * Creates or replaces the event `uid` from one iCalendar object: writer role; `ifNoneMatch: '*'`
   * only creates, `ifMatch` only replaces that version (else 412). The body must hold exactly one
   * UID, the resource's. `identical`: what is stored now renders byte for byte as `text` (then the
   * client may keep its copy and the ETag goes back with the answer, RFC 4791 §5.3.4); a PUT of
   * exactly the current rendering changes nothing.
   */
  async put(
    caller: Caller,
    calendarId: string,
    uid: string,
    text: string,
    conditions: { ifMatch?: string; ifNoneMatch?: string },
  ): Promise<{ created: boolean; object: CalendarObject; identical: boolean }> {
    const grant = await this.access.require(caller, calendarId, 'writer');
    const undefinedZones = undefinedTzids(text);
    if (undefinedZones.length)
      throw invalidCalendarData(
        `Every TZID needs its VTIMEZONE in the object (RFC 5545 3.2.19); missing: ${undefinedZones.join(', ')}.`,
      );
    if (exdateInOverride(text))
      throw invalidCalendarData(
        'EXDATE belongs to the series; a changed occurrence (RECURRENCE-ID) cannot carry one.',
      );
    let read;
    try {
      read = readCalendar(text, caller.timeZone);
    } catch (err) {
      if (err instanceof IcsFormatError) {
        const detail = err.problems.map((p) => p.message).join('; ');
        throw invalidCalendarData(`Not a valid iCalendar object: ${detail || err.message}`);
      }
      throw err;
    }
    const uids = [...new Set([...read.events.map((e) => e.uid), ...read.skipped.map((s) => s.uid)])];
    if (read.events.length === 0) {
      const reason = read.skipped[0]?.reason ?? 'no VEVENT';
      throw new DavPreconditionError(
        403,
        { ns: 'urn:ietf:params:xml:ns:caldav', name: 'supported-calendar-component' },
        `This calendar stores VEVENTs only (${reason}).`,
      );
    }
    if (uids.length > 1)
      throw invalidCalendarData(`One calendar object holds one UID; this one holds ${uids.length}.`);
    const event = read.events[0];
    if (event.uid !== uid)
      throw invalidCalendarData(`The UID ${event.uid} is not the resource's name (${uid}.ics).`);
    const [previous] = await this.liveByUids(caller, grant, [uid], { declined: true });
    if (conditions.ifNoneMatch?.trim() === '*' && previous)
      throw new DavPreconditionError(412, null, `${uid}.ics exists already (If-None-Match: *).`);
    if (conditions.ifMatch !== undefined && !matches(conditions.ifMatch, previous))
      throw new DavPreconditionError(
        412,
        null,
        previous
          ? `If-Match ${conditions.ifMatch} does not match the current ETag ${etagOf(previous.version)}: fetch it again.`
          : `${uid}.ics does not exist (If-Match).`,
      );
    if (previous && String(previous.calendarId) !== grant.calendarId)
      return this.answerInvitation(caller, previous, event);
    if (previous && text === this.render(grant.role, previous))
      return { created: false, object: toObject(previous), identical: true };
    const organizer = await organizerOf(caller, grant, this.calendars);
    const state = {
      ...importedState(event, organizer),
      icalExtras: readExtras(text, uid, (event.series.fields as EventFields).reminders ?? []),
    };
    let record: EventRecord | null;
    if (!previous) record = await this.events.insert(grant, state);
    else {
      record = await this.events.replaceIfVersion(grant.calendarId, String(previous._id), previous.version, {
        ...state,
        sequence: Math.max(state.sequence ?? 0, previous.sequence ?? 0),
      });
      if (!record) throw new DavPreconditionError(412, null, 'The event changed meanwhile; fetch it again.');
    }
    await this.access.invalidateReaders(grant, [
      ...(record.attendeeEmails ?? []),
      ...(previous?.attendeeEmails ?? []),
    ]);
    await this.changes.publish({
      type: previous ? 'event.updated' : 'event.created',
      ownerId: grant.ownerId,
      eventId: String(record._id),
      record,
    });
    return {
      created: !previous,
      object: toObject(record),
      identical: this.render(grant.role, record) === text,
    };
  }

  /**
   * The calendar's busy time in [from, to) as a VCALENDAR with one VFREEBUSY (RFC 4791 §7.10),
   * from the availability service; a freeBusyReader may ask (CALDAV:read-free-busy), like any higher role.
   */
  async freeBusy(caller: Caller, calendarId: string, from: Date, to: Date): Promise<string> {
    const grant = await this.access.require(caller, calendarId, 'freeBusyReader');
    const calendar = await this.calendars.findById(grant.calendarId);
    if (!calendar) throw new DavPreconditionError(404, null, 'No such calendar.');
    const busy = await this.availability.calendarBusy(
      {
        id: grant.calendarId,
        ownerId: grant.ownerId,
        ownerEmail: calendar.ownerEmail,
        primary: calendar.primary,
      },
      from,
      to,
    );
    return writeFreeBusy(busy, from, to);
  }

  /**
   * A PUT by an attendee of a meeting on their primary calendar: an answer (PARTSTAT) to the whole
   * meeting through the one RSVP path, EventService.rsvp; any other change is the organizer's to
   * make (403 CALDAV:allowed-attendee-scheduling-object-change, RFC 6638 §3.2.2.1). Their own
   * alarms are not stored over CalDAV.
   */
  private async answerInvitation(
    caller: Caller,
    record: EventRecord,
    sent: ImportedEvent,
  ): Promise<{ created: boolean; object: CalendarObject; identical: boolean }> {
    const me = caller.email.toLowerCase();
    const refuse = (why: string) =>
      new DavPreconditionError(
        403,
        { ns: CALDAV_NS, name: 'allowed-attendee-scheduling-object-change' },
        `You are invited to this meeting: ${why}`,
      );
    const shown = readCalendar(this.render('owner', record), caller.timeZone).events[0];
    const answers = new Set(
      [sent.series.fields, ...(sent.series.overrides ?? []).map((o) => o.fields)]
        .map((f) => responseOf((f as Partial<EventFields> | undefined)?.attendees, me))
        .filter((r) => r !== undefined),
    );
    const [response] = [...answers];
    if (answers.size !== 1 || !response)
      throw refuse(
        'answer the whole meeting with your PARTSTAT (one answer per occurrence is made in the app).',
      );
    if (!shown || meetingContent(shown.series, me) !== meetingContent(sent.series, me))
      throw refuse('only your own PARTSTAT can change; the rest is the organizer’s.');
    if (response === 'needsAction') throw refuse('PARTSTAT must be ACCEPTED, DECLINED or TENTATIVE.');
    if (response !== responseOf(record.attendees, me))
      await this.eventService.rsvp(caller, String(record._id), { response }, { scope: 'all' });
    const after = (await this.events.findById(String(record._id))) ?? record;
    return { created: false, object: toObject(after), identical: false };
  }

  /** Deletes the event `uid` (the whole series) through EventService; `ifMatch` as for PUT. */
  async remove(caller: Caller, calendarId: string, uid: string, ifMatch?: string): Promise<void> {
    const grant = await this.access.require(caller, calendarId, 'writer');
    const [record] = await this.liveByUids(caller, grant, [uid]);
    if (!record) throw new DavPreconditionError(404, null, `No event with UID ${uid} in this calendar.`);
    if (ifMatch !== undefined && !matches(ifMatch, record))
      throw new DavPreconditionError(
        412,
        null,
        `If-Match ${ifMatch} does not match the current ETag ${etagOf(record.version)}: fetch it again.`,
      );
    // An attendee deleting a meeting from their calendar declines it (RFC 6638 §3.2.2.3 spirit).
    if (String(record.calendarId) !== grant.calendarId) {
      await this.eventService.rsvp(caller, String(record._id), { response: 'declined' }, { scope: 'all' });
      return;
    }
    try {
      await this.eventService.remove(caller, String(record._id), {
        scope: 'all',
        ifMatch: etagOf(record.version),
      });
    } catch (err) {
      if (err instanceof PreconditionFailedError) throw new DavPreconditionError(412, null, err.message);
      throw err;
    }
  }

  /**
   * What changed since `syncToken` (RFC 6578; none: everything), through the project's incremental
   * sync. A token that is expired, forged, another user's or another calendar's is
   * DAV:valid-sync-token (403): the client starts over.
   */
  async changesSince(caller: Caller, calendarId: string, syncToken?: string): Promise<ObjectChanges> {
    let token: string | undefined;
    if (syncToken) {
      if (!syncToken.startsWith(SYNC_TOKEN_PREFIX))
        throw invalidSyncToken('This is not a sync token of this server.');
      token = syncToken.slice(SYNC_TOKEN_PREFIX.length);
    }
    const grant = await this.access.require(caller, calendarId, 'reader');
    const changedIds = new Map<string, string>();
    const removed = new Map<string, string>();
    const delivered = new Map<string, EventRecord>();
    let truncated = true;
    for (let page = 0; page < SYNC_PAGES && truncated; page++) {
      let answer;
      try {
        answer = await this.sync.syncRecords(caller, {
          calendarId: grant.calendarId,
          syncToken: token,
          limit: SYNC_PAGE,
        });
      } catch (err) {
        if (err instanceof GoneError || err instanceof ValidationError) throw invalidSyncToken(err.message);
        throw err;
      }
      for (const [id, record] of answer.records) delivered.set(id, record);
      for (const item of answer.items) {
        if ('deleted' in item && item.deleted) {
          changedIds.delete(item.uid);
          removed.set(item.uid, item.id);
        } else {
          removed.delete(item.uid);
          changedIds.set(item.uid, item.id);
        }
      }
      token = answer.nextSyncToken;
      truncated = answer.hasMore;
    }
    // The records the sync read, as the collection shows them (no second read of the changes).
    const me = inviteeOf(caller, grant);
    const changedRecords = [...changedIds.values()].flatMap((id) => delivered.get(id) ?? []);
    const records = me
      ? withInvited([], changedRecords, grant, me)
      : oldestPerUid(changedRecords.filter((r) => String(r.calendarId) === grant.calendarId));
    const live = new Set(records.map((r) => r.uid));
    return {
      changed: records.map(toObject),
      // A UID deleted and still live (another event with it) is not removed; one changed and no
      // longer shown (a meeting the owner declined) is.
      removedUids: [...new Set([...removed.keys(), ...changedIds.keys()])].filter((uid) => !live.has(uid)),
      syncToken: SYNC_TOKEN_PREFIX + token,
      truncated,
      role: grant.role,
    };
  }

  /**
   * The live events with these UIDs, one per UID: the calendar's own and, on the caller's primary
   * calendar, the meetings they are invited to (as asOnPrimary shows them; `declined` keeps those
   * they declined, for a PUT that answers again).
   */
  private async liveByUids(
    caller: Caller,
    grant: CalendarGrant,
    uids: string[],
    opts: { declined?: boolean } = {},
  ): Promise<EventRecord[]> {
    const own = oldestPerUid(await this.reads.liveByUids(grant.calendarId, uids));
    const me = inviteeOf(caller, grant);
    const ownUids = new Set(own.map((r) => r.uid));
    // A UID the calendar has is its own: only the others can be invitations.
    const others = uids.filter((u) => !ownUids.has(u));
    if (!me || others.length === 0) return own;
    const invited = await this.reads.invitedByUids(me, others);
    const kept = opts.declined
      ? invited.filter((r) => String(r.calendarId) !== grant.calendarId && r.organizer?.email !== me)
      : invited;
    return opts.declined
      ? [...own, ...oldestPerUid(kept.filter((r) => !own.some((o) => o.uid === r.uid)))]
      : withInvited(own, kept, grant, me);
  }

  private async describe(
    caller: Caller,
    calendarId: string,
    role: CalendarRole,
    known?: {
      name: string;
      description: string | null;
      color: string | null;
      timeZone: string;
      updatedAt?: Date;
    },
  ): Promise<DavCalendar> {
    const [calendar, latest] = await Promise.all([
      known ?? this.calendars.findById(calendarId),
      this.reads.latestChange(calendarId, calendarId === caller.id ? caller.email.toLowerCase() : undefined),
    ]);
    const now = Date.now();
    const day = Math.floor(now / DAY_MS) * DAY_MS;
    // Every change before `t` is in what the client reads now; stable for the day while nothing changes.
    const t = Math.min(Math.max((latest?.t ?? 0) + 1, day), now - SYNC_SETTLE_MS);
    const syncToken =
      SYNC_TOKEN_PREFIX +
      this.sync.tokens.encode({ u: caller.id, c: calendarId, t, r: [], f: false, s: t, iat: day });
    const calendarChanged =
      calendar && 'updatedAt' in calendar && calendar.updatedAt ? new Date(calendar.updatedAt).getTime() : 0;
    return {
      id: calendarId,
      name: calendar?.name ?? 'Calendar',
      description: calendar?.description ?? null,
      color: calendar?.color ?? null,
      timeZone: calendar?.timeZone ?? caller.timeZone,
      role,
      ctag: `"${calendarChanged.toString(36)}-${(latest?.t ?? 0).toString(36)}-${latest?.id ?? '0'}"`,
      syncToken,
    };
  }
}

/** The owner's address when `grant` is the caller's own primary calendar (it shows their invitations). */
const inviteeOf = (caller: Caller, grant: CalendarGrant): string | undefined =>
  grant.calendarId === caller.id ? caller.email.toLowerCase() : undefined;

/**
 * The calendar's own records and the invited meetings among `others` as the primary calendar shows
 * them; a UID the calendar has itself is its own (a resource is one UID), one record per UID.
 */
function withInvited(
  own: EventRecord[],
  others: EventRecord[],
  grant: CalendarGrant,
  me: string,
): EventRecord[] {
  const shown = asOnPrimary(others, grant.calendarId, me);
  const mine = oldestPerUid([...own, ...shown.filter((r) => String(r.calendarId) === grant.calendarId)]);
  const taken = new Set(mine.map((r) => r.uid));
  const invited = oldestPerUid(
    shown.filter((r) => String(r.calendarId) !== grant.calendarId && !taken.has(r.uid)),
  );
  return [...mine, ...invited];
}

/** A meeting as compared for an attendee's PUT: everything but `me`'s answer and anyone's alarms. */
function meetingContent(series: ImportedEvent['series'], me: string): string {
  const strip = (f: Partial<EventFields> | undefined) =>
    f && {
      ...f,
      reminders: undefined,
      attendees: f.attendees?.map((a) => (a.email === me ? { ...a, responseStatus: undefined } : a)),
    };
  return JSON.stringify({
    ...series,
    fields: strip(series.fields as EventFields),
    overrides: (series.overrides ?? []).map((o) => ({ ...o, fields: strip(o.fields) })),
  });
}

/** The object's root component as ical.js reads it (null when it cannot: the reader says why). */
function rootOf(text: string): InstanceType<typeof ICAL.Component> | null {
  try {
    const jcal = ICAL.parse(text) as unknown[];
    return Array.isArray(jcal) && typeof jcal[0] === 'string' ? new ICAL.Component(jcal) : null;
  } catch {
    return null;
  }
}

/** TZIDs the object's VEVENTs use that no VTIMEZONE in it defines (unparseable text: none; the reader says why). */
function undefinedTzids(text: string): string[] {
  const root = rootOf(text);
  if (!root) return [];
  const defined = new Set(
    root.getAllSubcomponents('vtimezone').map((v) => String(v.getFirstPropertyValue('tzid'))),
  );
  const used = new Set<string>();
  for (const vevent of root.getAllSubcomponents('vevent'))
    for (const prop of vevent.getAllProperties()) {
      const tzid = prop.getParameter('tzid');
      if (typeof tzid === 'string') used.add(tzid);
    }
  // TZID=UTC needs no VTIMEZONE (what python's icalendar writes for a UTC time): UTC has no rules.
  return [...used].filter((tzid) => !defined.has(tzid) && !isUtcZone(tzid));
}

/** Whether a changed occurrence (a VEVENT with RECURRENCE-ID) carries EXDATE, which only a series may. */
function exdateInOverride(text: string): boolean {
  const root = rootOf(text);
  return !!root
    ?.getAllSubcomponents('vevent')
    .some((v) => v.hasProperty('recurrence-id') && v.hasProperty('exdate'));
}

/** Whether an If-Match header (a list of ETags, or `*`) matches the record. */
function matches(ifMatch: string, record: EventRecord | undefined): boolean {
  if (!record) return false;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  return tags.includes('*') || tags.includes(etagOf(record.version));
}

/** One record per UID (the oldest, as the import's rule): a calendar object is one UID. */
function oldestPerUid(records: EventRecord[]): EventRecord[] {
  const byUid = new Map<string, EventRecord>();
  for (const r of records) {
    const known = byUid.get(r.uid);
    if (!known || String(r._id) < String(known._id)) byUid.set(r.uid, r);
  }
  return [...byUid.values()];
}

const toObject = (record: EventRecord): CalendarObject => ({
  uid: record.uid,
  etag: etagOf(record.version),
  record,
});
