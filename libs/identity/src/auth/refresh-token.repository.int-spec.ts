import { Model, Types } from 'mongoose';
import { indexKeys, intConnection } from '../../../../test/support/int-mongo';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RefreshTokenDoc, RefreshTokenSchema } from './refresh-token.schema';

describe('RefreshTokenRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let model: Model<RefreshTokenDoc>;
  let repo: RefreshTokenRepository;
  const alice = new Types.ObjectId().toHexString();
  const bob = new Types.ObjectId().toHexString();
  const later = new Date(Date.now() + 86_400_000);

  beforeAll(async () => {
    db = await intConnection();
    model = db.connection.model<RefreshTokenDoc>(RefreshTokenDoc.name, RefreshTokenSchema);
    repo = new RefreshTokenRepository(model);
  });
  afterAll(() => db?.close());

  it('creates the unique token-hash index and the user and family indexes', async () => {
    expect(await indexKeys(model)).toEqual(
      expect.arrayContaining([{ tokenHash: 1 }, { userId: 1 }, { familyId: 1 }]),
    );
    const indexes = await model.collection.listIndexes().toArray();
    expect(indexes.find((i) => i.key.tokenHash === 1)?.unique).toBe(true);
  });

  it('claims a token once: a second use of the same token gets nothing', async () => {
    await repo.insert(alice, { familyId: 'fam-1', tokenHash: 'h1', expiresAt: later });
    const now = new Date();
    expect(await repo.claim('h1', now)).toMatchObject({ userId: alice, familyId: 'fam-1', usedAt: now });
    expect(await repo.claim('h1', new Date())).toBeNull();
    expect(await repo.claim('unknown', new Date())).toBeNull();
  });

  it("revokes one family or all of a user's tokens, never another user's; a revoked token cannot be claimed", async () => {
    await repo.insert(alice, { familyId: 'fam-a', tokenHash: 'ha1', expiresAt: later });
    await repo.insert(alice, { familyId: 'fam-a', tokenHash: 'ha2', expiresAt: later });
    await repo.insert(alice, { familyId: 'fam-b', tokenHash: 'hb1', expiresAt: later });
    await repo.insert(bob, { familyId: 'fam-a', tokenHash: 'hx1', expiresAt: later });

    expect(await repo.revokeFamily(alice, 'fam-a', new Date())).toBe(2);
    expect(await repo.claim('ha1', new Date())).toBeNull();
    expect((await repo.findByHash('hx1'))?.revokedAt).toBeNull();
    expect(await repo.revokeAllOfUser(alice, new Date())).toBe(2); // fam-b and fam-1's used token
    expect(await repo.claim('hb1', new Date())).toBeNull();
    expect(await repo.claim('hx1', new Date())).toMatchObject({ userId: bob });
  });
});
