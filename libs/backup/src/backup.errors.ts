import { DomainError } from '@app/common';

/**
 * A backup or restore that started and could not finish (a failed write, a document the server
 * refused). The message names what failed: the collection and batch, the key, the file.
 */
export class BackupFailedError extends DomainError {
  readonly code = 'backup_failed';
}
