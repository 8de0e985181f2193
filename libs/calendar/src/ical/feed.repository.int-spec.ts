import { Model, Types } from 'mongoose';
import { indexKeys, intConnection } from '../../../../test/support/int-mongo';
import { FeedRepository } from './feed.repository';
import { FeedDoc, FeedSchema } from './feed.schema';
import { toFeedResponse } from './feed.service';

describe('FeedRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let model: Model<FeedDoc>;
  let repo: FeedRepository;
  const alice = new Types.ObjectId().toHexString();
  const bob = new Types.ObjectId().toHexString();

  beforeAll(async () => {
    db = await intConnection();
    model = db.connection.model<FeedDoc>(FeedDoc.name, FeedSchema);
    repo = new FeedRepository(model);
  });
  afterAll(() => db?.close());

  it('creates the unique token-hash index and the owner index; a token hash cannot repeat', async () => {
    expect(await indexKeys(model)).toEqual(
      expect.arrayContaining([{ tokenHash: 1 }, { ownerId: 1, revokedAt: 1 }]),
    );
    const indexes = await model.collection.listIndexes().toArray();
    expect(indexes.find((i) => i.key.tokenHash === 1)?.unique).toBe(true);
    await repo.insert(alice, { calendarId: alice, kind: 'full', name: null, tokenHash: 'h-dup' });
    await expect(
      repo.insert(bob, { calendarId: bob, kind: 'full', name: null, tokenHash: 'h-dup' }),
    ).rejects.toThrow(/duplicate/i);
  });

  it("lists, counts and revokes only the owner's live feeds; a revoked feed is not found by its token", async () => {
    const a = await repo.insert(alice, {
      calendarId: alice,
      kind: 'freebusy',
      name: 'team',
      tokenHash: 'h-a',
    });
    await repo.insert(bob, { calendarId: bob, kind: 'full', name: null, tokenHash: 'h-b' });
    const before = await repo.countActive(alice);
    expect((await repo.listActive(bob)).map((f) => f.tokenHash)).toEqual(['h-b']);

    expect(await repo.revoke(bob, a._id.toHexString(), new Date())).toBe(false);
    expect(await repo.findActiveByTokenHash('h-a')).toMatchObject({ _id: a._id, calendarId: a.calendarId });
    expect(String(a.calendarId)).toBe(alice);
    expect(await repo.revoke(alice, a._id.toHexString(), new Date())).toBe(true);
    expect(await repo.revoke(alice, a._id.toHexString(), new Date())).toBe(false);
    expect(await repo.findActiveByTokenHash('h-a')).toBeNull();
    expect(await repo.countActive(alice)).toBe(before - 1);
    expect((await repo.listActive(alice)).map((f) => f.tokenHash)).not.toContain('h-a');
  });

  it("reads a feed made before calendars (no calendarId) as one of its creator's primary calendar", async () => {
    await model.collection.insertOne({
      _id: new Types.ObjectId(),
      ownerId: new Types.ObjectId(alice),
      kind: 'full',
      name: null,
      tokenHash: 'h-legacy',
      lastUsedAt: null,
      revokedAt: null,
      createdAt: new Date(),
    });
    const legacy = await repo.findActiveByTokenHash('h-legacy');
    expect(legacy?.calendarId).toBeUndefined();
    expect(toFeedResponse(legacy!)).toMatchObject({ calendarId: alice, kind: 'full' });
  });
});
