import { intConnection } from '../../../test/support/int-mongo';
import { BACKUP_RUNS_COLLECTION, BackupRun, BackupRunRepository } from './backup-runs.repository';

const run = (kind: BackupRun['kind'], outcome: BackupRun['outcome'], completedAt: string): BackupRun => ({
  kind,
  outcome,
  components: ['mongodb'],
  path: `/backups/${completedAt}`,
  startedAt: new Date(completedAt),
  completedAt: new Date(completedAt),
  durationMs: 1,
  bytes: 10,
  documents: 1,
  keys: 0,
  appVersion: 'test',
  host: 'test',
});

describe('BackupRunRepository on FerretDB', () => {
  let db: Awaited<ReturnType<typeof intConnection>>;
  let repo: BackupRunRepository;

  beforeAll(async () => {
    db = await intConnection();
    repo = new BackupRunRepository(db.connection);
  });
  afterAll(() => db?.close());

  it('answers null before any backup, then the latest successful backup, ignoring failures and restores', async () => {
    expect(await repo.lastSuccessfulBackup()).toBeNull();
    await repo.record(run('backup', 'succeeded', '2026-01-01T00:00:00Z'));
    await repo.record(run('backup', 'succeeded', '2026-01-03T00:00:00Z'));
    await repo.record(run('backup', 'failed', '2026-01-04T00:00:00Z'));
    await repo.record(run('restore', 'succeeded', '2026-01-05T00:00:00Z'));
    expect(await repo.lastSuccessfulBackup()).toEqual(run('backup', 'succeeded', '2026-01-03T00:00:00Z'));

    const keys = (await db.connection.collection(BACKUP_RUNS_COLLECTION).listIndexes().toArray()).map(
      (i) => i.key,
    );
    expect(keys).toEqual(expect.arrayContaining([{ kind: 1, outcome: 1, completedAt: -1 }]));
  });
});
