import { Injectable, Logger } from '@nestjs/common';
import { PreconditionFailedError, ValidationError } from '@app/common';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { invitesGuests, toSeries, toState } from '../events/event.mapper';
import { EventRepository, EventState } from '../events/event.repository';
import type { EventRecord } from '../events/event.schema';
import type { CalendarOwner } from '../events/event.service';
import { CalendarAccessService, CalendarGrant } from '../calendars/calendar-access.service';
import { Caller, CalendarRole, PRIMARY } from '../calendars/calendar-role';
import { EventChangePublisher, PublishedChange } from '../sync/event-change.publisher';
import { EventReadRepository } from '../sync/event-read.repository';
import { CalendarRepository } from '../calendars/calendar.repository';
import { Organizer, organizerOf, withOrganizer } from '../events/attendees';
import { asOnPrimary } from '../events/meeting-people';
import type { EventSeries } from '../events/event.mapper';
import type { EventFields } from '../events/event.schema';
import type { IcsImportResult } from './ical.dto';
import { IcsFormatError, ImportedEvent, readCalendar } from './ics-reader';
import { writeCalendar } from './ics-writer';

type Op =
  | { kind: 'create'; event: ImportedEvent; state: EventState }
  | { kind: 'update'; event: ImportedEvent; state: EventState; previous: EventRecord };
type Done =
  { kind: 'created'; record: EventRecord } | { kind: 'updated'; record: EventRecord; previous: EventRecord };

/** Writes run this many at a time. */
const WRITE_CONCURRENCY = 8;

/**
 * iCalendar export and import. Import is all or nothing without transactions: the whole file is
 * read, validated and converted before the first write; if a write then fails, what this import
 * created is deleted again and what it updated is put back to its previous state.
 */
@Injectable()
export class IcsService {
  private readonly logger = new Logger(IcsService.name);

  constructor(
    private readonly reads: EventReadRepository,
    private readonly events: EventRepository,
    private readonly access: CalendarAccessService,
    private readonly calendars: CalendarRepository,
    private readonly changes: EventChangePublisher,
    @InjectMetric(METRICS.icsImports) private readonly imports: Counter<string>,
  ) {}

  /**
   * A calendar as the caller may see it (`primary`: their own): a freeBusyReader gets the free/busy
   * form (times only, titled "Busy", hashed UIDs), a reader every event with private ones in that
   * form, a writer or owner everything. No role: 404.
   */
  async exportFor(caller: Caller, calendarId: string = PRIMARY): Promise<string> {
    const grant = await this.access.require(caller, calendarId, 'freeBusyReader');
    return this.exportCalendar(grant.calendarId, exportModeFor(grant.role), {
      timeZone: caller.timeZone,
      privateAsBusy: grant.role === 'reader',
      invitee: grant.calendarId === caller.id ? caller.email : undefined,
    });
  }

  /**
   * The calendar's events as an iCalendar document (`freebusy`: times only, titled "Busy";
   * `privateAsBusy`: private events so). `timeZone` (the reader's, when known) becomes the
   * X-WR-TIMEZONE hint; every time carries its own zone anyway. Checks no role: callers do.
   */
  async exportCalendar(
    calendarId: string,
    mode: 'full' | 'freebusy' = 'full',
    opts: {
      timeZone?: string;
      now?: Date;
      privateAsBusy?: boolean;
      /**
       * The address of the calendar's owner, when it is their primary calendar exported for them
       * (their own export or feed): the meetings they are invited to (not declined) are in it too.
       */
      invitee?: string;
    } = {},
  ): Promise<string> {
    const me = opts.invitee?.toLowerCase();
    const live = await this.reads.allLive(calendarId, me);
    const records = me ? asOnPrimary(live, calendarId, me) : live;
    return writeCalendar(records, {
      mode,
      privateAsBusy: opts.privateAsBusy,
      now: opts.now,
      timeZone: opts.timeZone,
      calendarName: mode === 'full' ? 'Calendar Assistant' : 'Calendar Assistant (free/busy)',
    });
  }

  /** The address of a calendar's owner (for a primary calendar: the account's), or null when it is gone. */
  async ownerEmail(calendarId: string): Promise<string | null> {
    return (await this.calendars.findOwnership(calendarId))?.ownerEmail ?? null;
  }

  /**
   * Imports the VEVENTs of an iCalendar text, idempotent by UID (with its RECURRENCE-ID changes):
   * a new UID is created, a known one updated when its content differs, else skipped as unchanged.
   */
  async importCalendar(
    owner: CalendarOwner,
    text: string,
    calendarId: string = PRIMARY,
  ): Promise<IcsImportResult> {
    const grant = await this.access.require(owner, calendarId, 'writer');
    let ops: Op[];
    const skipped: IcsImportResult['skipped'] = [];
    try {
      const read = readCalendar(text, owner.timeZone);
      skipped.push(...read.skipped);
      ops = await this.plan(owner, grant, read.events, skipped);
    } catch (err) {
      this.imports.inc({ outcome: 'invalid' });
      if (err instanceof IcsFormatError) throw new ValidationError(err.message, err.problems);
      throw err;
    }
    const done: Done[] = [];
    try {
      for (let i = 0; i < ops.length; i += WRITE_CONCURRENCY) {
        const batch = ops.slice(i, i + WRITE_CONCURRENCY);
        const results = await Promise.allSettled(batch.map((op) => this.apply(grant, op)));
        for (const r of results) if (r.status === 'fulfilled') done.push(r.value);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      }
    } catch (err) {
      await this.rollback(grant, done);
      await this.access.invalidateReaders(grant, invitedIn(done));
      this.imports.inc({ outcome: 'failed' });
      throw err;
    }
    if (done.length > 0) await this.access.invalidateReaders(grant, invitedIn(done));
    this.imports.inc({ outcome: 'success' });
    await this.changes.publish(
      done.map((d): PublishedChange => ({
        type: d.kind === 'created' ? 'event.created' : 'event.updated',
        ownerId: grant.ownerId,
        eventId: String(d.record._id),
        record: d.record,
      })),
    );
    return {
      created: done.filter((d) => d.kind === 'created').length,
      updated: done.filter((d) => d.kind === 'updated').length,
      skipped,
    };
  }

  private async plan(
    owner: CalendarOwner,
    grant: CalendarGrant,
    events: ImportedEvent[],
    skipped: IcsImportResult['skipped'],
  ): Promise<Op[]> {
    // The importing calendar's owner organizes what is imported into it (as if made there).
    const organizer = await organizerOf(owner, grant, this.calendars);
    const existing = new Map<string, EventRecord>();
    for (const record of await this.reads.liveByUids(
      grant.calendarId,
      events.map((e) => e.uid),
    )) {
      const known = existing.get(record.uid);
      if (!known || String(record._id) < String(known._id)) existing.set(record.uid, record);
    }
    const ops: Op[] = [];
    for (const event of events) {
      const state = importedState(event, organizer);
      const previous = existing.get(event.uid);
      if (!previous) ops.push({ kind: 'create', event, state });
      else if (sameContent(toState(toSeries(previous), { invites: invitesGuests(previous) }), state))
        skipped.push({ uid: event.uid, reason: 'unchanged' });
      else ops.push({ kind: 'update', event, state, previous });
    }
    return ops;
  }

  private async apply(grant: CalendarGrant, op: Op): Promise<Done> {
    if (op.kind === 'create') return { kind: 'created', record: await this.events.insert(grant, op.state) };
    const record = await this.events.replaceIfVersion(
      grant.calendarId,
      String(op.previous._id),
      op.previous.version,
      op.state,
    );
    if (!record) {
      throw new PreconditionFailedError(
        `Event ${op.event.uid} changed while it was being imported; nothing was imported, try again.`,
      );
    }
    return { kind: 'updated', record, previous: op.previous };
  }

  /** Undoes this import's writes, newest first; a document changed since by someone else is left alone (and logged). */
  private async rollback(grant: CalendarGrant, done: Done[]): Promise<void> {
    for (const d of [...done].reverse()) {
      const id = String(d.record._id);
      try {
        const ok =
          d.kind === 'created'
            ? await this.events.softDeleteIfVersion(grant.calendarId, id, d.record.version)
            : !!(await this.events.replaceIfVersion(
                grant.calendarId,
                id,
                d.record.version,
                toState(toSeries(d.previous), { invites: invitesGuests(d.previous) }),
              ));
        if (!ok) this.logger.warn(`import rollback: event ${id} changed meanwhile; left as it is`);
      } catch (err) {
        this.logger.error(`import rollback of event ${id} failed: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * What an event read from iCalendar becomes when stored in a calendar organized by `organizer`
 * (import and CalDAV PUT): a meeting organized by someone else is a copy of theirs — its guests are
 * listed, not invited (a file never puts anything on other people's calendars).
 */
export function importedState(event: ImportedEvent, organizer: Organizer | null): EventState {
  const own = !event.organizer || event.organizer.email === organizer?.email;
  return own
    ? toState(asMeeting(event.series, organizer), { uid: event.uid, organizer })
    : toState(event.series, { uid: event.uid, organizer: event.organizer, invites: false });
}

/** What a role may export: a freeBusyReader only the free/busy form. */
const exportModeFor = (role: CalendarRole): 'full' | 'freebusy' =>
  role === 'freeBusyReader' ? 'freebusy' : 'full';

/** Whether two states describe the same event (timing, rule, exceptions, fields), ignoring bookkeeping. */
export function sameContent(a: EventState, b: EventState): boolean {
  return canonical(a) === canonical(b);
}

/** The organizer listed (accepted) in each guest list of an imported series. */
function asMeeting(series: Omit<EventSeries, 'id'>, organizer: Organizer | null): Omit<EventSeries, 'id'> {
  const fields = series.fields as EventFields;
  return {
    ...series,
    fields: { ...fields, attendees: withOrganizer(organizer, fields.attendees ?? []) },
    overrides: (series.overrides ?? []).map((o) =>
      o.fields?.attendees
        ? { ...o, fields: { ...o.fields, attendees: withOrganizer(organizer, o.fields.attendees) } }
        : o,
    ),
  };
}

/** Everyone invited to what an import wrote (before and after): their cached reads go stale. */
const invitedIn = (done: Done[]): string[] =>
  done.flatMap((d) => [
    ...(d.record.attendeeEmails ?? []),
    ...(d.kind === 'updated' ? (d.previous.attendeeEmails ?? []) : []),
  ]);

function canonical(state: EventState): string {
  // The organizer is the calendar's owner either way: content is what the file says.
  const {
    uid: _uid,
    idempotencyKey: _key,
    organizer: _organizer,
    ...rest
  } = state as EventState & { idempotencyKey?: string };
  const normalized = {
    ...rest,
    exdates: [...(rest.exdates ?? [])].map((d) => new Date(d).getTime()).sort((x, y) => x - y),
    overrides: [...(rest.overrides ?? [])].sort(
      (x, y) => new Date(x.originalStart).getTime() - new Date(y.originalStart).getTime(),
    ),
  };
  return JSON.stringify(normalize(normalized));
}

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === null || v === undefined) continue;
      if (Array.isArray(v) && v.length === 0) continue;
      out[key] = normalize(v);
    }
    return out;
  }
  return value;
}
