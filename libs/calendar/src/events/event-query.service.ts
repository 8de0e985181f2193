import { Injectable } from '@nestjs/common';
import { ValidationError } from '@app/common';
import { CacheService } from '@app/cache';
import { expandOccurrences } from '../recurrence/expand';
import { CalendarAccessService } from '../calendars/calendar-access.service';
import { Caller, CalendarRole, roleAtLeast } from '../calendars/calendar-role';
import { OccurrencePage } from './event.dto';
import { busyOnly, EventOccurrence, EventSeries, toOccurrenceResponse, toSeries } from './event.mapper';
import { EventRepository } from './event.repository';
import { ResponseStatus, responseOf } from './attendees';
import type { EventFields } from './event.schema';

export interface SeriesOccurrence {
  occurrence: EventOccurrence;
  series: EventSeries;
  calendarId: string;
}

const LIST_CACHE_TTL_MS = 60_000;

/** A person as their primary calendar knows them: the account id (= the calendar's) and address. */
export interface Person {
  id: string;
  email: string;
}

/** Orders occurrences by start, then series, then original start: a total order for cursors. */
function compare(a: EventOccurrence, b: EventOccurrence): number {
  return (
    a.start.getTime() - b.start.getTime() ||
    (a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0) ||
    a.originalStart.getTime() - b.originalStart.getTime()
  );
}

type CursorKey = [number, string, number];

function encodeCursor(o: EventOccurrence): string {
  const key: CursorKey = [o.start.getTime(), o.seriesId, o.originalStart.getTime()];
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): CursorKey {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === 3 &&
      typeof key[0] === 'number' &&
      typeof key[1] === 'string' &&
      typeof key[2] === 'number'
    ) {
      return key as CursorKey;
    }
  } catch {
    /* fall through */
  }
  throw new ValidationError('Invalid cursor: cursor must be a value returned as nextCursor', [
    { field: 'cursor', message: 'must be a value returned as nextCursor' },
  ]);
}

/** Window reads: occurrences overlapping [from, to) in the calendars asked for, recurring series expanded. */
@Injectable()
export class EventQueryService {
  constructor(
    private readonly events: EventRepository,
    private readonly cache: CacheService,
    private readonly access: CalendarAccessService,
  ) {}

  /** Every occurrence of the calendars' live events overlapping [from, to), sorted. */
  async occurrences(
    calendarIds: string[],
    from: Date,
    to: Date,
    opts: { excludeId?: string } = {},
  ): Promise<SeriesOccurrence[]> {
    const records = await this.events.findInRange(calendarIds, from, to, opts.excludeId);
    const out: SeriesOccurrence[] = [];
    for (const record of records) {
      const series = toSeries(record);
      const calendarId = String(record.calendarId);
      for (const occurrence of expandOccurrences(series, { from, to }).occurrences)
        out.push({ occurrence, series, calendarId });
    }
    return out.sort((a, b) => compare(a.occurrence, b.occurrence));
  }

  /**
   * The occurrences of meetings `person` is invited to in calendars other than `except`, as on
   * their primary calendar (`calendarId` is theirs): only those whose own guest list names them,
   * and, unless `keepDeclined`, not those they declined (a declined meeting is off their calendar).
   */
  async invitedOccurrences(
    person: Person,
    from: Date,
    to: Date,
    opts: { except?: ReadonlySet<string>; keepDeclined?: boolean } = {},
  ): Promise<SeriesOccurrence[]> {
    const email = person.email.toLowerCase();
    const out: SeriesOccurrence[] = [];
    for (const record of await this.events.findInvitedInRange(email, from, to)) {
      if (opts.except?.has(String(record.calendarId))) continue;
      const series = toSeries(record);
      for (const occurrence of expandOccurrences(series, { from, to }).occurrences) {
        const fields = { ...series.fields, ...occurrence.fields } as EventFields;
        const response = responseOf(fields.attendees, email);
        if (!response || (response === 'declined' && !opts.keepDeclined)) continue;
        out.push({ occurrence, series, calendarId: person.id });
      }
    }
    return out.sort((a, b) => compare(a.occurrence, b.occurrence));
  }

  /** Each person's calendar occurrences and the meetings they are invited to (not declined), sorted. */
  async personalOccurrences(people: Person[], from: Date, to: Date): Promise<SeriesOccurrence[]> {
    const own = await this.occurrences(
      people.map((p) => p.id),
      from,
      to,
    );
    const invited = await Promise.all(
      people.map((p) => this.invitedOccurrences(p, from, to, { except: new Set([p.id]) })),
    );
    return [...own, ...invited.flat()].sort((a, b) => compare(a.occurrence, b.occurrence));
  }

  /**
   * One page of occurrences, read through the caller's cache. Every write to a calendar and every
   * change of the caller's roles bumps the caller's generation, so a hit needs no permission check.
   */
  async page(caller: Caller, q: PageQuery): Promise<OccurrencePage> {
    return this.cache.getOrLoad('events', caller.id, pageKey(q), LIST_CACHE_TTL_MS, () =>
      this.loadPage(caller, q),
    );
  }

  /** The same page as its JSON, sent as is when it comes from the cache (the list route). */
  async pageJson(caller: Caller, q: PageQuery): Promise<Buffer> {
    return this.cache.getOrLoadJson('events', caller.id, pageKey(q), LIST_CACHE_TTL_MS, () =>
      this.loadPage(caller, q),
    );
  }

  /**
   * The calendars a page reads, with the caller's role on each: those named (each needing reader,
   * so a freeBusyReader calendar is a 403), or every calendar of the caller's list they can read.
   */
  private async readable(caller: Caller, calendarIds?: string[]): Promise<Map<string, CalendarRole>> {
    const roles = new Map<string, CalendarRole>();
    if (calendarIds) {
      for (const id of calendarIds) {
        const grant = await this.access.require(caller, id, 'reader');
        roles.set(grant.calendarId, grant.role);
      }
      return roles;
    }
    roles.set(caller.id, 'owner');
    for (const { calendar, role } of await this.access.visible(caller))
      if (roleAtLeast(role, 'reader')) roles.set(String(calendar._id), role);
    return roles;
  }

  private async loadPage(caller: Caller, q: PageQuery): Promise<OccurrencePage> {
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    const roles = await this.readable(caller, q.calendarIds);
    const me = caller.email.toLowerCase();
    let all = await this.occurrences([...roles.keys()], q.from, q.to);
    // The caller's primary calendar also shows the meetings they are invited to (one event, their
    // own answer), whichever calendar holds them; those already listed through a calendar are not repeated.
    if (roles.has(caller.id)) {
      const invited = await this.invitedOccurrences(caller, q.from, q.to, {
        except: new Set(roles.keys()),
        keepDeclined: q.responseStatus === 'declined',
      });
      all = [...all, ...invited].sort((a, b) => compare(a.occurrence, b.occurrence));
    }
    if (q.responseStatus) {
      const wanted = q.responseStatus;
      all = all.filter(
        (x) =>
          responseOf(({ ...x.series.fields, ...x.occurrence.fields } as EventFields).attendees, me) ===
          wanted,
      );
    }
    if (after) {
      const [start, seriesId, original] = after;
      const pivot = {
        start: new Date(start),
        seriesId,
        originalStart: new Date(original),
      } as EventOccurrence;
      all = all.filter((x) => compare(x.occurrence, pivot) > 0);
    }
    const items = all.slice(0, q.limit);
    const last = items.at(-1);
    return {
      items: items.map((x) => {
        const view = toOccurrenceResponse(x.occurrence, x.series, q.zone, x.calendarId, me);
        // An invited meeting (on the caller's own calendar) is seen whole, a private one too.
        return view.visibility === 'private' && roles.get(x.calendarId) === 'reader' ? busyOnly(view) : view;
      }),
      nextCursor: all.length > q.limit && last ? encodeCursor(last.occurrence) : null,
      timeZone: q.zone,
    };
  }
}

export interface PageQuery {
  from: Date;
  to: Date;
  zone: string;
  cursor?: string;
  limit: number;
  /** The calendars to read (default: every calendar the caller can read). */
  calendarIds?: string[];
  /** Only meetings where the caller's own response is this. */
  responseStatus?: ResponseStatus;
}

const pageKey = (q: PageQuery) =>
  `${q.from.toISOString()}|${q.to.toISOString()}|${q.zone}|${q.cursor ?? ''}|${q.limit}|${q.calendarIds?.join(',') ?? ''}|${q.responseStatus ?? ''}`;
