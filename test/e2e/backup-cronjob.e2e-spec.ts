import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
   * The container args of templates/cronjob-backup.yaml with config.backupDir = the volume. The
   * volume is mounted at config.backupDir, and the ConfigMap sets BACKUP_DIR to it as well. Each run
   * needs a new folder (`ops backup` refuses a non-empty --output, and writes its partial folder
   * beside the target — beside a mount point, on the read-only root): `ops backup all` without
   * --output writes BACKUP_DIR/<timestamp>.
   */
  function cronJobArgs(): string[] {
    const template = readFileSync(path.join(CHART_DIR, 'templates/cronjob-backup.yaml'), 'utf8');
    const configMap = readFileSync(path.join(CHART_DIR, 'templates/configmap.yaml'), 'utf8');
    expect(template).toMatch(/- name: backups\s+mountPath: \{\{ \.Values\.config\.backupDir \}\}/);
    expect(configMap).toMatch(/^ {2}BACKUP_DIR: \{\{ \.Values\.config\.backupDir \| quote \}\}$/m);
    const line = template.match(/^\s*args:\s*(\[.*\])\s*$/m)?.[1];
    if (!line) throw new Error('templates/cronjob-backup.yaml: no args: [...] line');
    const rendered = line.replace(
      /\{\{\s*\.Values\.config\.backupDir\s*\|\s*quote\s*\}\}/g,
      JSON.stringify(volume),
    );
    if (rendered.includes('{{')) throw new Error(`cannot render ${line}`);
    return parse(rendered) as string[];
  }

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

  it('backs up into the volume on consecutive runs, each run a new verified backup', async () => {
    const args = cronJobArgs();
    expect(args.slice(0, 3)).toEqual(['ops', 'backup', 'all']);
    for (const night of [1, 2]) {
      const run = await runOps(args.slice(1), env);
      expect({
        night,
        code: run.code,
        stderr: run.stderr.split('\n').filter((l) => l.startsWith('error')),
      }).toEqual({
        night,
        code: 0,
        stderr: [],
      });
    }
    const backups = readdirSync(volume).filter(
      (d) => !d.startsWith('.') && existsSync(path.join(volume, d, 'manifest.json')),
    );
    expect(backups).toHaveLength(2);
    const verify = await runOps(['backup', 'verify'], env);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^intact: \d+ files match the manifest$/m);
  }, 60_000);
});
