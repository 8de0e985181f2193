import { waitFor } from '../support/eventually';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alertRules, RULES_FILE } from '../support/chart';
import { embedded, ManagedService } from '../support/embedded';
import { isRunning, PrometheusServer, startPrometheus } from '../support/prometheus';
import { ensurePrometheusTool } from '../support/promql';
import { sharedServices, testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';

interface RuleState {
  name: string;
  type: string;
  state?: 'inactive' | 'pending' | 'firing';
  health: string;
  lastError?: string;
  duration: number;
}
interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: string;
}

const seconds = (d: string) => {
  const m = d.match(/^(\d+)([smh])$/);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
};

// Scrapes and evaluates every second, so that what a cluster sees in minutes shows here in seconds.
// This file stops its MongoDB, so it runs its own FerretDB (Redis is the shared one).
describe('a real Prometheus scraping the API with the chart’s alert rules', () => {
  const rules = alertRules();
  let dataDir: string;
  let ferret: ManagedService;
  let api: TestApi;
  let prometheus: PrometheusServer;
  let target: string;
  let hammering = false;
  let hammer: Promise<unknown> = Promise.resolve();

  const ruleStates = async (): Promise<RuleState[]> =>
    (await prometheus.api<{ groups: { rules: RuleState[] }[] }>('/api/v1/rules')).groups.flatMap(
      (g) => g.rules,
    );
  const activeAlerts = async (): Promise<ActiveAlert[]> =>
    (await prometheus.api<{ alerts: ActiveAlert[] }>('/api/v1/alerts')).alerts;

  beforeAll(async () => {
    const binary = ensurePrometheusTool('prometheus');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'prometheus-e2e-'));
    ferret = await embedded.createFerretdb({ dataDir });
    await ferret.start();
    api = await startTestApi(
      await testConfig({}, { mongodbUri: ferret.uri, redisUrl: sharedServices().redisUrl }),
    );
    target = new URL(api.baseUrl).host;
    prometheus = await startPrometheus({
      binary,
      dir: path.join(dataDir, 'prometheus'),
      port: await embedded.freePort(),
      rulesFile: RULES_FILE,
      scrapeTargets: { 'calendar-assistant': [target] },
    });
  }, 300_000);

  afterAll(async () => {
    hammering = false;
    await hammer;
    await prometheus?.stop();
    await api?.close();
    await ferret?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('scrapes the API as job calendar-assistant', async () => {
    const up = await waitFor('the calendar-assistant target to be up', 15_000, async () => {
      const { activeTargets } = await prometheus.api<{
        activeTargets: {
          labels: Record<string, string>;
          health: string;
          scrapeUrl: string;
          lastError: string;
        }[];
      }>('/api/v1/targets');
      return activeTargets.find((t) => t.labels.job === 'calendar-assistant' && t.health === 'up');
    });
    expect(up).toMatchObject({
      scrapeUrl: `http://${target}/metrics`,
      lastError: '',
      labels: { instance: target },
    });
  }, 20_000);

  it('loads every alert of the rules file with its duration, and evaluates each without an error', async () => {
    const states = await waitFor('every rule evaluated', 15_000, async () => {
      const all = await ruleStates();
      return all.length === rules.length && all.every((r) => r.health !== 'unknown') ? all : undefined;
    });
    expect(
      states
        .map((r) => ({
          name: r.name,
          type: r.type,
          health: r.health,
          lastError: r.lastError ?? '',
          duration: r.duration,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    ).toEqual(
      rules
        .map((r) => ({
          name: r.alert,
          type: 'alerting',
          health: 'ok',
          lastError: '',
          duration: seconds(r.for ?? '0s'),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
  }, 20_000);

  it('keeps HighErrorRate, ServiceDown and DatabaseConnectionLost inactive while all is well; BackupsStopped is pending with no backup on record', async () => {
    for (let i = 0; i < 20; i++) expect((await api.request('/health')).status).toBe(200);
    // A few evaluations over scrapes that saw that traffic.
    await new Promise((r) => setTimeout(r, 3000));
    const states = Object.fromEntries((await ruleStates()).map((r) => [r.name, r.state]));
    expect(states).toMatchObject({
      HighErrorRate: 'inactive',
      ServiceDown: 'inactive',
      DatabaseConnectionLost: 'inactive',
      HighResponseTime: 'inactive',
      BackupsStopped: 'pending',
    });
  }, 20_000);

  it('makes HighErrorRate and DatabaseConnectionLost pending within seconds when MongoDB goes and /health answers 503', async () => {
    await ferret.stop();
    expect((await api.request('/health')).status).toBe(503);
    hammering = true;
    const worker = async () => {
      while (hammering) await api.request('/health').catch(() => undefined);
    };
    hammer = Promise.all(Array.from({ length: 4 }, worker));

    const alerts = await waitFor(
      'HighErrorRate and DatabaseConnectionLost pending or firing',
      45_000,
      async () => {
        const active = await activeAlerts();
        const names = new Set(active.map((a) => a.labels.alertname));
        return names.has('HighErrorRate') && names.has('DatabaseConnectionLost') ? active : undefined;
      },
    );
    const errorRate = alerts.find((a) => a.labels.alertname === 'HighErrorRate')!;
    expect(errorRate).toMatchObject({
      state: expect.stringMatching(/^(pending|firing)$/),
      labels: { severity: 'critical', service: 'calendar-assistant' },
      annotations: {
        summary: 'More than 5% of requests fail with a 5xx status',
        runbook_url: expect.stringMatching(/\/docs\/runbook\.md#high-error-rate$/),
      },
    });
    expect(Number(errorRate.value)).toBeGreaterThan(0.05);
    expect(alerts.find((a) => a.labels.alertname === 'DatabaseConnectionLost')).toMatchObject({
      labels: { severity: 'critical', instance: target, job: 'calendar-assistant' },
    });
    // The API itself is still scraped: it is the database that is down, not the service.
    expect(alerts.map((a) => a.labels.alertname)).not.toContain('ServiceDown');
  }, 50_000);

  it('stops Prometheus without leaving a process behind', async () => {
    hammering = false;
    await hammer;
    const pid = prometheus.pid;
    expect(pid && isRunning(pid)).toBe(true);
    await prometheus.stop();
    expect(isRunning(pid!)).toBe(false);
  }, 20_000);
});
