import { Model, Types } from 'mongoose';
import { indexKeys, intConnection } from '../../../test/support/int-mongo';
import { WebhookRepository } from './webhook.repository';
import { watchedCalendars, WebhookDoc, WebhookSchema } from './webhook.schema';

describe('WebhookRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let model: Model<WebhookDoc>;
  let repo: WebhookRepository;
  const alice = new Types.ObjectId().toHexString();
  const bob = new Types.ObjectId().toHexString();
  const team = new Types.ObjectId().toHexString();
  const hook = (url: string, events: string[], calendarIds = [url.includes('//a.') ? alice : bob]) => ({
    url,
    events,
    calendarIds,
    description: null,
    secretEnc: 'enc',
  });

  beforeAll(async () => {
    db = await intConnection();
    model = db.connection.model<WebhookDoc>(WebhookDoc.name, WebhookSchema);
    repo = new WebhookRepository(model);
  });
  afterAll(() => db?.close());

  it('creates the owner/event-type and calendar/event-type indexes', async () => {
    expect(await indexKeys(model)).toEqual(
      expect.arrayContaining([
        { ownerId: 1, events: 1 },
        { calendarIds: 1, events: 1 },
      ]),
    );
  });

  it("lists, counts, finds, matches and removes only the owner's webhooks", async () => {
    const a1 = await repo.insert(alice, hook('https://a.example/1', ['event.created']));
    const a2 = await repo.insert(alice, hook('https://a.example/2', ['event.created', 'event.deleted']));
    const b1 = await repo.insert(bob, hook('https://b.example/1', ['event.deleted']));

    expect((await repo.list(alice)).map((h) => h.url)).toEqual([
      'https://a.example/1',
      'https://a.example/2',
    ]);
    expect(await repo.count(alice)).toBe(2);
    expect(await repo.count(bob)).toBe(1);
    expect(await repo.findById(alice, b1._id.toHexString())).toBeNull();
    expect((await repo.watching(alice, 'event.deleted')).map((h) => h._id)).toEqual([a2._id]);
    expect((await repo.watching(bob, 'event.created')).map((h) => h._id)).toEqual([]);

    expect(await repo.remove(bob, a1._id.toHexString())).toBe(false);
    expect(await repo.remove(alice, 'not-an-id')).toBe(false);
    expect(await repo.findById(alice, a1._id.toHexString())).toMatchObject({ url: 'https://a.example/1' });
    expect(await repo.remove(alice, a1._id.toHexString())).toBe(true);
    expect(await repo.count(alice)).toBe(1);
  });

  it("finds every owner's subscriptions watching a calendar, and treats one without calendarIds as its owner's primary", async () => {
    const carol = new Types.ObjectId().toHexString();
    const dave = new Types.ObjectId().toHexString();
    const carols = await repo.insert(carol, hook('https://c.example/team', ['event.updated'], [carol, team]));
    const daves = await repo.insert(dave, hook('https://d.example/team', ['event.updated'], [team]));
    await repo.insert(dave, hook('https://d.example/created', ['event.created'], [team]));
    // A subscription stored before calendars existed: no calendarIds field at all.
    const legacyId = new Types.ObjectId();
    await model.collection.insertOne({
      _id: legacyId,
      ownerId: new Types.ObjectId(dave),
      url: 'https://d.example/legacy',
      events: ['event.updated'],
      description: null,
      secretEnc: 'enc',
      createdAt: new Date(),
      updatedAt: new Date(),
    });

    expect((await repo.watching(team, 'event.updated')).map((h) => h._id)).toEqual([carols._id, daves._id]);
    expect((await repo.watching(carol, 'event.updated')).map((h) => h._id)).toEqual([carols._id]);
    expect((await repo.watching(dave, 'event.updated')).map((h) => h._id)).toEqual([legacyId]);
    expect(await repo.watching(dave, 'event.created')).toEqual([]);
    const legacy = (await repo.list(dave)).find((h) => h._id.equals(legacyId));
    expect(legacy && watchedCalendars(legacy)).toEqual([dave]);
    expect(watchedCalendars(carols)).toEqual([carol, team]);
  });
});
