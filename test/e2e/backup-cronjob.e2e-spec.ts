import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR } from '../support/chart';
import { runOps } from '../support/cli';
import { sharedServices, withDatabase, withRedisDb } from '../support/test-env';

/**
 * The runbook's backups are the chart's CronJob (`kubectl create job --from=cronjob/…` for one now)
 * followed by `ops backup verify` on the same volume. This runs the CronJob's own command line, as
 * the chart renders it, against a folder standing in for the backup volume, on two nights.
 */
describe('the backup CronJob of the chart, night after night', () => {
  let volume: string;
  let env: Record<string, string>;

  /**
   * The container args of templates/cronjob-backup.yaml with config.backupDir = the volume, in the
   * order the pod runs them: the init container's `ops backup all`, then the `ops backup prune` with
   * the retention of values.yaml. The volume is mounted at config.backupDir, and the ConfigMap sets
   * BACKUP_DIR to it as well. Each run needs a new folder (`ops backup` refuses a non-empty
   * --output, and writes its partial folder beside the target — beside a mount point, on the
   * read-only root): `ops backup all` without --output writes BACKUP_DIR/<timestamp>.
   */
  function cronJobArgs(): { backup: string[]; prune: string[] } {
    const template = readFileSync(path.join(CHART_DIR, 'templates/cronjob-backup.yaml'), 'utf8');
    const configMap = readFileSync(path.join(CHART_DIR, 'templates/configmap.yaml'), 'utf8');
    const values = parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as {
      backup: { retention: Record<string, number> };
    };
    expect(template).toMatch(/- name: backups\s+mountPath: \{\{ \.Values\.config\.backupDir \}\}/);
    expect(configMap).toMatch(/^ {2}BACKUP_DIR: \{\{ \.Values\.config\.backupDir \| quote \}\}$/m);
    // The init container runs first: the prune container starts only after the backup succeeded.
    expect(template.indexOf('initContainers:')).toBeLessThan(template.indexOf('\n          containers:'));
    const lines = [...template.matchAll(/^\s*args:\s*(\[.*\])\s*$/gm)].map((m) => m[1]);
    if (lines.length !== 2) throw new Error('templates/cronjob-backup.yaml: want two args: [...] lines');
    const [backup, prune] = lines.map((line) => {
      const rendered = line
        .replace(/\{\{\s*\.Values\.config\.backupDir\s*\|\s*quote\s*\}\}/g, JSON.stringify(volume))
        .replace(/\{\{\s*\.Values\.backup\.retention\.(\w+)\s*\}\}/g, (_m, key: string) =>
          String(values.backup.retention[key]),
        );
      if (rendered.includes('{{')) throw new Error(`cannot render ${line}`);
      return parse(rendered) as string[];
    });
    return { backup, prune };
  }

  const backupsIn = (dir: string) =>
    readdirSync(dir)
      .filter((d) => !d.startsWith('.') && existsSync(path.join(dir, d, 'manifest.json')))
      .sort();
  const takenAt = (name: string) =>
    (JSON.parse(readFileSync(path.join(volume, name, 'manifest.json'), 'utf8')) as { completedAt: string })
      .completedAt;

  beforeAll(async () => {
    volume = mkdtempSync(path.join(os.tmpdir(), 'backup-volume-'));
    const { mongodbUri, redisUrl } = sharedServices();
    env = {
      MONGODB_URI: withDatabase(mongodbUri, `backup_cronjob_${process.pid}`),
      REDIS_URL: withRedisDb(redisUrl),
      JWT_SECRET: 'backup-cronjob-test-secret-0123456789abcdef',
      // The chart's ConfigMap sets BACKUP_DIR to config.backupDir: the volume.
      BACKUP_DIR: volume,
    };
  });

  afterAll(() => rmSync(volume, { recursive: true, force: true }));

  it('backs up into the volume on consecutive runs, each run a new verified backup, then prunes', async () => {
    const args = cronJobArgs();
    expect(args.backup).toEqual(['ops', 'backup', 'all']);
    expect(args.prune.slice(0, 3)).toEqual(['ops', 'backup', 'prune']);
    const nights: Array<{ name: string; takenAt: string }> = [];
    for (const night of [1, 2]) {
      const before = backupsIn(volume);
      const run = await runOps(args.backup.slice(1), env);
      const made = backupsIn(volume).filter((d) => !before.includes(d));
      expect(made).toHaveLength(1);
      nights.push({ name: made[0], takenAt: takenAt(made[0]) });
      const prune = await runOps(args.prune.slice(1), env);
      expect({
        night,
        codes: [run.code, prune.code],
        stderr: [...run.stderr.split('\n'), ...prune.stderr.split('\n')].filter((l) => l.startsWith('error')),
      }).toEqual({
        night,
        codes: [0, 0],
        stderr: [],
      });
      // The prune never deletes the newest backup, which verified.
      expect(backupsIn(volume)).toContain(made[0]);
    }
    // Two backups on one UTC day: the daily slot keeps only the newer.
    const sameDay = nights[0].takenAt.slice(0, 10) === nights[1].takenAt.slice(0, 10);
    const names = nights.map((n) => n.name);
    expect(backupsIn(volume)).toEqual(sameDay ? [names[1]] : names);
    const verify = await runOps(['backup', 'verify'], env);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^intact: \d+ files match the manifest$/m);
  }, 60_000);

  it('prunes older backups by day, week and month, and leaves partial folders of running backups', async () => {
    const args = cronJobArgs();
    const newest = backupsIn(volume).at(-1)!;
    // Older backups: copies of a real one, taken (per their manifest) on past dates.
    const plant = (name: string, completedAt: string) => {
      cpSync(path.join(volume, newest), path.join(volume, name), { recursive: true });
      const file = path.join(volume, name, 'manifest.json');
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...manifest, completedAt }));
    };
    plant('2020-01-10T02-00-00.000Z', '2020-01-10T02:10:00.000Z');
    plant('2020-01-10T05-00-00.000Z', '2020-01-10T05:10:00.000Z'); // the same day, newer
    plant('2019-06-01T02-00-00.000Z', '2019-06-01T02:10:00.000Z');
    // A partial folder of a running backup (this process), and one of a process long gone.
    const running = `.2026-01-01T00-00-00.000Z.partial-${process.pid}`;
    mkdirSync(path.join(volume, running));
    const gonePid = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale = `.2019-01-01T00-00-00.000Z.partial-${gonePid}`;
    mkdirSync(path.join(volume, stale));
    writeFileSync(path.join(volume, stale, 'half.gz'), 'x');
    const old = new Date('2019-01-01T00:00:00Z');
    utimesSync(path.join(volume, stale, 'half.gz'), old, old);
    utimesSync(path.join(volume, stale), old, old);

    const dry = await runOps([...args.prune.slice(1), '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      newestVerified: newest,
      removed: [{ name: '2020-01-10T02-00-00.000Z' }],
    });
    expect(existsSync(path.join(volume, '2020-01-10T02-00-00.000Z'))).toBe(true);

    const prune = await runOps([...args.prune.slice(1), '--json'], env);
    expect(prune.code).toBe(0);
    const report = JSON.parse(prune.stdout) as {
      kept: Array<{ name: string; reasons: string[] }>;
      partials: Array<{ name: string; action: string }>;
    };
    expect(report.kept.find((k) => k.name === newest)?.reasons).toContain('newest-verified');
    expect(report.partials).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: running, action: 'kept' }),
        expect.objectContaining({ name: stale, action: 'removed' }),
      ]),
    );
    expect(backupsIn(volume)).toEqual(['2019-06-01T02-00-00.000Z', '2020-01-10T05-00-00.000Z', newest]);
    expect(readdirSync(volume).filter((d) => d.startsWith('.'))).toEqual([running]);

    const usage = await runOps(['backup', 'prune', '--keep-daily', 'seven'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--keep-daily takes a whole number/);
  }, 60_000);
});
