/**
 * Statements per update command (a bulkWrite of updateOne / updateMany / replaceOne). FerretDB 1.24
 * on PostgreSQL holds one pooled connection for each statement of an update command until the whole
 * command ends (its handler defers every statement's cursor close to the end), and its pool is shared
 * by every client: a command of as many statements as the pool has connections waits forever for one
 * more, and the whole server stops answering. Twenty leaves room for everyone else. Atlas has no such
 * limit; the batches only cost a few more round trips there.
 */
export const MAX_UPDATE_STATEMENTS = 20;
