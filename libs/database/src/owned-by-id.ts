import { Model, RootFilterQuery, Types } from 'mongoose';

/**
 * The ObjectId an id from a URL or a body spells, or null when it spells none in canonical form
 * (24 lowercase hex digits): a malformed id is simply not found, never a 500.
 */
export const parseObjectId = (id: string): Types.ObjectId | null =>
  /^[0-9a-f]{24}$/.test(id) ? new Types.ObjectId(id) : null;

/**
 * One document of `ownerId` by its id, or null — another owner's document is simply not found.
 *
 * The filter is `{_id, ownerId}`: MongoDB serves it from the `_id` index, on a sharded cluster the
 * owner (the shard key's prefix) sends it to one shard instead of all of them, and FerretDB on
 * PostgreSQL pushes both equalities down. (FerretDB on SQLite pushed down only an exact `{_id}`.)
 */
export async function findOwnedById<T extends { ownerId: Types.ObjectId }, D>(
  model: Model<D>,
  ownerId: string,
  id: string,
  accept: (doc: T) => boolean = () => true,
): Promise<T | null> {
  const _id = parseObjectId(id);
  const owner = parseObjectId(ownerId);
  if (!_id || !owner) return null;
  const doc = await model
    .findOne({ _id, ownerId: owner } as RootFilterQuery<D>)
    .lean<T>()
    .exec();
  return doc && accept(doc) ? doc : null;
}
