import { assertBackupName, remoteProblems } from './offsite-store';
import type { Manifest } from './manifest';

const entry = (file: string, bytes: number) => ({ file, sha256: 'a'.repeat(64), bytes, lines: 1 });
const manifest = {
  components: ['mongodb', 'redis'],
  mongodb: {
    collections: [{ ...entry('mongodb/users.ejson.gz', 100), name: 'users', documents: 1 }],
  },
  redis: { ...entry('redis/keys.jsonl.gz', 50) },
} as unknown as Manifest;
const at = new Date(0);

describe('remoteProblems', () => {
  it('is empty when every file of the manifest is there at its size', () => {
    const objects = [
      { file: 'mongodb/users.ejson.gz', bytes: 100, lastModified: at },
      { file: 'redis/keys.jsonl.gz', bytes: 50, lastModified: at },
      { file: 'manifest.json', bytes: 10, lastModified: at },
    ];
    expect(remoteProblems(manifest, objects)).toEqual([]);
  });

  it('names a missing file and one of another size', () => {
    const objects = [{ file: 'mongodb/users.ejson.gz', bytes: 99, lastModified: at }];
    expect(remoteProblems(manifest, objects)).toEqual([
      'mongodb/users.ejson.gz has 99 bytes, the manifest says 100',
      'redis/keys.jsonl.gz is missing',
    ]);
  });
});

describe('assertBackupName', () => {
  it('takes a folder name as backup all writes it', () => {
    expect(() => assertBackupName('2026-03-02T02-17-00.000Z')).not.toThrow();
  });

  it.each(['../etc', 'a/b', '.hidden', '', 'a..b', 'x y'])(
    'refuses %p: it becomes a path and a key',
    (name) => {
      expect(() => assertBackupName(name)).toThrow(/--from-s3 takes a backup name/);
    },
  );
});
