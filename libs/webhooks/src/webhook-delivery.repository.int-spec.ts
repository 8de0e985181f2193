import { Model, Types } from 'mongoose';
import { indexKeys, intConnection } from '../../../test/support/int-mongo';
import { NewDelivery, WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookDeliveryDoc, WebhookDeliverySchema } from './webhook-delivery.schema';

describe('WebhookDeliveryRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let model: Model<WebhookDeliveryDoc>;
  let repo: WebhookDeliveryRepository;
  const alice = new Types.ObjectId().toHexString();
  const bob = new Types.ObjectId().toHexString();
  const delivery = (webhookId: Types.ObjectId, notificationId: string): NewDelivery => ({
    webhookId,
    eventType: 'event.created',
    notificationId,
    payload: `{"id":"${notificationId}"}`,
    maxAttempts: 5,
  });

  beforeAll(async () => {
    db = await intConnection();
    model = db.connection.model<WebhookDeliveryDoc>(WebhookDeliveryDoc.name, WebhookDeliverySchema);
    repo = new WebhookDeliveryRepository(model);
  });
  afterAll(() => db?.close());

  it('creates the per-webhook listing index and the sweep index', async () => {
    expect(await indexKeys(model)).toEqual(
      expect.arrayContaining([
        { ownerId: 1, webhookId: 1, _id: -1 },
        { status: 1, updatedAt: 1 },
      ]),
    );
  });

  it("stores a new delivery as pending and finds and lists only the owner's, newest first", async () => {
    const hook = new Types.ObjectId();
    const other = new Types.ObjectId();
    const d1 = await repo.insert(alice, delivery(hook, 'evt_1'));
    const d2 = await repo.insert(alice, delivery(hook, 'evt_2'));
    const d3 = await repo.insert(alice, { ...delivery(hook, 'evt_1'), replayOf: d1._id });
    await repo.insert(alice, delivery(other, 'evt_other'));
    const theirs = await repo.insert(bob, delivery(hook, 'evt_bob'));
    expect(d1).toMatchObject({ status: 'pending', attempts: [], nextAttemptAt: null, replayOf: null });
    expect(d3.replayOf).toEqual(d1._id);

    expect(await repo.findById(alice, d2._id.toHexString())).toMatchObject({ payload: '{"id":"evt_2"}' });
    expect(await repo.findById(bob, d2._id.toHexString())).toBeNull();
    expect(await repo.findById(alice, theirs._id.toHexString())).toBeNull();
    expect(await repo.findById(alice, 'not-an-id')).toBeNull();

    const listed = await repo.listForWebhook(alice, hook.toHexString(), 10);
    expect(listed.map((d) => d._id)).toEqual([d3._id, d2._id, d1._id]);
    expect((await repo.listForWebhook(alice, hook.toHexString(), 2)).map((d) => d._id)).toEqual([
      d3._id,
      d2._id,
    ]);
    expect((await repo.listForWebhook(bob, hook.toHexString(), 10)).map((d) => d._id)).toEqual([theirs._id]);
  });

  it("records attempts and status changes on the owner's delivery only", async () => {
    const d = await repo.insert(alice, delivery(new Types.ObjectId(), 'evt_attempts'));
    const id = d._id.toHexString();
    const retryAt = new Date('2026-07-01T10:00:00Z');
    const failed = {
      at: new Date('2026-07-01T09:59:00Z'),
      statusCode: 503,
      latencyMs: 12,
      error: 'HTTP 503',
    };

    await repo.recordAttempt(bob, id, failed, 'succeeded', null);
    await repo.setStatus(bob, id, 'cancelled');
    expect(await repo.findById(alice, id)).toMatchObject({ status: 'pending', attempts: [] });

    await repo.recordAttempt(alice, id, failed, 'retrying', retryAt);
    const ok = { at: new Date('2026-07-01T10:00:01Z'), statusCode: 200, latencyMs: 8, error: null };
    await repo.recordAttempt(alice, id, ok, 'succeeded', null);
    expect(await repo.findById(alice, id)).toMatchObject({
      status: 'succeeded',
      nextAttemptAt: null,
      attempts: [failed, ok],
    });

    const retrying = await repo.insert(alice, delivery(new Types.ObjectId(), 'evt_cancel'));
    await repo.recordAttempt(alice, retrying._id.toHexString(), failed, 'retrying', retryAt);
    expect((await repo.findById(alice, retrying._id.toHexString()))?.nextAttemptAt).toEqual(retryAt);
    await repo.setStatus(alice, retrying._id.toHexString(), 'cancelled');
    expect(await repo.findById(alice, retrying._id.toHexString())).toMatchObject({
      status: 'cancelled',
      nextAttemptAt: null,
    });
  });

  it('sweeps only pending deliveries untouched since the given time, of every owner, oldest first', async () => {
    const hook = new Types.ObjectId();
    const at = (iso: string) => new Date(iso);
    const old = await repo.insert(bob, delivery(hook, 'evt_old'));
    const older = await repo.insert(alice, delivery(hook, 'evt_older'));
    const fresh = await repo.insert(alice, delivery(hook, 'evt_fresh'));
    const attempted = await repo.insert(alice, delivery(hook, 'evt_attempted'));
    await repo.setStatus(alice, attempted._id.toHexString(), 'retrying');
    // updatedAt set through the driver: the schema's timestamps would overwrite it.
    const touch = (id: Types.ObjectId, updatedAt: Date) =>
      model.collection.updateOne({ _id: id }, { $set: { updatedAt } });
    await touch(old._id, at('2001-01-01T10:00:00Z'));
    await touch(older._id, at('2001-01-01T09:00:00Z'));
    await touch(fresh._id, at('2001-01-01T12:00:00Z'));
    await touch(attempted._id, at('2001-01-01T08:00:00Z'));

    const before = at('2001-01-01T11:00:00Z');
    const swept = await repo.pendingSince(before, 10);
    expect(swept.map((d) => d._id)).toEqual([older._id, old._id]);
    expect((await repo.pendingSince(before, 1)).map((d) => d._id)).toEqual([older._id]);
    // Exactly at the bound is not yet stale.
    expect((await repo.pendingSince(at('2001-01-01T09:00:00Z'), 10)).map((d) => d._id)).toEqual([]);
  });
});
