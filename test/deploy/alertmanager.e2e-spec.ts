import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { alertRules } from '../support/chart';
import { ROOT } from '../support/cli';
import { eventually } from '../support/eventually';
import { ensurePrometheusTool } from '../support/promql';

const CONFIG = path.join(ROOT, 'deploy/alertmanager/alertmanager.yml');
const SERVICE = 'calendar-assistant';

/** `amtool config routes test`: the receivers labels are routed to. */
function receivers(amtool: string, labels: Record<string, string>): string {
  const r = spawnSync(
    amtool,
    [
      'config',
      'routes',
      'test',
      `--config.file=${CONFIG}`,
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`amtool config routes test failed: ${r.stderr}`);
  return r.stdout.trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

describe('deploy/alertmanager/alertmanager.yml', () => {
  let amtool: string;

  beforeAll(() => {
    amtool = ensurePrometheusTool('amtool');
  }, 300_000);

  it('passes amtool check-config', () => {
    const r = spawnSync(amtool, ['check-config', CONFIG], { encoding: 'utf8' });
    expect({ code: r.status, output: r.status === 0 ? '' : r.stdout + r.stderr }).toEqual({
      code: 0,
      output: '',
    });
  });

  it('pages for every critical alert and sends every warning (and anything else) to chat', () => {
    const rules = alertRules();
    expect(rules.length).toBeGreaterThan(0);
    const want = (severity: string) => (severity === 'critical' ? 'pager' : 'chat');
    for (const rule of rules) {
      const labels = { alertname: rule.alert, severity: rule.labels.severity, service: SERVICE };
      expect({ ...labels, to: receivers(amtool, labels) }).toEqual({
        ...labels,
        to: want(rule.labels.severity),
      });
    }
    for (const severity of ['critical', 'warning', 'info'])
      expect({ severity, to: receivers(amtool, { severity, alertname: 'X' }) }).toEqual({
        severity,
        to: want(severity),
      });
  });

  describe('inhibition, in a real Alertmanager on 127.0.0.1', () => {
    let dir: string;
    let child: ChildProcess;
    let url: string;
    let output = '';

    beforeAll(async () => {
      const binary = ensurePrometheusTool('prometheus-alertmanager');
      dir = mkdtempSync(path.join(os.tmpdir(), 'alertmanager-'));
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      child = spawn(binary, [
        `--config.file=${CONFIG}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ]);
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const ready = await eventually(
        () =>
          fetch(`${url}/-/ready`).then(
            (r) => r.ok,
            () => false,
          ),
        20_000,
      );
      if (!ready) throw new Error(`Alertmanager did not start:\n${output}`);
    }, 300_000);

    afterAll(async () => {
      if (child?.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('mutes error rate and latency while the service is down, and a warning while its critical fires', async () => {
      const alert = (alertname: string, severity: string) => ({
        labels: { alertname, severity, service: SERVICE },
        annotations: { summary: alertname },
      });
      const sent = [
        alert('ServiceDown', 'critical'),
        alert('HighErrorRate', 'critical'),
        alert('HighResponseTime', 'warning'),
        alert('LowCacheHitRate', 'warning'),
        alert('HighCPUUsage', 'critical'),
        alert('HighCPUUsage', 'warning'),
        alert('DatabaseConnectionLost', 'critical'),
      ];
      const post = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sent),
      });
      expect(post.status).toBe(200);
      const got = (await (await fetch(`${url}/api/v2/alerts`)).json()) as {
        labels: Record<string, string>;
        status: { inhibitedBy: string[] };
      }[];
      const state = Object.fromEntries(
        got.map((a) => [`${a.labels.alertname} ${a.labels.severity}`, a.status.inhibitedBy.length > 0]),
      );
      expect(state).toEqual({
        'ServiceDown critical': false,
        'HighErrorRate critical': true,
        'HighResponseTime warning': true,
        'LowCacheHitRate warning': false,
        'HighCPUUsage critical': false,
        'HighCPUUsage warning': true,
        'DatabaseConnectionLost critical': false,
      });
    });
  });
});
