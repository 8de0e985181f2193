/**
 * Fail fast, never hang: no command buffering (a command with no server fails instead of
 * queueing), a short server selection (a dead database fails a request within about a second),
 * a bounded wait for a pooled connection, quick heartbeats (a returning database is found within
 * about a second, without a restart).
 */
export const MONGOOSE_CONNECTION_OPTIONS = {
  bufferCommands: false,
  autoIndex: true,
  serverSelectionTimeoutMS: 1000,
  connectTimeoutMS: 2000,
  waitQueueTimeoutMS: 2000,
  heartbeatFrequencyMS: 1000,
  maxPoolSize: 20,
  retryWrites: false,
} as const;

/**
 * The longest one MongoDB round trip may take on the request path: a database that hangs or
 * crawls costs a request this long at most (then 503 `database_unavailable`), never the server.
 */
export const REQUEST_SOCKET_TIMEOUT_MS = 5000;
/** The ops CLI's bound on one round trip: long work, but a hung database still ends the command. */
export const LONG_SOCKET_TIMEOUT_MS = 30_000;
/**
 * The ops CLI's bound on finding a server. Its connection opens while its own start-up holds the
 * event loop, which on a loaded machine can outlast 1 s; a one-shot command can wait a few seconds
 * where a request cannot, and a dead database still ends the command.
 */
export const LONG_SERVER_SELECTION_TIMEOUT_MS = 5000;
