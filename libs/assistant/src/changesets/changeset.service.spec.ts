import { Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import { PreconditionFailedError } from '@app/common';
import type { EventService } from '@app/calendar';
import type { Counter } from '@app/observability';
import type { ChangesetRepository, NewChangeset } from './changeset.repository';
import type { ChangesetItemDoc, ChangesetRecord, ChangesetState } from './changeset.schema';
import { ChangesetService } from './changeset.service';
import { UndoUseCase } from '../executor/intents/undo.use-case';
import type { ExecutionContext } from '../executor/execution';

const me = { id: '6650f1a2c3d4e5f6a7b8c9d0', email: 'me@example.com', timeZone: 'UTC' };
const now = new Date('2027-06-01T08:00:00Z');
const request = {
  text: 't',
  interpreter: 'offline' as const,
  model: null,
  toolCallIds: [],
  fallbackReason: null,
  plan: {},
};
const at = (h: number) => new Date(Date.UTC(2027, 5, 4, h));
const timing = (h: number) => ({ allDay: false, start: at(h), end: at(h + 1) });

/** An in-memory repository with the real one's compare-and-set transitions. */
function memoryRepository() {
  const rows: ChangesetRecord[] = [];
  const repo = {
    insert: (ownerId: string, c: NewChangeset) => {
      const row = {
        ...c,
        _id: new Types.ObjectId(),
        ownerId: new Types.ObjectId(ownerId),
        confirmedAt: c.confirmedAt ?? null,
        undoUntil: c.undoUntil ?? null,
        undoneAt: null,
        createdAt: new Date(now.getTime() + rows.length),
        updatedAt: now,
      } as ChangesetRecord;
      rows.push(row);
      return Promise.resolve(row);
    },
    findById: (_o: string, id: string) => Promise.resolve(rows.find((r) => String(r._id) === id) ?? null),
    latestConfirmed: () =>
      Promise.resolve(
        [...rows]
          .filter((r) => r.state === 'confirmed')
          .sort(
            (a, b) =>
              Number(b.confirmedAt) - Number(a.confirmedAt) || b.createdAt.getTime() - a.createdAt.getTime(),
          )[0] ?? null,
      ),
    transition: (_o: string, id: string, from: ChangesetState, to: ChangesetState, fields = {}) => {
      const row = rows.find((r) => String(r._id) === id && r.state === from);
      if (!row) return Promise.resolve(null);
      Object.assign(row, fields, { state: to });
      return Promise.resolve(row);
    },
  };
  return repo as unknown as ChangesetRepository;
}

/** Events with versions: every write must name the current version (If-Match), as EventService does. */
function fakeEvents(versions: Record<string, number>) {
  const writes: string[] = [];
  const check = (id: string, ifMatch?: string) => {
    if (ifMatch !== `"${versions[id]}"`)
      throw new PreconditionFailedError('The event changed since it was read.');
    versions[id] += 1;
  };
  const events = {
    get: (_o: unknown, id: string) => Promise.resolve({ id, version: versions[id] }),
    update: (_o: unknown, id: string, input: object, t: { ifMatch?: string; occurrenceStart?: string }) => {
      check(id, t.ifMatch);
      writes.push(`update ${id}${t.occurrenceStart ? `@${t.occurrenceStart}` : ''} ${JSON.stringify(input)}`);
      return Promise.resolve({ event: { id, version: versions[id] } });
    },
    remove: (_o: unknown, id: string, t: { ifMatch?: string; occurrenceStart?: string }) => {
      check(id, t.ifMatch);
      writes.push(`remove ${id}${t.occurrenceStart ? `@${t.occurrenceStart}` : ''}`);
      return Promise.resolve();
    },
    restore: (_o: unknown, id: string, expected: number, occurrenceStart?: Date) => {
      check(id, `"${expected}"`);
      writes.push(`restore ${id}${occurrenceStart ? `@${occurrenceStart.toISOString()}` : ''}`);
      return Promise.resolve({ event: { id, version: versions[id] } });
    },
  };
  return { writes, events: events as unknown as EventService };
}

const counter = { inc: () => undefined } as unknown as Counter<string>;
const item = (eventId: string, h: number, over: Partial<ChangesetItemDoc> = {}): ChangesetItemDoc => ({
  eventId,
  title: eventId,
  recurring: false,
  overridden: false,
  scope: 'all',
  occurrenceStart: null,
  before: timing(h),
  after: null,
  previewVersion: 1,
  appliedVersion: null,
  ...over,
});

describe('changesets: every applied change can be undone, never over a later change', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('undo of a create deletes the event (If-Match the created version)', async () => {
    const { writes, events } = fakeEvents({ lunch: 1 });
    const service = new ChangesetService(memoryRepository(), events, counter);
    const view = await service.recordApplied(
      me,
      {
        kind: 'create',
        items: [item('lunch', 12, { before: null, after: timing(12), appliedVersion: 1 })],
        conflicts: [],
        occurrences: 1,
        summary: 'Create “lunch”',
        request,
      },
      now,
    );
    expect(view).toMatchObject({ kind: 'create', state: 'confirmed', undoUntil: '2027-06-02T08:00:00.000Z' });
    expect(view.items[0].before).toBeNull();
    expect((await service.latestApplied(me))?.id).toBe(view.id);
    const undone = await service.undo(me, view.id, now);
    expect(writes).toEqual(['remove lunch']);
    expect(undone.changeset.state).toBe('undone');
    expect(undone.reply).toBe('Undone: removed “lunch” (Fri, Jun 4, 12:00 PM – 1:00 PM).');
    expect(await service.latestApplied(me)).toBeNull();
  });

  it('refuses to undo when an event changed since, reverts nothing, and stays undoable', async () => {
    const versions = { lunch: 1 };
    const { writes, events } = fakeEvents(versions);
    const service = new ChangesetService(memoryRepository(), events, counter);
    const view = await service.recordApplied(
      me,
      {
        kind: 'create',
        items: [item('lunch', 12, { before: null, after: timing(12), appliedVersion: 1 })],
        conflicts: [],
        occurrences: 1,
        summary: 'Create “lunch”',
        request,
      },
      now,
    );
    versions.lunch = 2; // someone edited it meanwhile
    await expect(service.undo(me, view.id, now)).rejects.toThrow(
      '“lunch” changed after this change was applied; undo would overwrite that change, so nothing was reverted.',
    );
    expect(writes).toEqual([]);
    expect((await service.get(me, view.id)).state).toBe('confirmed');

    // The undo intent says why, in words.
    const res = await new UndoUseCase(service).execute({
      user: { ...me, workingHours: {} },
      now,
    } as unknown as ExecutionContext);
    expect(res.outcome).toBe('refused');
    expect(res.reply).toMatch(/^I can't undo the last change \(Create “lunch”\): “lunch” changed after/);
  });

  it('an edit sets its fields (with the new time) on confirm, and undo sets the values before back', async () => {
    const { writes, events } = fakeEvents({ review: 3 });
    const service = new ChangesetService(memoryRepository(), events, counter);
    const { changeset, token } = await service.preview(
      me,
      {
        kind: 'edit',
        items: [
          item('review', 9, {
            after: timing(11),
            fieldsBefore: { title: 'review', location: null, attendees: [] },
            fieldsAfter: {
              title: 'Final review',
              location: 'Room 7',
              attendees: [{ email: 'sam@example.com' }],
            },
            previewVersion: 3,
          }),
        ],
        conflicts: [],
        occurrences: 1,
        summary: 'Update “review”',
        request,
      },
      now,
    );
    expect(changeset.diff).toEqual([
      { eventId: 'review', field: 'when', before: expect.any(String), after: expect.any(String) },
      { eventId: 'review', field: 'title', before: 'review', after: 'Final review' },
      { eventId: 'review', field: 'location', before: 'none', after: 'Room 7' },
      { eventId: 'review', field: 'attendees', before: 'none', after: 'sam@example.com' },
    ]);
    expect(writes).toEqual([]);
    const confirmed = await service.confirm(me, changeset.id, token, now);
    expect(confirmed.reply).toMatch(/^Done: updated “review” \(title, location, attendees, time\)/);
    const undone = await service.undo(me, changeset.id, now);
    expect(undone.changeset.state).toBe('undone');
    expect(writes).toEqual([
      `update review {"title":"Final review","location":"Room 7","attendees":[{"email":"sam@example.com"}],"start":"${at(11).toISOString()}","end":"${at(12).toISOString()}"}`,
      `update review {"title":"review","location":null,"attendees":[],"start":"${at(9).toISOString()}","end":"${at(10).toISOString()}"}`,
    ]);
  });

  it('a discarded preview (declined) applies nothing, and its token no longer confirms it', async () => {
    const { writes, events } = fakeEvents({ gym: 1 });
    const service = new ChangesetService(memoryRepository(), events, counter);
    const { changeset, token } = await service.preview(
      me,
      {
        kind: 'cancel',
        items: [item('gym', 7)],
        conflicts: [],
        occurrences: 1,
        summary: 'Cancel “gym”',
        request,
      },
      now,
    );
    expect((await service.discard(me, changeset.id)).state).toBe('discarded');
    await expect(service.confirm(me, changeset.id, token, now)).rejects.toThrow(/declined/);
    await expect(service.discard(me, changeset.id)).rejects.toThrow(/only a preview can be discarded/);
    expect(writes).toEqual([]);
  });

  it('a bulk cancel with two occurrences of one series confirms and undoes with chained versions', async () => {
    const { writes, events } = fakeEvents({ standup: 4, review: 1 });
    const service = new ChangesetService(memoryRepository(), events, counter);
    const occ = (h: number) => ({
      recurring: true,
      scope: 'this' as const,
      occurrenceStart: at(h),
      previewVersion: 4,
    });
    const { changeset, token } = await service.preview(
      me,
      {
        kind: 'cancel',
        items: [item('standup', 9, occ(9)), item('review', 11), item('standup', 15, occ(15))],
        conflicts: [],
        occurrences: 3,
        summary: 'Cancel 3 events',
        request,
      },
      now,
    );
    const confirmed = await service.confirm(me, changeset.id, token, now);
    expect(confirmed.changeset.state).toBe('confirmed');
    expect(writes).toEqual([
      'remove standup@2027-06-04T09:00:00.000Z',
      'remove review',
      'remove standup@2027-06-04T15:00:00.000Z',
    ]);
    const undone = await service.undo(me, changeset.id, now);
    expect(undone.changeset.state).toBe('undone');
    expect(writes.slice(3)).toEqual([
      'restore standup@2027-06-04T15:00:00.000Z',
      'restore review',
      'restore standup@2027-06-04T09:00:00.000Z',
    ]);
  });

  it('undo of an invite puts the guest list back', async () => {
    const { writes, events } = fakeEvents({ review: 3 });
    const service = new ChangesetService(memoryRepository(), events, counter);
    const view = await service.recordApplied(
      me,
      {
        kind: 'invite',
        items: [
          item('review', 11, {
            after: timing(11),
            attendeesBefore: ['me@example.com', 'ann@example.com'],
            attendeesAfter: ['me@example.com', 'ann@example.com', 'sam@example.com'],
            previewVersion: 2,
            appliedVersion: 3,
          }),
        ],
        conflicts: [],
        occurrences: 1,
        summary: 'Invite sam@example.com to “review”',
        request,
      },
      now,
    );
    expect(view.diff[0]).toEqual({
      eventId: 'review',
      field: 'attendees',
      before: 'me@example.com, ann@example.com',
      after: 'me@example.com, ann@example.com, sam@example.com',
    });
    await service.undo(me, view.id, now);
    expect(writes).toEqual([
      'update review {"attendees":[{"email":"me@example.com"},{"email":"ann@example.com"}]}',
    ]);
  });
});
