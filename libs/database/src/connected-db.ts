import { DependencyUnavailableError, withTimeout } from '@app/common';
import type { Connection, mongo } from 'mongoose';

/** How long a command waits for a connection that is still being opened (the CLI opens lazily). */
export const CONNECT_WAIT_MS = 5000;

/** The driver's Db once the (possibly lazily opened) connection is up; fails clearly when it is not. */
export async function connectedDb(connection: Connection): Promise<mongo.Db> {
  if (connection.readyState !== 1) {
    try {
      await withTimeout(connection.asPromise(), CONNECT_WAIT_MS, 'connecting to MongoDB');
    } catch (err) {
      throw new DependencyUnavailableError(`MongoDB is unreachable: ${(err as Error).message}`);
    }
  }
  const db = connection.db;
  if (!db) throw new DependencyUnavailableError('MongoDB is not connected');
  return db;
}
