import { Injectable, Logger, Optional } from '@nestjs/common';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '@app/common';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { planDelete, planUpdate, EditScope, EventChanges } from '../recurrence/edit';
import { expandOccurrences, firstOccurrenceStart, validateSeries } from '../recurrence/expand';
import { parseRecurrence, RecurrenceError } from '../recurrence/rrule';
import { allDayBounds, instantToLocalDate, normalizeTimeZone } from '../time/zone';
import { addDays } from '../time/local-date';
import {
  Conflict,
  EventCreateSchema,
  EventResponse,
  EventUpdateSchema,
  EventWriteResponse,
} from './event.dto';
import { EventQueryService } from './event-query.service';
import { CalendarAccessService, CalendarGrant } from '../calendars/calendar-access.service';
import { Caller, CalendarRole } from '../calendars/calendar-role';
import { resolveNewTiming, resolveTimingChanges, toInstant } from './event-timing';
import {
  attendeeView,
  readerView,
  etagOf,
  EventSeries,
  invitesGuests,
  toEventResponse,
  toSeries,
  toState,
} from './event.mapper';
import { EventRepository } from './event.repository';
import { EventFields, EventRecord } from './event.schema';
import { EventChangePublisher } from '../sync/event-change.publisher';
import { ItipOutbox } from '../ical/itip-outbox';
import type { ItipChange } from '../ical/itip';
import { CalendarRepository } from '../calendars/calendar.repository';
import {
  Attendee,
  mergeAttendees,
  organizerOf,
  resetResponses,
  RsvpResponse,
  withReminders,
  withResponse,
} from './attendees';
import type { z } from 'zod';

/** The caller of an event operation; the calendar it touches is checked against their role. */
export type CalendarOwner = Caller;

export type EventCreateInput = z.infer<typeof EventCreateSchema>;
export type EventUpdateInput = z.infer<typeof EventUpdateSchema>;

export interface RsvpInput {
  response: RsvpResponse;
  comment?: string | null;
}

/** The fields only the organizer's side changes: each change bumps `sequence` (RFC 5546). */
const ORGANIZER_FIELDS = ['title', 'description', 'location', 'attendees'] as const;
const TIMING_FIELDS = ['start', 'end', 'allDay', 'timeZone', 'recurrence'] as const;
/** Attempts of an RSVP against concurrent answers by other attendees (each a compare-and-set). */
const RSVP_ATTEMPTS = 5;

const NOT_INVITED = 'Event not found among your invitations (only an attendee answers a meeting).';

export interface EditTarget {
  scope: EditScope;
  occurrenceStart?: string;
  /** The If-Match header: the ETag the client last saw. */
  ifMatch?: string;
}

const CONFLICT_HORIZON_MS = 90 * 86_400_000;
const MAX_CONFLICTS = 20;
const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

/** A RecurrenceError from the engine is the client's mistake: 400 naming the field. */
function asValidation<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RecurrenceError || (err as Error).name === 'TimeZoneError') {
      const message = (err as Error).message.replace(/^recurrence: /, '');
      throw new ValidationError(`Invalid ${field}: ${message}`, [{ field, message }]);
    }
    throw err;
  }
}

/**
 * Event writes: create, update and delete with edit scopes for recurring series, optimistic
 * concurrency (ETag = version; If-Match), idempotent creates, conflicts, cache invalidation.
 */
@Injectable()
export class EventService {
  private readonly logger = new Logger(EventService.name);

  constructor(
    private readonly events: EventRepository,
    private readonly queries: EventQueryService,
    private readonly access: CalendarAccessService,
    private readonly calendars: CalendarRepository,
    @InjectMetric(METRICS.calendarOperations) private readonly operations: Counter<string>,
    /** Tells listeners (webhooks) about each successful write. */
    @Optional() private readonly changes?: EventChangePublisher,
    /** Queues the iTIP emails of organizer writes (invitations, updates, cancellations). */
    @Optional() private readonly itip?: ItipOutbox,
  ) {}

  /** The event as the caller may see it: a reader sees a private event as busy only. */
  async get(owner: CalendarOwner, id: string, zone = owner.timeZone): Promise<EventResponse> {
    const { record, grant, attendee } = await this.require(owner, id, 'reader');
    if (attendee) return attendeeView(owner, record, zone);
    const view = toEventResponse(record, zone, owner.email);
    // Invited, a reader sees the meeting whole too (a private one included).
    return view.responseStatus ? view : readerView(record, view, grant.role);
  }

  /**
   * Creates an event. Repeats with one Idempotency-Key are replayed by the API's one idempotency
   * mechanism (Redis); the key is also stored on the event, so while Redis is down (`unverified`) a
   * repeat still finds the event it created instead of creating another.
   */
  async create(
    owner: CalendarOwner,
    input: EventCreateInput,
    idempotency?: { key: string; unverified: boolean },
  ): Promise<EventWriteResponse & { replayed?: boolean }> {
    const grant = await this.access.require(owner, input.calendarId ?? 'primary', 'writer');
    if (idempotency?.unverified) {
      const since = new Date(Date.now() - IDEMPOTENCY_WINDOW_MS);
      const existing = await this.events.findByIdempotencyKey(grant.calendarId, idempotency.key, since);
      if (existing)
        return {
          event: toEventResponse(existing, owner.timeZone, owner.email),
          conflicts: [],
          invitationsSent: false,
          replayed: true,
        };
    }
    return this.count('create', () => this.createNow(owner, grant, input, idempotency?.key));
  }

  async update(
    owner: CalendarOwner,
    id: string,
    input: EventUpdateInput,
    target: EditTarget,
    zone = owner.timeZone,
  ): Promise<EventWriteResponse> {
    return this.count('update', async () => {
      const { record, grant, attendee } = await this.require(owner, id, 'writer');
      if (attendee && ownRemindersOnly(input))
        return this.setOwnReminders(owner, record, input, target, zone);
      if (attendee)
        throw new ForbiddenError(
          'Only the organizer (or a writer of their calendar) changes a meeting: its time, place, title, guests or ' +
            'anything else; you are an attendee, so answer it with POST /v1/events/{id}/rsvp (DELETE declines it), ' +
            'or send only `reminders` to set your own.',
        );
      this.checkIfMatch(record, target.ifMatch);
      const moveTo = await this.moveTarget(owner, grant, input, target);
      const changes = this.toChanges(record, input, target);
      const plan = asValidation('occurrenceStart', () =>
        planUpdate<EventFields>({
          series: toSeries(record),
          scope: target.scope,
          occurrenceStart: this.occurrenceStart(target),
          changes,
        }),
      );
      const moved = this.movesTime(record, input, target);
      if (moved && plan.series && target.scope === 'all')
        plan.series = resetOverrideResponses(record, plan.series);
      // RFC 5546: the organizer's changes of time, place, title or guests raise SEQUENCE.
      const sequence =
        moved || ORGANIZER_FIELDS.some((k) => input[k] !== undefined)
          ? (record.sequence ?? 0) + 1
          : undefined;
      let created: EventRecord | null = null;
      if (plan.created) {
        // No transactions (FerretDB): insert the new part first, and take it back if the old part changed meanwhile.
        created = await this.events.insert(grant, {
          ...toState(plan.created, { organizer: record.organizer, invites: invitesGuests(record) }),
          sequence: sequence ?? record.sequence ?? 0,
        });
      }
      const updated = plan.series
        ? await this.events.replaceIfVersion(
            grant.calendarId,
            id,
            record.version,
            { ...toState(plan.series, { invites: invitesGuests(record) }), sequence },
            moveTo,
            record,
          )
        : null;
      if (!updated) {
        if (created) await this.events.hardDelete(grant.calendarId, String(created._id));
        throw new PreconditionFailedError('The event changed since it was read; fetch it again and retry.');
      }
      const invited = [
        ...(record.attendeeEmails ?? []),
        ...(updated.attendeeEmails ?? []),
        ...(created?.attendeeEmails ?? []),
      ];
      await this.access.invalidateReaders(grant, invited);
      if (moveTo) await this.access.invalidateReaders(moveTo);
      await this.changes?.publish([
        {
          type: 'event.updated',
          ownerId: String(updated.ownerId),
          eventId: id,
          record: updated,
          previousAttendeeEmails: record.attendeeEmails ?? [],
        },
        ...(created
          ? [
              {
                type: 'event.created' as const,
                ownerId: grant.ownerId,
                eventId: String(created._id),
                record: created,
              },
            ]
          : []),
        // Moved away: to the calendar it left (its watchers), the event is gone.
        ...(moveTo
          ? [
              {
                type: 'event.deleted' as const,
                ownerId: grant.ownerId,
                eventId: id,
                record: {
                  ...updated,
                  calendarId: record.calendarId,
                  ownerId: record.ownerId,
                  deletedAt: updated.updatedAt,
                },
              },
            ]
          : []),
      ]);
      const invitationsSent = await this.sendItip([
        { type: 'updated', previous: record, record: updated },
        ...(created ? [{ type: 'created' as const, record: created }] : []),
      ]);
      const edited = created ?? updated;
      return {
        event: toEventResponse(updated, zone, owner.email),
        ...(created ? { created: toEventResponse(created, zone, owner.email) } : {}),
        conflicts: await this.conflicts(String(edited.calendarId), toSeries(edited)),
        invitationsSent,
      };
    });
  }

  /**
   * Deletes (the organizer's side: cancels the meeting for everyone) or, by an attendee, declines:
   * the meeting leaves their calendar and stays on the organizer's.
   */
  async remove(owner: CalendarOwner, id: string, target: EditTarget): Promise<{ invitationsSent: boolean }> {
    let invitationsSent = false;
    const declines = await this.count('delete', async () => {
      const { record, grant, attendee } = await this.require(owner, id, 'writer');
      if (attendee) return true;
      this.checkIfMatch(record, target.ifMatch);
      const plan = asValidation('occurrenceStart', () =>
        planDelete<EventFields>({
          series: toSeries(record),
          scope: target.scope,
          occurrenceStart: this.occurrenceStart(target),
        }),
      );
      const whole = plan.deleted || !plan.series;
      const after = whole
        ? (await this.events.softDeleteIfVersion(grant.calendarId, id, record.version))
          ? { ...record, deletedAt: new Date() }
          : null
        : await this.events.replaceIfVersion(
            grant.calendarId,
            id,
            record.version,
            {
              ...toState(plan.series as EventSeries, { invites: invitesGuests(record) }),
              sequence: (record.sequence ?? 0) + 1,
            },
            undefined,
            record,
          );
      if (!after)
        throw new PreconditionFailedError('The event changed since it was read; fetch it again and retry.');
      await this.access.invalidateReaders(grant, record.attendeeEmails ?? []);
      const type = whole ? 'event.deleted' : 'event.updated';
      await this.changes?.publish({
        type,
        ownerId: grant.ownerId,
        eventId: id,
        previousAttendeeEmails: record.attendeeEmails ?? [],
      });
      invitationsSent = await this.sendItip([
        whole ? { type: 'deleted', record: after } : { type: 'updated', previous: record, record: after },
      ]);
      return false;
    });
    if (declines) await this.rsvp(owner, id, { response: 'declined' }, target);
    return { invitationsSent };
  }

  /**
   * Undoes a delete (the assistant's undo): a deleted event comes back (its soft delete cleared) or,
   * with `occurrenceStart`, a deleted occurrence of a series does (its EXDATE removed) — only while
   * the event is still at `expectedVersion`, the version the delete produced; else 412.
   */
  async restore(
    owner: CalendarOwner,
    id: string,
    expectedVersion: number,
    occurrenceStart?: Date,
  ): Promise<EventWriteResponse> {
    return this.count('restore', async () => {
      const stale = () =>
        new PreconditionFailedError('The event changed since it was deleted; it cannot be restored.');
      let restored: EventRecord | null;
      const placement = await this.events.findPlacement(id);
      if (!placement) throw new NotFoundError('Event not found.');
      const grant = await this.access.require(owner, placement.calendarId, 'writer', 'Event not found.');
      if (occurrenceStart) {
        const { record } = await this.require(owner, id, 'writer');
        if (record.version !== expectedVersion) throw stale();
        const series = toSeries(record);
        const exdates = (series.exdates ?? []).filter((d) => d.getTime() !== occurrenceStart.getTime());
        if (exdates.length === (series.exdates ?? []).length)
          throw new NotFoundError('That occurrence is not deleted.');
        restored = await this.events.replaceIfVersion(
          grant.calendarId,
          id,
          record.version,
          toState({ ...series, exdates }, { invites: invitesGuests(record) }),
        );
      } else {
        restored = await this.events.restoreIfVersion(grant.calendarId, id, expectedVersion);
      }
      if (!restored) throw stale();
      await this.access.invalidateReaders(grant, restored.attendeeEmails ?? []);
      await this.changes?.publish({
        type: occurrenceStart ? 'event.updated' : 'event.created',
        ownerId: grant.ownerId,
        eventId: id,
        record: restored,
      });
      return {
        event: toEventResponse(restored, owner.timeZone, owner.email),
        conflicts: await this.conflicts(grant.calendarId, toSeries(restored)),
        // A restore sends no iTIP message (the guests' last one was the cancellation).
        invitationsSent: false,
      };
    });
  }

  /**
   * An attendee's answer (accepted, declined, tentative, with an optional comment) to the whole
   * meeting or, for a recurring one, to one occurrence (`this`) or this and the following ones.
   * Anyone else gets 404, as for an event that does not exist. Answers race only with each other,
   * so a lost compare-and-set is read again and retried rather than answered 412.
   */
  async rsvp(
    owner: CalendarOwner,
    id: string,
    input: RsvpInput,
    target: EditTarget,
    zone = owner.timeZone,
  ): Promise<EventResponse> {
    return this.count('rsvp', async () => {
      const me = owner.email.toLowerCase();
      for (let attempt = 0; attempt < RSVP_ATTEMPTS; attempt++) {
        const record = await this.events.findById(id);
        if (!record || !(record.attendeeEmails ?? []).includes(me)) throw new NotFoundError(NOT_INVITED);
        const series = toSeries(record);
        const answer = (list: Attendee[] | undefined) => {
          if (!list?.some((a) => a.email === me))
            throw new NotFoundError('You are not invited to that occurrence of the meeting.');
          return withResponse(list, me, input.response, input.comment);
        };
        const occurrenceStart = this.occurrenceStart(target);
        let next: EventSeries;
        let created: EventSeries | undefined;
        if (target.scope === 'all' || !series.recurrence) {
          next = {
            ...series,
            fields: { ...(series.fields as EventFields), attendees: answer(series.fields?.attendees) },
            // Per-occurrence answers of the one answering follow their answer to the whole series.
            overrides: (series.overrides ?? []).map((o) =>
              o.fields?.attendees?.some((a) => a.email === me)
                ? { ...o, fields: { ...o.fields, attendees: answer(o.fields.attendees) } }
                : o,
            ),
          };
        } else {
          const own = (series.overrides ?? []).find(
            (o) => o.originalStart.getTime() === occurrenceStart?.getTime(),
          );
          const plan = asValidation('occurrenceStart', () =>
            planUpdate<EventFields>({
              series,
              scope: target.scope,
              occurrenceStart,
              changes: { fields: { attendees: answer(own?.fields?.attendees ?? series.fields?.attendees) } },
            }),
          );
          if (!plan.series) throw new Error('rsvp: the plan left no series');
          next = plan.series as EventSeries;
          created = plan.created as EventSeries | undefined;
        }
        const placement = { calendarId: String(record.calendarId), ownerId: String(record.ownerId) };
        const part = created
          ? await this.events.insert(placement, {
              ...toState(created, { organizer: record.organizer }),
              sequence: record.sequence ?? 0,
            })
          : null;
        const { id: _id, ...rest } = next;
        const updated = await this.events.replaceIfVersion(
          placement.calendarId,
          id,
          record.version,
          toState(rest),
        );
        if (!updated) {
          if (part) await this.events.hardDelete(placement.calendarId, String(part._id));
          continue;
        }
        await this.access.invalidateReaders(placement, record.attendeeEmails ?? []);
        await this.changes?.publish([
          {
            type: 'event.updated',
            ownerId: placement.ownerId,
            eventId: id,
            record: updated,
            response: {
              email: me,
              response: input.response,
              comment: input.comment ?? null,
              scope: target.scope,
              occurrenceStart: occurrenceStart?.toISOString() ?? null,
            },
          },
          ...(part
            ? [
                {
                  type: 'event.created' as const,
                  ownerId: placement.ownerId,
                  eventId: String(part._id),
                  record: part,
                },
              ]
            : []),
        ]);
        return attendeeView(owner, updated, zone);
      }
      throw new ConflictError('The meeting kept changing while you answered; try again.');
    });
  }

  /**
   * An attendee's own reminders of a meeting (a PATCH with only `reminders`): stored on their entry
   * of the guest list, for the whole meeting; no SEQUENCE change, nobody else's view changes. Like
   * an answer, it races only with other attendees' own writes, so a lost compare-and-set is retried.
   */
  private async setOwnReminders(
    owner: CalendarOwner,
    first: EventRecord,
    input: EventUpdateInput,
    target: EditTarget,
    zone: string,
  ): Promise<EventWriteResponse> {
    if (target.scope !== 'all')
      throw new ValidationError('Invalid scope: your own reminders are for the whole meeting (scope all)', [
        { field: 'scope', message: 'must be all for your own reminders' },
      ]);
    const me = owner.email.toLowerCase();
    const id = String(first._id);
    let record: EventRecord | null = first;
    for (let attempt = 0; attempt < RSVP_ATTEMPTS && record; attempt++) {
      if (!(record.attendees ?? []).some((a) => a.email === me))
        throw new NotFoundError('You are not on the guest list of the whole meeting.');
      const { id: _id, ...series } = toSeries(record);
      const fields = series.fields as EventFields;
      const attendees = withReminders(fields.attendees ?? [], me, input.reminders ?? null);
      const placement = { calendarId: String(record.calendarId), ownerId: String(record.ownerId) };
      const updated = await this.events.replaceIfVersion(
        placement.calendarId,
        id,
        record.version,
        toState({ ...series, fields: { ...fields, attendees } }),
      );
      if (updated) {
        await this.access.invalidateReaders(placement, record.attendeeEmails ?? []);
        await this.changes?.publish({
          type: 'event.updated',
          ownerId: placement.ownerId,
          eventId: id,
          record: updated,
        });
        return { event: attendeeView(owner, updated, zone), conflicts: [], invitationsSent: false };
      }
      record = await this.events.findById(id);
    }
    if (!record) throw new NotFoundError(NOT_INVITED);
    throw new ConflictError('The meeting kept changing while you set your reminders; try again.');
  }

  /** Other events of the calendar overlapping this one's occurrences (the next 90 days of a series). */
  async conflicts(calendarId: string, series: EventSeries): Promise<Conflict[]> {
    if (series.fields?.transparency === 'transparent') return [];
    const from = series.start;
    const to = series.recurrence ? new Date(from.getTime() + CONFLICT_HORIZON_MS) : series.end;
    const mine = expandOccurrences(series, { from, to }, { limit: 500 }).occurrences;
    if (mine.length === 0) return [];
    const others = await this.queries.occurrences([calendarId], mine[0].start, mine[mine.length - 1].end, {
      excludeId: series.id,
    });
    const found = new Map<string, Conflict>();
    for (const { occurrence: o, series: s } of others) {
      if (((o.fields as EventFields).transparency ?? s.fields?.transparency) === 'transparent') continue;
      if (mine.some((m) => m.start < o.end && m.end > o.start)) {
        const key = `${o.seriesId}|${o.start.toISOString()}`;
        found.set(key, {
          seriesId: o.seriesId,
          title: (o.fields as EventFields).title ?? s.fields?.title ?? '',
          start: o.start.toISOString(),
          end: o.end.toISOString(),
        });
        if (found.size >= MAX_CONFLICTS) break;
      }
    }
    return [...found.values()];
  }

  private async createNow(
    owner: CalendarOwner,
    grant: CalendarGrant,
    input: EventCreateInput,
    idempotencyKey?: string,
  ): Promise<EventWriteResponse> {
    const zone = normalizeTimeZone(input.timeZone ?? owner.timeZone);
    const timing = resolveNewTiming(input, zone);
    const organizer = await organizerOf(owner, grant, this.calendars);
    const recurrence = input.recurrence
      ? asValidation('recurrence', () => parseRecurrence(input.recurrence as string))
      : null;
    let draft: EventSeries = {
      id: 'new',
      ...timing,
      timeZone: zone,
      recurrence,
      exdates: (input.exdates ?? []).map((d) => toInstant(d, zone, 'exdates')),
      overrides: [],
      fields: {
        title: input.title,
        description: input.description ?? null,
        location: input.location ?? null,
        attendees: mergeAttendees(organizer, input.attendees ?? []),
        reminders: input.reminders ?? [],
        transparency: input.transparency ?? 'opaque',
        visibility: input.visibility ?? 'default',
      },
    };
    if (recurrence) draft = asValidation('recurrence', () => snapToRule(draft));
    asValidation('recurrence', () => validateSeries(draft));
    const { id: _id, ...series } = draft;
    const record = await this.events.insert(grant, toState(series, { idempotencyKey, organizer }));
    await this.access.invalidateReaders(grant, record.attendeeEmails ?? []);
    await this.changes?.publish({
      type: 'event.created',
      ownerId: grant.ownerId,
      eventId: String(record._id),
      record,
      previousAttendeeEmails: [],
    });
    const invitationsSent = await this.sendItip([{ type: 'created', record }]);
    return {
      event: toEventResponse(record, zone, owner.email),
      conflicts: await this.conflicts(grant.calendarId, toSeries(record)),
      invitationsSent,
    };
  }

  /** Queues the iTIP emails of an organizer's write (after it is stored); false when none were. */
  private async sendItip(changes: ItipChange[]): Promise<boolean> {
    return this.itip ? this.itip.send(changes) : false;
  }

  /**
   * Whether the edit moves the meeting in time (then every attendee answers again). A new start,
   * end or rule equal to the current one is not a move; for one occurrence any new time is.
   */
  private movesTime(record: EventRecord, input: EventUpdateInput, target: EditTarget): boolean {
    if (!TIMING_FIELDS.some((k) => input[k] !== undefined)) return false;
    if (target.scope !== 'all' && record.recurrence) return true;
    const zone = input.timeZone ?? record.timeZone;
    const timing = resolveTimingChanges(input, zone, record.allDay);
    const differs = (a: unknown, b: unknown) =>
      a !== undefined && (a instanceof Date && b instanceof Date ? a.getTime() !== b.getTime() : a !== b);
    return (
      differs(timing.start, record.start) ||
      differs(timing.end, record.end) ||
      differs(timing.allDay, record.allDay) ||
      differs(timing.startDate, record.startDate) ||
      differs(timing.endDate, record.endDate) ||
      (input.timeZone !== undefined && normalizeTimeZone(input.timeZone) !== record.timeZone) ||
      (input.recurrence !== undefined &&
        (input.recurrence === null ? null : parseRecurrence(input.recurrence)) !== record.recurrence)
    );
  }

  private toChanges(
    record: EventRecord,
    input: EventUpdateInput,
    target: EditTarget,
  ): EventChanges<EventFields> {
    const zone = input.timeZone ?? record.timeZone;
    const fields: Partial<EventFields> = {};
    for (const k of [
      'title',
      'description',
      'location',
      'reminders',
      'transparency',
      'visibility',
    ] as const) {
      if (input[k] !== undefined) (fields as Record<string, unknown>)[k] = input[k];
    }
    // reminders null: none of the event's own (the calendar's defaultReminders apply).
    if (input.reminders === null) fields.reminders = [];
    const organizer = record.organizer ?? null;
    if (input.attendees !== undefined)
      fields.attendees = mergeAttendees(organizer, input.attendees, record.attendees ?? []);
    if ((fields.attendees ?? record.attendees ?? []).length && this.movesTime(record, input, target))
      fields.attendees = resetResponses(organizer, fields.attendees ?? record.attendees ?? []);
    return {
      ...resolveTimingChanges(input, zone, record.allDay),
      ...(input.timeZone ? { timeZone: normalizeTimeZone(input.timeZone) } : {}),
      ...(input.recurrence !== undefined
        ? {
            recurrence:
              input.recurrence === null
                ? null
                : asValidation('recurrence', () => parseRecurrence(input.recurrence as string)),
          }
        : {}),
      ...(Object.keys(fields).length ? { fields } : {}),
    };
  }

  private occurrenceStart(target: EditTarget): Date | undefined {
    return target.scope === 'all' || !target.occurrenceStart ? undefined : new Date(target.occurrenceStart);
  }

  private checkIfMatch(record: EventRecord, ifMatch?: string): void {
    if (ifMatch === undefined || ifMatch.trim() === '*') return;
    const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (!tags.includes(etagOf(record.version))) {
      throw new PreconditionFailedError(
        `If-Match ${ifMatch} does not match the current ETag ${etagOf(record.version)}: the event changed; fetch it again.`,
      );
    }
  }

  /**
   * The event and the caller's grant on its calendar (at least `needed`); 404 without a role.
   *
   * Being invited is the one exception, and it lives here rather than in a second permission
   * mechanism: an invitation is a right to one event, not a role on a calendar, so
   * CalendarAccessService stays the only judge of roles and this is the only place that widens it —
   * an attendee without the role `needed` gets `attendee: true` (a reader's view of this one
   * meeting), and each write decides what an attendee may do instead (answer, decline, or a 403).
   */
  private async require(
    owner: CalendarOwner,
    id: string,
    needed: CalendarRole,
  ): Promise<{ record: EventRecord; grant: CalendarGrant; attendee: boolean }> {
    const record = await this.events.findById(id);
    if (!record) throw new NotFoundError('Event not found.');
    try {
      const grant = await this.access.require(owner, String(record.calendarId), needed, 'Event not found.');
      return { record, grant, attendee: false };
    } catch (err) {
      const invited = (record.attendeeEmails ?? []).includes(owner.email.toLowerCase());
      if (!invited || !(err instanceof NotFoundError || err instanceof ForbiddenError)) throw err;
      const grant = {
        calendarId: String(record.calendarId),
        ownerId: String(record.ownerId),
        role: 'reader' as const,
      };
      return { record, grant, attendee: true };
    }
  }

  /** A PATCH naming another calendar moves the whole event; it needs writer there too. */
  private async moveTarget(
    owner: CalendarOwner,
    from: CalendarGrant,
    input: EventUpdateInput,
    target: EditTarget,
  ): Promise<CalendarGrant | undefined> {
    if (!input.calendarId) return undefined;
    const to = await this.access.require(owner, input.calendarId, 'writer');
    if (to.calendarId === from.calendarId) return undefined;
    if (target.scope !== 'all')
      throw new ValidationError('Invalid calendarId: an event moves to another calendar whole (scope all)', [
        { field: 'calendarId', message: 'can change only with scope all' },
      ]);
    return to;
  }

  private async count<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.operations.inc({ operation, outcome: 'success' });
      return result;
    } catch (err) {
      const outcome =
        err instanceof ValidationError
          ? 'invalid'
          : err instanceof NotFoundError
            ? 'not_found'
            : err instanceof PreconditionFailedError
              ? 'precondition_failed'
              : 'error';
      this.operations.inc({ operation, outcome });
      if (outcome === 'error' && !(err instanceof ConflictError))
        this.logger.error(`${operation} failed: ${(err as Error).message}`);
      throw err;
    }
  }
}

/** A PATCH an attendee may make: their own reminders, nothing else. */
const ownRemindersOnly = (input: EventUpdateInput): boolean =>
  input.reminders !== undefined &&
  Object.entries(input).every(([k, v]) => k === 'reminders' || v === undefined);

/** A moved series: the per-occurrence answers go back to needsAction too (the organizer's stay). */
function resetOverrideResponses(record: EventRecord, series: EventSeries): EventSeries {
  return {
    ...series,
    overrides: (series.overrides ?? []).map((o) =>
      o.fields?.attendees
        ? { ...o, fields: { ...o.fields, attendees: resetResponses(record.organizer, o.fields.attendees) } }
        : o,
    ),
  };
}

/**
 * A recurring event whose start is not itself an occurrence of the rule ("every Tuesday" starting
 * on a Monday) starts at the rule's first occurrence instead, keeping its length.
 */
function snapToRule(draft: EventSeries): EventSeries {
  const first = firstOccurrenceStart(draft);
  if (!first) throw new RecurrenceError(`recurrence: the rule "${draft.recurrence}" produces no occurrences`);
  if (first.getTime() === draft.start.getTime()) return draft;
  if (draft.allDay) {
    const startDate = instantToLocalDate(first, draft.timeZone);
    const days = Math.round(
      (Date.parse(draft.endDate as string) - Date.parse(draft.startDate as string)) / 86_400_000,
    );
    const endDate = addDays(startDate, days);
    return { ...draft, startDate, endDate, ...allDayBounds(startDate, endDate, draft.timeZone) };
  }
  return {
    ...draft,
    start: first,
    end: new Date(first.getTime() + draft.end.getTime() - draft.start.getTime()),
  };
}
