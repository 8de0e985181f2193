import { Model, Types } from 'mongoose';
import { indexKeys, intConnection } from '../../../../test/support/int-mongo';
import { EventRepository, EventState } from './event.repository';
import { EventDoc, EventSchema } from './event.schema';

const state = (title: string, start: string, hours = 1): EventState => ({
  title,
  description: null,
  location: null,
  attendees: [],
  attendeeEmails: [],
  reminders: [],
  transparency: 'opaque',
  visibility: 'default',
  start: new Date(start),
  end: new Date(new Date(start).getTime() + hours * 3_600_000),
  timeZone: 'UTC',
  allDay: false,
  recurrence: null,
  exdates: [],
  overrides: [],
  rangeStart: new Date(start),
  rangeEnd: new Date(new Date(start).getTime() + hours * 3_600_000),
});

describe('EventRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let repo: EventRepository;
  let model: Model<EventDoc>;
  const alice = new Types.ObjectId().toHexString();
  const bob = new Types.ObjectId().toHexString();
  // Two calendars (each its owner's primary, whose id is the owner's).
  const at = (calendarId: string) => ({ calendarId, ownerId: calendarId });

  beforeAll(async () => {
    db = await intConnection();
    model = db.connection.model<EventDoc>(EventDoc.name, EventSchema);
    repo = new EventRepository(model);
  });
  afterAll(() => db?.close());

  it('creates the window, uid, sync and idempotency indexes', async () => {
    expect(await indexKeys(model)).toEqual(
      expect.arrayContaining([
        { calendarId: 1, deletedAt: 1, rangeStart: 1 },
        { calendarId: 1, uid: 1 },
        { calendarId: 1, updatedAt: 1 },
        { calendarId: 1, idempotencyKey: 1 },
        { attendeeEmails: 1, deletedAt: 1, rangeStart: 1 },
      ]),
    );
  });

  it('finds the live meetings an address is invited to in a window, whichever calendar holds them', async () => {
    const guest = `guest-${new Types.ObjectId().toHexString()}@example.test`;
    const invite = (title: string, start: string, emails: string[]) => ({
      ...state(title, start),
      attendeeEmails: emails,
    });
    const inMine = await repo.insert(at(alice), invite('in mine', '2026-05-04T09:00:00Z', [guest]));
    await repo.insert(at(bob), invite('in theirs', '2026-05-04T11:00:00Z', ['other@example.test', guest]));
    await repo.insert(at(bob), invite('not invited', '2026-05-04T12:00:00Z', ['other@example.test']));
    await repo.insert(at(bob), invite('later', '2026-06-04T12:00:00Z', [guest]));
    const cancelled = await repo.insert(at(bob), invite('cancelled', '2026-05-04T13:00:00Z', [guest]));
    expect(await repo.softDeleteIfVersion(bob, cancelled._id.toHexString(), 1)).toBe(true);

    const found = await repo.findInvitedInRange(
      guest,
      new Date('2026-05-01T00:00:00Z'),
      new Date('2026-05-08T00:00:00Z'),
    );
    expect(found.map((r) => r.title).sort()).toEqual(['in mine', 'in theirs']);
    // A cancel is an organizer change: SEQUENCE went up with it.
    expect((await model.findById(cancelled._id).lean())?.sequence).toBe(1);
    expect((await model.findById(inMine._id).lean())?.sequence).toBe(0);
  });

  it("finds a calendar's live events in a window, and any live event by id (its caller checks the role)", async () => {
    const mine = await repo.insert(at(alice), state('mine', '2026-03-02T09:00:00Z'));
    const theirs = await repo.insert(at(bob), state('theirs', '2026-03-02T10:00:00Z'));
    expect(mine).toMatchObject({ version: 1, uid: `${mine._id.toHexString()}@calendar-assistant` });

    expect(mine.calendarId.toHexString()).toBe(alice);
    expect((await repo.findById(mine._id.toHexString()))?.title).toBe('mine');
    expect(String((await repo.findById(theirs._id.toHexString()))?.calendarId)).toBe(bob);
    expect(await repo.findById('not-an-id')).toBeNull();

    const week = await repo.findInRange(
      [alice],
      new Date('2026-03-02T00:00:00Z'),
      new Date('2026-03-09T00:00:00Z'),
    );
    expect(week.map((e) => e.title)).toEqual(['mine']);
    const both = await repo.findInRange(
      [alice, bob],
      new Date('2026-03-02T00:00:00Z'),
      new Date('2026-03-09T00:00:00Z'),
    );
    expect(both.map((e) => e.title).sort()).toEqual(['mine', 'theirs']);
    // Half-open window: an event ending exactly at `from` is outside it.
    expect(
      await repo.findInRange([alice], new Date('2026-03-02T10:00:00Z'), new Date('2026-03-03T00:00:00Z')),
    ).toEqual([]);
    expect(
      await repo.findInRange(
        [alice],
        new Date('2026-03-01T00:00:00Z'),
        new Date('2026-03-03T00:00:00Z'),
        mine._id.toHexString(),
      ),
    ).toEqual([]);

    expect(await repo.softDeleteIfVersion(alice, mine._id.toHexString(), 1)).toBe(true);
    expect(await repo.findById(mine._id.toHexString())).toBeNull();
    expect(await repo.findPlacement(mine._id.toHexString())).toEqual(at(alice));
    expect(
      await repo.findInRange([alice], new Date('2026-03-02T00:00:00Z'), new Date('2026-03-09T00:00:00Z')),
    ).toEqual([]);
    const restored = await repo.restoreIfVersion(alice, mine._id.toHexString(), 2);
    expect(restored).toMatchObject({ version: 3, deletedAt: null });
  });

  it('a write naming another calendar can neither update, delete, restore nor remove an event', async () => {
    const ev = await repo.insert(at(alice), state('private', '2026-04-01T09:00:00Z'));
    const id = ev._id.toHexString();
    expect(await repo.replaceIfVersion(bob, id, 1, state('hijacked', '2026-04-01T09:00:00Z'))).toBeNull();
    expect(await repo.softDeleteIfVersion(bob, id, 1)).toBe(false);
    await repo.hardDelete(bob, id);
    expect(await repo.findById(id)).toMatchObject({ title: 'private', version: 1 });
    // Moving it names its own calendar and the target.
    const moved = await repo.replaceIfVersion(alice, id, 1, state('moved', '2026-04-01T09:00:00Z'), at(bob));
    expect(moved).toMatchObject({ version: 2, title: 'moved' });
    expect(String(moved?.calendarId)).toBe(bob);
    expect(String(moved?.ownerId)).toBe(bob);
  });

  it('two writers of one version: the first wins, the second gets null and changes nothing', async () => {
    const ev = await repo.insert(at(alice), state('draft', '2026-05-01T09:00:00Z'));
    const id = ev._id.toHexString();
    // Both read version 1, then write in turn. (Sent at the same instant, FerretDB 1.24 lets both
    // through on its SQLite and its PostgreSQL backend alike: it reads the filter and writes by _id
    // in two steps. Atlas does not.)
    const a = await repo.replaceIfVersion(alice, id, 1, state('from A', '2026-05-01T09:00:00Z'));
    const b = await repo.replaceIfVersion(alice, id, 1, state('from B', '2026-05-01T10:00:00Z'));
    expect(a).toMatchObject({ version: 2, title: 'from A' });
    expect(b).toBeNull();
    expect(await repo.findById(id)).toMatchObject({ version: 2, title: 'from A' });
    // A stale delete or restore is refused too; the current version goes through.
    expect(await repo.softDeleteIfVersion(alice, id, 1)).toBe(false);
    expect(await repo.softDeleteIfVersion(alice, id, 2)).toBe(true);
    expect(await repo.restoreIfVersion(alice, id, 2)).toBeNull();
    expect(await repo.restoreIfVersion(alice, id, 3)).toMatchObject({ version: 4, title: 'from A' });
  });

  it('finds an idempotent create by key only in its calendar and only since the given time', async () => {
    const ev = await repo.insert(at(alice), {
      ...state('once', '2026-06-01T09:00:00Z'),
      idempotencyKey: 'k-1',
    });
    const before = new Date(ev.createdAt.getTime() - 1000);
    expect((await repo.findByIdempotencyKey(alice, 'k-1', before))?._id).toEqual(ev._id);
    expect(await repo.findByIdempotencyKey(bob, 'k-1', before)).toBeNull();
    expect(await repo.findByIdempotencyKey(alice, 'k-1', new Date(ev.createdAt.getTime() + 1000))).toBeNull();
  });
});
