import { ObjectId } from 'bson';
import { intConnection } from '../../../../test/support/int-mongo';
import { attendeesMigration } from './002-attendees.migration';

describe('migration 002 (attendees) on FerretDB', () => {
  let close: () => Promise<void>;
  afterEach(() => close?.());

  it('turns address lists into attendees (organizer first, accepted; guests needsAction), series and overrides, once', async () => {
    const c = await intConnection();
    close = c.close;
    const db = c.connection.db!;
    const alex = new ObjectId();
    const gone = new ObjectId();
    await db
      .collection('calendars')
      .insertOne({ _id: alex, ownerId: alex, ownerEmail: 'alex@example.test', primary: true });
    const updatedAt = new Date(Date.UTC(2026, 0, 2));
    const meeting = {
      _id: new ObjectId(),
      ownerId: alex,
      calendarId: alex,
      title: 'Sync',
      attendees: ['Sam@Example.test', 'alex@example.test', 'sam@example.test'],
      overrides: [
        { originalStart: new Date(Date.UTC(2026, 0, 9)), fields: { attendees: ['kim@example.test'] } },
        { originalStart: new Date(Date.UTC(2026, 0, 16)), fields: { title: 'Moved' } },
      ],
      version: 4,
      updatedAt,
    };
    const plain = {
      _id: new ObjectId(),
      ownerId: alex,
      calendarId: alex,
      title: 'Dentist',
      attendees: [],
      version: 1,
    };
    const orphan = {
      _id: new ObjectId(),
      ownerId: gone,
      calendarId: gone,
      title: 'Old',
      attendees: ['x@example.test'],
    };
    const migrated = {
      _id: new ObjectId(),
      ownerId: alex,
      organizer: { email: 'alex@example.test' },
      attendees: [],
    };
    await db.collection('events').insertMany([meeting, plain, orphan, migrated]);

    expect(await attendeesMigration.plan(db)).toEqual({ events: 3 });
    expect(await attendeesMigration.up(db, () => undefined)).toEqual({ changed: 3, counts: { events: 3 } });

    const byId = async (id: ObjectId) => db.collection('events').findOne({ _id: id });
    const m = await byId(meeting._id);
    expect(m).toMatchObject({
      organizer: { email: 'alex@example.test' },
      attendees: [
        { email: 'alex@example.test', optional: false, responseStatus: 'accepted' },
        { email: 'sam@example.test', optional: false, responseStatus: 'needsAction' },
      ],
      sequence: 0,
      version: 4,
      updatedAt,
    });
    expect([...(m!.attendeeEmails as string[])].sort()).toEqual([
      'alex@example.test',
      'kim@example.test',
      'sam@example.test',
    ]);
    expect(m!.overrides[0].fields.attendees).toEqual([
      { email: 'alex@example.test', optional: false, responseStatus: 'accepted' },
      { email: 'kim@example.test', optional: false, responseStatus: 'needsAction' },
    ]);
    expect(m!.overrides[1].fields).toEqual({ title: 'Moved' });
    expect(await byId(plain._id)).toMatchObject({
      organizer: { email: 'alex@example.test' },
      attendees: [],
      attendeeEmails: [],
    });
    // An owner gone before the migration: no organizer to name, the guests kept.
    expect(await byId(orphan._id)).toMatchObject({
      organizer: null,
      attendees: [{ email: 'x@example.test', optional: false, responseStatus: 'needsAction' }],
      attendeeEmails: ['x@example.test'],
    });
    expect(await byId(migrated._id)).toEqual(migrated);

    // Run again (a rerun): nothing left in the old shape.
    expect(await attendeesMigration.up(db, () => undefined)).toEqual({ changed: 0, counts: { events: 0 } });
  });
});
