import { BACKUP_RUNS_COLLECTION } from './backup-runs.repository';

/** The audit trail: the API's security events and the record of every state-changing ops command. */
export const AUDIT_EVENTS_COLLECTION = 'audit_events';

/**
 * Records that outlive every restore. Rolling the data back to a backup must not roll back the
 * history of who did what — the backup runs, the audit trail, the restore itself — so these are
 * never dropped (not even with --drop), never count as data already in the target, and a restore
 * merges the backup's records into them with the target's own records winning.
 */
const APPEND_ONLY_COLLECTIONS: ReadonlySet<string> = new Set([
  BACKUP_RUNS_COLLECTION,
  AUDIT_EVENTS_COLLECTION,
]);

export const isAppendOnly = (collection: string): boolean => APPEND_ONLY_COLLECTIONS.has(collection);
