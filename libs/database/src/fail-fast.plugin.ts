import { DomainError } from '@app/common';
import type { Aggregate, Connection, Model, MongooseQueryMiddleware, Query, Schema } from 'mongoose';

/** MongoDB cannot be reached (or answers too slowly) right now: 503 with Retry-After in the API. */
export class DatabaseUnavailableError extends DomainError {
  readonly code = 'database_unavailable';
  constructor() {
    super('The database is unavailable; retry shortly.');
  }
}

/** Query middleware names: every read and write a repository sends through a query. */
const QUERY_OPS: MongooseQueryMiddleware[] = [
  'countDocuments',
  'deleteMany',
  'deleteOne',
  'distinct',
  'estimatedDocumentCount',
  'find',
  'findOne',
  'findOneAndDelete',
  'findOneAndReplace',
  'findOneAndUpdate',
  'replaceOne',
  'updateMany',
  'updateOne',
];

/** Mongoose's readyState once the driver has marked the server unknown (or the connection closed). */
const DISCONNECTED = 0;

function refuseWhenDisconnected(db: Connection | undefined): void {
  if (db?.readyState === DISCONNECTED) throw new DatabaseUnavailableError();
}

/**
 * Fail fast while the database is known to be gone. Once the driver has found it unreachable (a
 * failed heartbeat or a dropped socket: mongoose's `disconnected`), every query, save, insert and
 * aggregate fails at once instead of each waiting `serverSelectionTimeoutMS` for a server, so a
 * request that needs several reads still answers 503 within about one server selection. The
 * driver's monitor keeps probing every `heartbeatFrequencyMS`; its first success lets them through
 * again, without a restart. Each hook checks its own model's connection, so a schema shared by
 * two connections (tests, the CLI) is judged per connection.
 */
export function failFastPlugin(schema: Schema): void {
  schema.pre(QUERY_OPS, { document: false, query: true }, function (this: Query<unknown, unknown>) {
    refuseWhenDisconnected(this.model?.db);
  });
  schema.pre('save', function () {
    refuseWhenDisconnected((this.constructor as Model<unknown>).db);
  });
  schema.pre('insertMany', function (this: Model<unknown>) {
    refuseWhenDisconnected(this.db);
  });
  schema.pre('bulkWrite', function (this: Model<unknown>) {
    refuseWhenDisconnected(this.db);
  });
  schema.pre('aggregate', function (this: Aggregate<unknown>) {
    refuseWhenDisconnected(this.model()?.db);
  });
}
