import { DatabaseUnavailableError } from './fail-fast.plugin';

/**
 * Driver and mongoose errors that mean "MongoDB cannot be reached or answered too slowly", as
 * opposed to a bad query or a bug: no server to select, a dropped or timed-out socket, a cleared
 * pool, a node shutting down or stepping down. The API answers these with 503 and Retry-After.
 */
const UNAVAILABLE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
  'MongoOperationTimeoutError',
  'MongoStalePrimaryError',
]);

/** Server error codes of an unreachable, shutting-down, stepping-down or timed-out node. */
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Mongoose's own words for a command that found no open connection. */
const UNAVAILABLE_MESSAGES = [
  /buffering timed out/i,
  /before initial connection is complete/i,
  /connection .*closed/i,
];

/**
 * Socket errors the driver sometimes lets through unwrapped (a write to a socket the server has
 * just closed); counted only when thrown from within the driver.
 */
const SOCKET_ERROR_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED']);
const FROM_DRIVER = /[\\/]node_modules[\\/](mongodb|mongoose)[\\/]/;

/** Whether `err` (or an error it wraps) says MongoDB is unavailable rather than that the request is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  // Not `instanceof Error`: socket errors come from Node's own realm (not the same under Jest).
  for (let e = asError(err), depth = 0; e && depth < 5; e = asError(e.cause), depth++) {
    if (e instanceof DatabaseUnavailableError || UNAVAILABLE_NAMES.has(e.name)) return true;
    const code = e.code;
    if (typeof code === 'number' && UNAVAILABLE_CODES.has(code) && e.name.startsWith('Mongo')) return true;
    if (typeof code === 'string' && SOCKET_ERROR_CODES.has(code) && FROM_DRIVER.test(e.stack ?? ''))
      return true;
    if (e.name === 'MongooseError' && UNAVAILABLE_MESSAGES.some((m) => m.test(e.message))) return true;
  }
  return false;
}

type ErrorLike = { name: string; message: string; stack?: string; code?: unknown; cause?: unknown };

function asError(value: unknown): ErrorLike | undefined {
  const e = value as Partial<ErrorLike> | null;
  return typeof e === 'object' && e !== null && typeof e.name === 'string' && typeof e.message === 'string'
    ? (e as ErrorLike)
    : undefined;
}
