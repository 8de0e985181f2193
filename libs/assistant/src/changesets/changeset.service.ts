import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, DomainError, GoneError, NotFoundError, PreconditionFailedError } from '@app/common';
import {
  CalendarOwner,
  Conflict,
  EventResponse,
  EventService,
  type EventUpdateInput,
  formatInZone,
} from '@app/calendar';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { formatSpan, quote } from '../executor/format';
import { ChangesetRepository } from './changeset.repository';
import {
  ChangesetItemDoc,
  ChangesetKind,
  ChangesetRecord,
  ChangesetRequestDoc,
  ChangesetState,
  ChangesetTimingDoc,
} from './changeset.schema';

/** A confirmation token is valid this long. */
export const CHANGESET_TTL_MS = 5 * 60_000;
/** An applied changeset can be undone this long. */
export const UNDO_WINDOW_MS = 24 * 3_600_000;

/** What the executor previews; the service adds the token, the expiry and the bookkeeping. */
export interface ChangesetDraft {
  kind: ChangesetKind;
  items: Omit<ChangesetItemDoc, 'appliedVersion'>[];
  conflicts: Conflict[];
  occurrences: number;
  summary: string;
  request: ChangesetRequestDoc;
}

/** A change the executor has applied already (a create, an invite): recorded so it can be undone. */
export interface AppliedChange {
  kind: ChangesetKind;
  items: ChangesetItemDoc[];
  conflicts: Conflict[];
  occurrences: number;
  summary: string;
  request: ChangesetRequestDoc;
}

export interface TimingView {
  allDay: boolean;
  /** UTC instants. */
  start: string;
  end: string;
  /** In the user's zone. */
  startLocal: string;
  endLocal: string;
  startDate?: string;
  endDate?: string;
}

/** What a diff line is about: the time, being on the calendar, the guests, or one edited field. */
export type DiffField = 'when' | 'status' | 'attendees' | 'title' | 'description' | 'location' | 'details';

export interface ChangesetView {
  id: string;
  kind: ChangesetKind;
  state: ChangesetState;
  summary: string;
  /** How many occurrences the change touches. */
  occurrences: number;
  items: {
    eventId: string;
    title: string;
    recurring: boolean;
    occurrenceStart: string | null;
    before: TimingView | null;
    after: TimingView | null;
    attendeesBefore?: string[];
    attendeesAfter?: string[];
  }[];
  /** Readable before/after lines, in the user's zone (an edit: one per field it changes). */
  diff: { eventId: string; field: DiffField; before: string; after: string }[];
  /** Events the change would overlap. */
  conflicts: Conflict[];
  expiresAt: string;
  confirmedAt: string | null;
  undoUntil: string | null;
  undoneAt: string | null;
  request: { text: string; interpreter: string; model: string | null; toolCallIds: string[] };
  createdAt: string;
}

export interface ChangesetOutcome {
  changeset: ChangesetView;
  reply: string;
  /** The events as they are after the operation (moved or restored ones). */
  events: EventResponse[];
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

/**
 * Changesets: a previewed move or cancel, applied only when confirmed with its single-use token
 * while every event is still at its previewed version (ETag), and undoable for 24 hours while the
 * events are still as the apply left them.
 *
 * Answers: another user's changeset, or a wrong token → 404 (nothing about it leaks); token older
 * than 5 minutes → 410 Gone (state `expired`); an event changed since the preview → 412 and
 * nothing applied (state `stale`); a second confirm → 409; undo after 24 hours → 410; undo after
 * the events changed → 412 and nothing reverted.
 */
@Injectable()
export class ChangesetService {
  private readonly logger = new Logger(ChangesetService.name);

  constructor(
    private readonly changesets: ChangesetRepository,
    private readonly events: EventService,
    @InjectMetric(METRICS.changesets) private readonly counter: Counter<string>,
  ) {}

  /** Stores a preview; returns it with the confirmation token (the only time the token is shown). */
  async preview(
    owner: CalendarOwner,
    draft: ChangesetDraft,
    now = new Date(),
  ): Promise<{ changeset: ChangesetView; token: string }> {
    const token = randomBytes(24).toString('base64url');
    const record = await this.changesets.insert(owner.id, {
      ...draft,
      items: draft.items.map((i) => ({ ...i, appliedVersion: null })),
      state: 'previewed',
      tokenHash: hashToken(token).toString('hex'),
      expiresAt: new Date(now.getTime() + CHANGESET_TTL_MS),
    });
    this.counter.inc({ state: 'previewed' });
    this.audit('previewed', owner, record);
    return { changeset: toView(record, owner.timeZone), token };
  }

  /**
   * Records a change the executor applied at once (a create, an invite) as a confirmed changeset,
   * undoable for 24 hours like a confirmed move — the one undo for everything the assistant does.
   */
  async recordApplied(owner: CalendarOwner, change: AppliedChange, now = new Date()): Promise<ChangesetView> {
    const record = await this.changesets.insert(owner.id, {
      ...change,
      state: 'confirmed',
      // Nothing to confirm: a token nobody holds.
      tokenHash: hashToken(randomBytes(24).toString('base64url')).toString('hex'),
      expiresAt: now,
      confirmedAt: now,
      undoUntil: new Date(now.getTime() + UNDO_WINDOW_MS),
    });
    this.counter.inc({ state: 'confirmed' });
    this.audit('confirmed', owner, record);
    return toView(record, owner.timeZone);
  }

  /** The caller's latest applied changeset that is not undone (the assistant's "undo"); null when none. */
  async latestApplied(owner: CalendarOwner): Promise<ChangesetView | null> {
    const record = await this.changesets.latestConfirmed(owner.id);
    return record ? toView(record, owner.timeZone) : null;
  }

  async get(owner: CalendarOwner, id: string): Promise<ChangesetView> {
    return toView(await this.require(owner, id), owner.timeZone);
  }

  /** Applies a previewed changeset (If-Match = the previewed ETags). */
  async confirm(
    owner: CalendarOwner,
    id: string,
    token: string,
    now = new Date(),
  ): Promise<ChangesetOutcome> {
    const record = await this.require(owner, id);
    if (!tokenMatches(record.tokenHash, token)) throw notFound();
    switch (record.state) {
      case 'previewed':
        break;
      case 'expired':
        throw expired();
      case 'stale':
        throw changedSincePreview();
      case 'discarded':
        throw new ConflictError(
          'This change was declined, so nothing was applied; ask again for a fresh preview.',
        );
      default:
        throw new ConflictError(
          `This changeset was already ${record.state === 'undone' ? 'applied and undone' : 'confirmed'}; a token works once.`,
        );
    }
    if (record.expiresAt.getTime() <= now.getTime()) {
      if (await this.changesets.transition(owner.id, id, 'previewed', 'expired'))
        this.counter.inc({ state: 'expired' });
      throw expired();
    }
    if (!(await this.changesets.transition(owner.id, id, 'previewed', 'applying'))) {
      throw new ConflictError('This changeset is being confirmed already; a token works once.');
    }

    // Every event must still be as previewed before anything is written.
    for (const item of record.items) {
      const current = await this.events.get(owner, item.eventId).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
      if (!current || current.version !== item.previewVersion)
        return this.fail(owner, record, changedSincePreview());
    }

    const applied: ChangesetItemDoc[] = [];
    const results: EventResponse[] = [];
    // Several occurrences of one series (a bulk cancel): each write expects the version the last made.
    const versions = new Map<string, number>();
    for (const item of record.items) {
      try {
        const expected = versions.get(item.eventId) ?? item.previewVersion;
        const { version, event } = await this.apply(owner, item, expected);
        versions.set(item.eventId, version);
        applied.push({ ...item, appliedVersion: version });
        if (event) results.push(event);
      } catch (err) {
        await this.rollback(owner, applied);
        return this.fail(
          owner,
          record,
          err instanceof PreconditionFailedError || err instanceof NotFoundError
            ? changedSincePreview()
            : err,
        );
      }
    }
    const confirmed = await this.changesets.transition(owner.id, id, 'applying', 'confirmed', {
      items: applied,
      confirmedAt: now,
      undoUntil: new Date(now.getTime() + UNDO_WINDOW_MS),
    });
    const done = confirmed ?? { ...record, items: applied, state: 'confirmed' as const };
    this.counter.inc({ state: 'confirmed' });
    this.audit('confirmed', owner, done);
    // An edit's item says "updated …" itself.
    const verb =
      record.kind === 'move' ? 'Done: moved' : record.kind === 'edit' ? 'Done:' : 'Done: cancelled';
    return {
      changeset: toView(done, owner.timeZone),
      reply: `${verb} ${describeItems(done.items, owner.timeZone, record.kind)}. You can undo this for 24 hours.`,
      events: results,
    };
  }

  /** Drops a preview the user declined: its token no longer applies it. */
  async discard(owner: CalendarOwner, id: string): Promise<ChangesetView> {
    const record = await this.require(owner, id);
    const discarded = await this.changesets.transition(owner.id, id, 'previewed', 'discarded');
    if (!discarded)
      throw new ConflictError(`This changeset is ${record.state}; only a preview can be discarded.`);
    this.counter.inc({ state: 'discarded' });
    this.audit('discarded', owner, discarded);
    return toView(discarded, owner.timeZone);
  }

  /** Reverts a confirmed changeset while its events are as the apply left them. */
  async undo(owner: CalendarOwner, id: string, now = new Date()): Promise<ChangesetOutcome> {
    const record = await this.require(owner, id);
    if (record.state === 'undone') throw new ConflictError('This changeset was already undone.');
    if (record.state !== 'confirmed') throw new ConflictError('Only a confirmed changeset can be undone.');
    if (!record.undoUntil || record.undoUntil.getTime() <= now.getTime()) {
      throw new GoneError('A changeset can be undone for 24 hours after it was applied; this one is older.');
    }
    if (!(await this.changesets.transition(owner.id, id, 'confirmed', 'undoing'))) {
      throw new ConflictError('This changeset is being undone already.');
    }
    const results: EventResponse[] = [];
    try {
      // Reverse order; several occurrences of one series: each revert expects the version the last made.
      const versions = new Map<string, number>();
      for (const item of [...record.items].reverse()) {
        const expected = versions.get(item.eventId) ?? (item.appliedVersion as number);
        const { event, version } = await this.revert(owner, item, expected);
        versions.set(item.eventId, version);
        if (event) results.push(event);
      }
    } catch (err) {
      await this.changesets.transition(owner.id, id, 'undoing', 'confirmed');
      if (err instanceof PreconditionFailedError || err instanceof NotFoundError) {
        throw new PreconditionFailedError(
          `${record.items.length > 1 ? 'An event' : quote(record.items[0]?.title ?? 'The event')} changed after this change was applied; undo would overwrite that change, so nothing was reverted.`,
        );
      }
      throw err;
    }
    const undone = (await this.changesets.transition(owner.id, id, 'undoing', 'undone', {
      undoneAt: now,
    })) ?? { ...record, state: 'undone' as const };
    this.counter.inc({ state: 'undone' });
    this.audit('undone', owner, undone);
    return {
      changeset: toView(undone, owner.timeZone),
      reply: `Undone: ${describeItems(record.items, owner.timeZone, record.kind, true)}.`,
      events: results,
    };
  }

  /** Applies a previewed move or cancel to the event at version `expected`. */
  private async apply(
    owner: CalendarOwner,
    item: ChangesetItemDoc,
    expected: number,
  ): Promise<{ version: number; event: EventResponse | null }> {
    const target = {
      scope: item.scope,
      ...(item.scope === 'this' && item.occurrenceStart
        ? { occurrenceStart: item.occurrenceStart.toISOString() }
        : {}),
      ifMatch: `"${expected}"`,
    };
    if (item.fieldsAfter || item.after) {
      const { event } = await this.events.update(
        owner,
        item.eventId,
        {
          ...(item.fieldsAfter ?? {}),
          ...(item.after ? timingInput(item.after, item.before) : {}),
        } as EventUpdateInput,
        target,
      );
      return { version: event.version, event };
    }
    await this.events.remove(owner, item.eventId, target);
    // A delete bumps the version by one (soft delete, or the series rewritten with an EXDATE).
    return { version: expected + 1, event: null };
  }

  /** Puts one item back while its event is at version `expected` (else 412); the version it leaves. */
  private async revert(
    owner: CalendarOwner,
    item: ChangesetItemDoc,
    expected: number,
  ): Promise<{ event: EventResponse | null; version: number }> {
    const occurrenceStart = item.scope === 'this' && item.occurrenceStart ? item.occurrenceStart : undefined;
    const target = {
      scope: item.scope,
      ...(occurrenceStart ? { occurrenceStart: occurrenceStart.toISOString() } : {}),
      ifMatch: `"${expected}"`,
    };
    if (!item.before) {
      // A create: undone by deleting what it made.
      await this.events.remove(owner, item.eventId, { scope: 'all', ifMatch: `"${expected}"` });
      return { event: null, version: expected + 1 };
    }
    if (item.fieldsBefore) {
      const { event } = await this.events.update(
        owner,
        item.eventId,
        {
          ...item.fieldsBefore,
          ...(item.after ? timingInput(item.before, item.after) : {}),
        } as EventUpdateInput,
        target,
      );
      return { event, version: event.version };
    }
    if (item.attendeesBefore) {
      const { event } = await this.events.update(
        owner,
        item.eventId,
        { attendees: item.attendeesBefore.map((email) => ({ email })) },
        target,
      );
      return { event, version: event.version };
    }
    if (item.after) {
      const { event } = await this.events.update(
        owner,
        item.eventId,
        timingInput(item.before, item.after),
        target,
      );
      return { event, version: event.version };
    }
    const { event } = await this.events.restore(owner, item.eventId, expected, occurrenceStart);
    if (occurrenceStart && item.overridden) {
      // The cancelled occurrence had been moved before: put it back where it was.
      const moved = await this.events.update(owner, item.eventId, timingInput(item.before, null), {
        scope: 'this',
        occurrenceStart: occurrenceStart.toISOString(),
        ifMatch: `"${event.version}"`,
      });
      return { event: moved.event, version: moved.event.version };
    }
    return { event, version: event.version };
  }

  /** Best effort: puts already-applied items back when a later one fails. */
  private async rollback(owner: CalendarOwner, applied: ChangesetItemDoc[]): Promise<void> {
    const versions = new Map<string, number>();
    for (const item of [...applied].reverse()) {
      const expected = versions.get(item.eventId) ?? (item.appliedVersion as number);
      await this.revert(owner, item, expected)
        .then(({ version }) => versions.set(item.eventId, version))
        .catch((err: Error) => this.logger.error(`rollback of event ${item.eventId} failed: ${err.message}`));
    }
  }

  private async fail(owner: CalendarOwner, record: ChangesetRecord, err: unknown): Promise<never> {
    if (await this.changesets.transition(owner.id, String(record._id), 'applying', 'stale'))
      this.counter.inc({ state: 'stale' });
    if (!(err instanceof DomainError))
      this.logger.error(`applying changeset ${String(record._id)} failed: ${(err as Error).message}`);
    throw err;
  }

  private async require(owner: CalendarOwner, id: string): Promise<ChangesetRecord> {
    const record = await this.changesets.findById(owner.id, id);
    if (!record) throw notFound();
    return record;
  }

  /** One line per changeset transition: who, what, and how the request was understood. */
  private audit(state: string, owner: CalendarOwner, record: ChangesetRecord): void {
    const r = record.request;
    this.logger.log(
      {
        changesetId: String(record._id),
        state,
        userId: owner.id,
        kind: record.kind,
        eventIds: record.items.map((i) => i.eventId),
        requestText: r.text,
        interpreter: r.interpreter,
        model: r.model,
        toolCallIds: r.toolCallIds,
        at: new Date().toISOString(),
      },
      `changeset ${state}`,
    );
  }
}

function tokenMatches(storedHex: string, token: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  const given = hashToken(token);
  return stored.length === given.length && timingSafeEqual(stored, given);
}

const notFound = () => new NotFoundError('No changeset of yours with this id and token.');
const expired = () =>
  new GoneError(
    'This confirmation has expired (tokens are valid for 5 minutes); ask again for a fresh preview.',
  );
const changedSincePreview = () =>
  new PreconditionFailedError(
    'An event changed since the preview; nothing was applied. Ask again for a fresh preview.',
  );

/** The EventService input that sets `to` (instants, or dates for an all-day event). */
function timingInput(
  to: ChangesetTimingDoc,
  from: ChangesetTimingDoc | null,
): { start: string; end: string; allDay?: boolean } {
  const switches = !from || from.allDay !== to.allDay;
  if (to.allDay)
    return {
      start: to.startDate as string,
      end: to.endDate as string,
      ...(switches ? { allDay: true } : {}),
    };
  return { start: to.start.toISOString(), end: to.end.toISOString(), ...(switches ? { allDay: false } : {}) };
}

function timingView(t: ChangesetTimingDoc, zone: string): TimingView {
  return {
    allDay: t.allDay,
    start: t.start.toISOString(),
    end: t.end.toISOString(),
    startLocal: formatInZone(t.start, zone),
    endLocal: formatInZone(t.end, zone),
    ...(t.allDay ? { startDate: t.startDate, endDate: t.endDate } : {}),
  };
}

function describeItems(items: ChangesetItemDoc[], zone: string, kind: ChangesetKind, undo = false): string {
  const span = (t: ChangesetTimingDoc) => formatSpan(t.start, t.end, t.allDay, zone);
  return items
    .map((i) => {
      if (kind === 'create' || !i.before)
        return `${undo ? 'removed ' : 'created '}${quote(i.title)}${i.after ? ` (${span(i.after)})` : ''}`;
      if (kind === 'invite') {
        const list = (undo ? i.attendeesBefore : i.attendeesAfter) ?? [];
        return `${quote(i.title)} ${undo ? 'back to' : 'now with'} ${list.length ? list.join(', ') : 'no guests'}`;
      }
      if (kind === 'cancel') return `${undo ? 'restored ' : ''}${quote(i.title)} (${span(i.before)})`;
      if (kind === 'edit') {
        const changed = [...Object.keys(i.fieldsAfter ?? {}), ...(i.after ? ['time'] : [])].join(', ');
        return `${undo ? 'put back' : 'updated'} ${quote(i.title)} (${changed})`;
      }
      const to = undo ? i.before : (i.after as ChangesetTimingDoc);
      return `${undo ? 'moved back ' : ''}${quote(i.title)} to ${span(to)}`;
    })
    .join('; ');
}

const OWN_DIFF_FIELDS: ReadonlySet<string> = new Set(['title', 'description', 'location', 'attendees']);

/** An edited field's value as a diff line reads it (guests by address; nothing as "none"). */
function fieldText(value: unknown): string {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return 'none';
  if (Array.isArray(value))
    return value
      .map((v) => (typeof v === 'object' && v ? String((v as { email?: unknown }).email) : String(v)))
      .join(', ');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The readable lines of one item's change: one, or one per field of an edit. */
function diffOf(i: ChangesetItemDoc, zone: string): ChangesetView['diff'] {
  const span = (t: ChangesetTimingDoc) => formatSpan(t.start, t.end, t.allDay, zone);
  if (i.fieldsAfter) {
    const lines: ChangesetView['diff'] = Object.entries(i.fieldsAfter).map(([field, after]) => {
      // title, description, location and attendees have lines of their own; the rest are "details".
      const own = OWN_DIFF_FIELDS.has(field);
      const label = own ? '' : `${field}: `;
      return {
        eventId: i.eventId,
        field: (own ? field : 'details') as DiffField,
        before: label + fieldText(i.fieldsBefore?.[field]),
        after: label + fieldText(after),
      };
    });
    if (i.before && i.after)
      lines.unshift({ eventId: i.eventId, field: 'when', before: span(i.before), after: span(i.after) });
    return lines;
  }
  return [diffLine(i, span)];
}

function diffLine(
  i: ChangesetItemDoc,
  span: (t: ChangesetTimingDoc) => string,
): ChangesetView['diff'][number] {
  if (i.attendeesAfter)
    return {
      eventId: i.eventId,
      field: 'attendees',
      before: (i.attendeesBefore ?? []).join(', ') || 'no guests',
      after: i.attendeesAfter.join(', '),
    };
  if (!i.before)
    return {
      eventId: i.eventId,
      field: 'status',
      before: 'not on the calendar',
      after: `scheduled ${i.after ? span(i.after) : ''}`.trim(),
    };
  if (i.after) return { eventId: i.eventId, field: 'when', before: span(i.before), after: span(i.after) };
  return { eventId: i.eventId, field: 'status', before: `scheduled ${span(i.before)}`, after: 'cancelled' };
}

export function toView(r: ChangesetRecord, zone: string): ChangesetView {
  return {
    id: String(r._id),
    kind: r.kind,
    state: r.state,
    summary: r.summary,
    occurrences: r.occurrences,
    items: r.items.map((i) => ({
      eventId: i.eventId,
      title: i.title,
      recurring: i.recurring,
      occurrenceStart: i.occurrenceStart ? i.occurrenceStart.toISOString() : null,
      before: i.before ? timingView(i.before, zone) : null,
      after: i.after ? timingView(i.after, zone) : null,
      ...(i.attendeesAfter
        ? { attendeesBefore: i.attendeesBefore ?? [], attendeesAfter: i.attendeesAfter }
        : {}),
    })),
    diff: r.items.flatMap((i) => diffOf(i, zone)),
    conflicts: r.conflicts.map((c) => ({ seriesId: c.seriesId, title: c.title, start: c.start, end: c.end })),
    expiresAt: r.expiresAt.toISOString(),
    confirmedAt: r.confirmedAt ? r.confirmedAt.toISOString() : null,
    undoUntil: r.undoUntil ? r.undoUntil.toISOString() : null,
    undoneAt: r.undoneAt ? r.undoneAt.toISOString() : null,
    request: {
      text: r.request.text,
      interpreter: r.request.interpreter,
      model: r.request.model ?? null,
      toolCallIds: r.request.toolCallIds ?? [],
    },
    createdAt: new Date(r.createdAt).toISOString(),
  };
}
