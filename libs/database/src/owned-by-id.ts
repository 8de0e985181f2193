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
 * Read by `_id` alone, with the owner (and `accept`) checked on the one document read. MongoDB
 * serves `{_id}` and `{_id, ownerId, …}` alike from the `_id` index, but FerretDB 1.24 pushes a
 * filter down to its SQLite primary key only when it is exactly `{_id}`: with any other key it
 * decodes and tests every document of the collection, and under `npm run test:load` a get by id
 * cost as much as a whole week's window read.
 */
export async function findOwnedById<T extends { ownerId: Types.ObjectId }, D>(
  model: Model<D>,
  ownerId: string,
  id: string,
  accept: (doc: T) => boolean = () => true,
): Promise<T | null> {
  const _id = parseObjectId(id);
  if (!_id) return null;
  const doc = await model
    .findOne({ _id } as RootFilterQuery<D>)
    .lean<T>()
    .exec();
  return doc && String(doc.ownerId) === ownerId && accept(doc) ? doc : null;
}
