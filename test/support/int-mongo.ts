import { randomBytes } from 'node:crypto';
import mongoose, { type Connection, type Model } from 'mongoose';
import { sharedServices, withDatabase } from './test-env';

/**
 * One real mongoose connection for an integration spec, to a database of its own on the run's
 * FerretDB; `close()` drops the database.
 */
export async function intConnection(): Promise<{ connection: Connection; close(): Promise<void> }> {
  const uri = withDatabase(sharedServices().mongodbUri, `int_${randomBytes(4).toString('hex')}`);
  const connection = await mongoose.createConnection(uri).asPromise();
  return {
    connection,
    close: async () => {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

/** The key patterns of a model's collection, as the server lists them (after the model built its indexes). */
export async function indexKeys(model: Model<any>): Promise<Record<string, unknown>[]> {
  await model.init();
  return (await model.collection.listIndexes().toArray()).map((i) => i.key as Record<string, unknown>);
}
