import { Model, Types } from 'mongoose';
import { indexKeys, intConnection } from '../../../../test/support/int-mongo';
import { EventRepository, EventState } from '../events/event.repository';
import { EventDoc, EventRecord, EventSchema } from '../events/event.schema';
import { EventReadRepository } from './event-read.repository';

const state = (title: string, uid?: string): EventState => ({
  title,
  description: null,
  location: null,
  attendees: [],
  attendeeEmails: [],
  reminders: [],
  transparency: 'opaque',
  visibility: 'default',
  start: new Date('2026-03-02T09:00:00Z'),
  end: new Date('2026-03-02T10:00:00Z'),
  timeZone: 'UTC',
  allDay: false,
  recurrence: null,
  exdates: [],
  overrides: [],
  rangeStart: new Date('2026-03-02T09:00:00Z'),
  rangeEnd: new Date('2026-03-02T10:00:00Z'),
  ...(uid ? { uid } : {}),
});

const ms = (iso: string) => new Date(iso).getTime();
const titles = (records: EventRecord[]) => records.map((r) => r.title);

describe('EventReadRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let model: Model<EventDoc>;
  let writes: EventRepository;
  let reads: EventReadRepository;
  const alice = new Types.ObjectId().toHexString();
  const bob = new Types.ObjectId().toHexString();
  const ids: Record<string, string> = {};

  /** Stores an event, deleted or not, last changed at `changedAt` (set through the driver: timestamps would overwrite it). */
  async function stored(owner: string, title: string, changedAt: string, deleted = false): Promise<void> {
    const ev = await writes.insert(
      { calendarId: owner, ownerId: owner },
      state(title, `${title}@example.com`),
    );
    if (deleted) expect(await writes.softDeleteIfVersion(owner, ev._id.toHexString(), 1)).toBe(true);
    await model.collection.updateOne({ _id: ev._id }, { $set: { updatedAt: new Date(changedAt) } });
    ids[title] = ev._id.toHexString();
  }

  beforeAll(async () => {
    db = await intConnection();
    model = db.connection.model<EventDoc>(EventDoc.name, EventSchema);
    writes = new EventRepository(model);
    reads = new EventReadRepository(model);
    // Inserted in this order, so _id order is e1 < e2 < gone < early < late-gone.
    await stored(alice, 'e1', '2001-01-01T10:00:00Z');
    await stored(alice, 'e2', '2001-01-01T10:00:00Z');
    await stored(alice, 'gone', '2001-01-01T11:00:00Z', true);
    await stored(alice, 'early', '2001-01-01T09:00:00Z');
    await stored(alice, 'late-gone', '2001-01-01T12:00:00Z', true);
    await stored(bob, 'bobs', '2001-01-01T10:30:00Z');
  });
  afterAll(() => db?.close());

  it('has the change-order and uid indexes its queries use', async () => {
    expect(await indexKeys(model)).toEqual(
      expect.arrayContaining([
        { calendarId: 1, updatedAt: 1 },
        { formerCalendarIds: 1, updatedAt: 1 },
        { calendarId: 1, uid: 1 },
      ]),
    );
  });

  it("lists the owner's changes from a time on (inclusive) in (updatedAt, _id) order, up to the limit", async () => {
    const since = ms('2001-01-01T10:00:00Z');
    expect(titles(await reads.changedSince(alice, since, 10))).toEqual(['e1', 'e2', 'gone', 'late-gone']);
    expect(titles(await reads.changedSince(alice, since, 2))).toEqual(['e1', 'e2']);
    expect(titles(await reads.changedSince(alice, 0, 10))).toEqual([
      'early',
      'e1',
      'e2',
      'gone',
      'late-gone',
    ]);
    expect(titles(await reads.changedSince(bob, 0, 10))).toEqual(['bobs']);
    expect(await reads.changedSince(alice, ms('2001-01-01T12:00:00.001Z'), 10)).toEqual([]);
  });

  it('leaves out every tombstone, or those deleted before the given time', async () => {
    const since = ms('2001-01-01T10:00:00Z');
    expect(titles(await reads.changedSince(alice, since, 10, null))).toEqual(['e1', 'e2']);
    expect(titles(await reads.changedSince(alice, since, 10, ms('2001-01-01T11:30:00Z')))).toEqual([
      'e1',
      'e2',
      'late-gone',
    ]);
    // A tombstone bound at or before `since` keeps them all.
    expect(titles(await reads.changedSince(alice, since, 10, since))).toEqual([
      'e1',
      'e2',
      'gone',
      'late-gone',
    ]);
  });

  it("lists the calendar's live events oldest first, for an export", async () => {
    expect(titles(await reads.allLive(alice))).toEqual(['e1', 'e2', 'early']);
    expect(titles(await reads.allLive(bob))).toEqual(['bobs']);
  });

  it("finds the calendar's live events by iCalendar UID, past the 500-UID batch", async () => {
    const filler = Array.from({ length: 500 }, (_, i) => `filler-${i}@example.com`);
    const found = await reads.liveByUids(alice, [
      ...filler,
      'e2@example.com',
      'gone@example.com',
      'bobs@example.com',
      'unknown@example.com',
    ]);
    expect(titles(found)).toEqual(['e2']);
    expect(titles(await reads.liveByUids(alice, ['e1@example.com']))).toEqual(['e1']);
    expect(await reads.liveByUids(alice, [])).toEqual([]);
  });

  it('finds an event by id, tombstone or not (a webhook payload; its calendar is on the record)', async () => {
    expect(await reads.anyById(ids.gone)).toMatchObject({
      title: 'gone',
      deletedAt: expect.any(Date),
    });
    expect(await reads.anyById(ids.e1)).toMatchObject({ title: 'e1', deletedAt: null });
    expect(String((await reads.anyById(ids.bobs))?.calendarId)).toBe(bob);
    expect(await reads.anyById('not-an-id')).toBeNull();
  });

  it('lists an event that moved out of the calendar among its changes (not on a first full-sync page), and in the new one', async () => {
    const home = new Types.ObjectId().toHexString();
    const away = new Types.ObjectId().toHexString();
    const ev = await writes.insert({ calendarId: home, ownerId: home }, state('mover', 'mover@example.com'));
    const moved = await writes.replaceIfVersion(home, ev._id.toHexString(), 1, state('mover'), {
      calendarId: away,
      ownerId: away,
    });
    expect(String(moved?.calendarId)).toBe(away);
    expect((moved?.formerCalendarIds ?? []).map(String)).toEqual([home]);
    expect(titles(await reads.changedSince(home, 0, 10))).toEqual(['mover']);
    expect(titles(await reads.changedSince(home, 0, 10, null))).toEqual([]);
    expect(titles(await reads.changedSince(away, 0, 10, null))).toEqual(['mover']);
    // Moved back: live in its first calendar again, and listed as a change of the other.
    await writes.replaceIfVersion(away, ev._id.toHexString(), 2, state('mover'), {
      calendarId: home,
      ownerId: home,
    });
    const back = await reads.changedSince(home, 0, 10, null);
    expect(titles(back)).toEqual(['mover']);
    expect(String(back[0].calendarId)).toBe(home);
    expect(titles(await reads.changedSince(away, 0, 10))).toEqual(['mover']);
  });
});
