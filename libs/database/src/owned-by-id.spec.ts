import { Model, Types } from 'mongoose';
import { findOwnedById, parseObjectId } from './owned-by-id';

interface Doc {
  _id: Types.ObjectId;
  ownerId: Types.ObjectId;
  deletedAt: Date | null;
}

/** A model holding `docs` that records every filter it is asked for. */
function fakeModel(docs: Doc[]) {
  const filters: unknown[] = [];
  const model = {
    findOne(filter: { _id: Types.ObjectId; ownerId: Types.ObjectId }) {
      filters.push(filter);
      const found = docs.find((d) => d._id.equals(filter._id) && d.ownerId.equals(filter.ownerId)) ?? null;
      return { lean: () => ({ exec: async () => found }) };
    },
  } as unknown as Model<Doc>;
  return { model, filters };
}

describe('findOwnedById', () => {
  const alice = new Types.ObjectId().toHexString();
  const bob = new Types.ObjectId().toHexString();
  const live: Doc = { _id: new Types.ObjectId(), ownerId: new Types.ObjectId(alice), deletedAt: null };
  const gone: Doc = { _id: new Types.ObjectId(), ownerId: new Types.ObjectId(alice), deletedAt: new Date() };
  const isLive = (d: Doc) => d.deletedAt == null;

  it("returns the owner's document, asking the database by _id and owner (one shard; pushed down by FerretDB on PostgreSQL)", async () => {
    const { model, filters } = fakeModel([live, gone]);
    await expect(findOwnedById<Doc, Doc>(model, alice, live._id.toHexString(), isLive)).resolves.toBe(live);
    expect(filters).toEqual([{ _id: live._id, ownerId: new Types.ObjectId(alice) }]);
  });

  it("does not find another owner's document", async () => {
    const { model } = fakeModel([live]);
    await expect(findOwnedById<Doc, Doc>(model, bob, live._id.toHexString())).resolves.toBeNull();
  });

  it('does not find a document the caller does not accept (a tombstone, here)', async () => {
    const { model } = fakeModel([live, gone]);
    await expect(findOwnedById<Doc, Doc>(model, alice, gone._id.toHexString(), isLive)).resolves.toBeNull();
    await expect(findOwnedById<Doc, Doc>(model, alice, gone._id.toHexString())).resolves.toBe(gone);
  });

  it.each(['', 'nope', live._id.toHexString().toUpperCase(), `${live._id.toHexString()}0`, 'abcdefghijkl'])(
    'finds nothing for the malformed id %j without asking the database',
    async (id) => {
      const { model, filters } = fakeModel([live]);
      await expect(findOwnedById<Doc, Doc>(model, alice, id)).resolves.toBeNull();
      expect(filters).toEqual([]);
    },
  );
});

describe('parseObjectId', () => {
  it('reads the canonical 24-hex-digit spelling and nothing else', () => {
    const id = new Types.ObjectId();
    expect(parseObjectId(id.toHexString())?.equals(id)).toBe(true);
    expect(parseObjectId('abcdefghijkl')).toBeNull();
    expect(parseObjectId(id.toHexString().toUpperCase())).toBeNull();
  });
});
