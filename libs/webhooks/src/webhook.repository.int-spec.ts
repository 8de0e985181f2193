import { Model, Types } from 'mongoose';
import { indexKeys, intConnection } from '../../../test/support/int-mongo';
import { WebhookRepository } from './webhook.repository';
import { WebhookDoc, WebhookSchema } from './webhook.schema';

describe('WebhookRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let model: Model<WebhookDoc>;
  let repo: WebhookRepository;
  const alice = new Types.ObjectId().toHexString();
  const bob = new Types.ObjectId().toHexString();
  const hook = (url: string, events: string[]) => ({ url, events, description: null, secretEnc: 'enc' });

  beforeAll(async () => {
    db = await intConnection();
    model = db.connection.model<WebhookDoc>(WebhookDoc.name, WebhookSchema);
    repo = new WebhookRepository(model);
  });
  afterAll(() => db?.close());

  it('creates the owner/event-type index', async () => {
    expect(await indexKeys(model)).toEqual(expect.arrayContaining([{ ownerId: 1, events: 1 }]));
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
    expect((await repo.subscribedTo(alice, 'event.deleted')).map((h) => h._id)).toEqual([a2._id]);
    expect((await repo.subscribedTo(bob, 'event.created')).map((h) => h._id)).toEqual([]);

    expect(await repo.remove(bob, a1._id.toHexString())).toBe(false);
    expect(await repo.remove(alice, 'not-an-id')).toBe(false);
    expect(await repo.findById(alice, a1._id.toHexString())).toMatchObject({ url: 'https://a.example/1' });
    expect(await repo.remove(alice, a1._id.toHexString())).toBe(true);
    expect(await repo.count(alice)).toBe(1);
  });
});
