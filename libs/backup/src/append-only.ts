import { AUDIT_EVENTS_COLLECTION } from '@app/audit';
import { BACKUP_RUNS_COLLECTION } from './backup-runs.repository';

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
