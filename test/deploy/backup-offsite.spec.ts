import path from 'node:path';
import { CHART_DIR } from '../support/chart';
import { helmTemplate } from '../support/helm';

const MINIMAL = path.join(CHART_DIR, 'ci/minimal-values.yaml');
const FULL = path.join(CHART_DIR, 'ci/full-values.yaml');

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: Record<string, unknown> } };

function backupObjects(valuesFiles: string[]) {
  const objects = helmTemplate(valuesFiles);
  const cronJob = objects.find((o) => o.kind === 'CronJob')!;
  const pod = cronJob.spec.jobTemplate.spec.template.spec;
  const containers = [...pod.initContainers, ...pod.containers] as Array<{ name: string; env: Env[] }>;
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.data?.BACKUP_DIR)!;
  const policy = objects.find(
    (o) => o.kind === 'NetworkPolicy' && o.metadata.labels['app.kubernetes.io/component'] === 'backup',
  )!;
  return { containers, configMap, policy };
}

// backup.offsite renders BACKUP_S3_URL into the backup CronJob, the AWS credentials by Secret reference only.
describe('chart: the off-site backup copy (backup.offsite)', () => {
  it('without s3Url renders no S3 variable and no S3 egress', () => {
    const { containers, policy } = backupObjects([MINIMAL]);
    for (const c of containers)
      expect(c.env.map((e) => e.name).filter((n) => /S3|^AWS_/.test(n))).toEqual([]);
    expect(JSON.stringify(policy.spec.egress)).not.toContain('"port":443');
  });

  it('with s3Url gives both backup containers the URL and the credentials from the Secret, never values', () => {
    const { containers, configMap, policy } = backupObjects([FULL]);
    expect(containers.map((c) => c.name)).toEqual(['backup', 'prune']);
    for (const c of containers) {
      const env = Object.fromEntries(c.env.map((e) => [e.name, e]));
      expect(env.BACKUP_S3_URL).toEqual({
        name: 'BACKUP_S3_URL',
        value: 's3://example-backups/calendar-assistant/production',
      });
      expect(env.AWS_REGION.value).toBe('eu-central-1');
      expect(env.AWS_ENDPOINT_URL).toBeUndefined();
      for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
        expect(env[key]).toEqual({
          name: key,
          valueFrom: { secretKeyRef: { name: 'calendar-assistant-backup-s3', key } },
        });
      expect(env.AWS_SESSION_TOKEN.valueFrom?.secretKeyRef).toEqual({
        name: 'calendar-assistant-backup-s3',
        key: 'AWS_SESSION_TOKEN',
        optional: true,
      });
    }
    expect(Object.keys(configMap.data).filter((k) => /S3|^AWS_/.test(k))).toEqual([]);
    expect(policy.spec.egress).toContainEqual(
      expect.objectContaining({ ports: [{ port: 443, protocol: 'TCP' }] }),
    );
  });
});
