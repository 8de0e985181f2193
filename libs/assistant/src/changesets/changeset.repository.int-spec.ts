import { Model, Types } from 'mongoose';
import { indexKeys, intConnection } from '../../../../test/support/int-mongo';
import { ChangesetRepository, NewChangeset } from './changeset.repository';
import { ChangesetDoc, ChangesetSchema } from './changeset.schema';

const changeset = (): NewChangeset => ({
  kind: 'cancel',
  state: 'previewed',
  tokenHash: 'f'.repeat(64),
  expiresAt: new Date(Date.now() + 300_000),
  items: [],
  conflicts: [],
  occurrences: 1,
  summary: 'Cancel Standup',
  request: {
    text: 'cancel standup',
    interpreter: 'offline',
    model: null,
    toolCallIds: [],
    fallbackReason: null,
    plan: { intent: 'cancel' },
  },
});

describe('ChangesetRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let model: Model<ChangesetDoc>;
  let repo: ChangesetRepository;
  const alice = new Types.ObjectId().toHexString();
  const bob = new Types.ObjectId().toHexString();

  beforeAll(async () => {
    db = await intConnection();
    model = db.connection.model<ChangesetDoc>(ChangesetDoc.name, ChangesetSchema);
    repo = new ChangesetRepository(model);
  });
  afterAll(() => db?.close());

  it("creates the owner's newest-first index", async () => {
    expect(await indexKeys(model)).toEqual(expect.arrayContaining([{ ownerId: 1, createdAt: -1 }]));
  });

  it('finds and moves a changeset only for its owner and only from the state it is in', async () => {
    const c = await repo.insert(alice, changeset());
    const id = c._id.toHexString();
    expect(c).toMatchObject({ state: 'previewed', confirmedAt: null, undoUntil: null, undoneAt: null });
    expect(await repo.findById(bob, id)).toBeNull();
    expect(await repo.transition(bob, id, 'previewed', 'applying')).toBeNull();
    expect(await repo.transition(alice, 'not-an-id', 'previewed', 'applying')).toBeNull();

    // Two confirmations of one preview in turn: the first moves it, the second finds it moved on.
    const first = await repo.transition(alice, id, 'previewed', 'applying');
    const second = await repo.transition(alice, id, 'previewed', 'applying');
    expect(first).toMatchObject({ state: 'applying' });
    expect(second).toBeNull();
    const confirmedAt = new Date('2026-01-01T00:00:00Z');
    expect(await repo.transition(alice, id, 'applying', 'confirmed', { confirmedAt })).toMatchObject({
      state: 'confirmed',
      confirmedAt,
    });
    expect(await repo.findById(alice, id)).toMatchObject({ state: 'confirmed', confirmedAt });
  });
});
