import { waitFor } from '../support/eventually';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { alertRules, RULES_FILE } from '../support/chart';
import { embedded, ManagedService } from '../support/embedded';
import { REDIS_EXPORTER } from '../support/exporter-metrics';
import { PrometheusServer, startPrometheus } from '../support/prometheus';
import { ensurePrometheusTool, parseExposition } from '../support/promql';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

// Debian's redis_exporter against a Redis of this test's own (it is made to evict keys, so it is not
// the shared one), scraped every second by a real Prometheus that loads the chart's rules under the
// job name the chart's ServiceMonitor gives the exporter.
describe('the Redis exporter scraped by a real Prometheus with the chart’s alert rules', () => {
  const rule = alertRules().find((r) => r.alert === 'RedisEvictingKeys')!;
  let dataDir: string;
  let redis: ManagedService;
  let client: Redis;
  let exporter: ChildProcess;
  let exporterLog = '';
  let exporterAddress: string;
  let prometheus: PrometheusServer;

  const query = async (expr: string): Promise<Sample[]> =>
    (await prometheus.api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;

  beforeAll(async () => {
    const binary = ensurePrometheusTool('prometheus-redis-exporter');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'redis-exporter-e2e-'));
    redis = await embedded.createRedis({ dataDir });
    await redis.start();
    client = new Redis(redis.uri, { maxRetriesPerRequest: 1 });
    exporterAddress = `127.0.0.1:${await embedded.freePort()}`;
    exporter = spawn(binary, [`-redis.addr=${redis.uri}`, `-web.listen-address=${exporterAddress}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => (exporterLog = (exporterLog + d.toString()).slice(-4000));
    exporter.stdout!.on('data', keep);
    exporter.stderr!.on('data', keep);
    await waitFor(`the exporter at ${exporterAddress} to answer (log: ${exporterLog})`, 20_000, async () =>
      (await fetch(`http://${exporterAddress}/metrics`)).ok ? true : undefined,
    );
    prometheus = await startPrometheus({
      binary: ensurePrometheusTool('prometheus'),
      dir: path.join(dataDir, 'prometheus'),
      port: await embedded.freePort(),
      rulesFile: RULES_FILE,
      scrapeTargets: { [REDIS_EXPORTER.job]: [exporterAddress] },
    });
  }, 300_000);

  afterAll(async () => {
    await prometheus?.stop();
    if (exporter && exporter.exitCode === null) {
      const exited = new Promise((r) => exporter.once('exit', r));
      exporter.kill('SIGTERM');
      await exited;
    }
    client?.disconnect();
    await redis?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('exports every Redis metric name the chart documents for it (test/support/exporter-metrics.ts)', async () => {
    const families = parseExposition(await (await fetch(`http://${exporterAddress}/metrics`)).text());
    expect(REDIS_EXPORTER.metrics.filter((name) => !families.has(name))).toEqual([]);
    expect(families.get('redis_up')?.type).toBe('gauge');
  });

  it('is scraped under the exporter job, and sees the test’s Redis up', async () => {
    const up = await waitFor('redis_up from the exporter job', 20_000, async () => {
      const r = await query(`redis_up{job="${REDIS_EXPORTER.job}"}`);
      return r.length ? r : undefined;
    });
    expect(up.map((s) => ({ instance: s.metric.instance, value: s.value[1] }))).toEqual([
      { instance: exporterAddress, value: '1' },
    ]);
  }, 30_000);

  it('evaluates RedisEvictingKeys on the real series: empty while nothing is evicted, then pending', async () => {
    // Two scrapes of a standing counter: the rule's expression is empty.
    await waitFor('two samples of redis_evicted_keys_total', 20_000, async () => {
      const r = await query(`count_over_time(redis_evicted_keys_total{job="${REDIS_EXPORTER.job}"}[1m])`);
      return r.length && Number(r[0].value[1]) >= 2 ? true : undefined;
    });
    expect(await query(rule.expr)).toEqual([]);
    const quiet = await prometheus.api<{
      groups: { rules: { name: string; state: string; health: string }[] }[];
    }>('/api/v1/rules');
    expect(quiet.groups.flatMap((g) => g.rules).find((r) => r.name === rule.alert)).toMatchObject({
      state: 'inactive',
      health: 'ok',
    });

    // A Redis just above what it holds now, dropping any key when full: filling it evicts.
    const used = Number((await client.info('memory')).match(/^used_memory:(\d+)/m)![1]);
    await client.config('SET', 'maxmemory', String(used + 512 * 1024));
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const value = 'x'.repeat(1024);
    for (let batch = 0; batch < 8; batch++) {
      const pipeline = client.pipeline();
      for (let i = 0; i < 250; i++) pipeline.set(`evict:${batch}:${i}`, value);
      await pipeline.exec();
    }
    const evicted = Number((await client.info('stats')).match(/^evicted_keys:(\d+)/m)![1]);
    expect(evicted).toBeGreaterThan(0);

    const firing = await waitFor('the RedisEvictingKeys expression to return a series', 30_000, async () => {
      const r = await query(rule.expr);
      return r.length ? r : undefined;
    });
    expect(firing.map((s) => s.metric)).toEqual([{ instance: exporterAddress }]);
    expect(Number(firing[0].value[1])).toBeGreaterThan(0);
    // It has a `for` of 5m, so the alert itself is pending (not firing) a few seconds in.
    const pending = await waitFor('RedisEvictingKeys to be pending', 15_000, async () => {
      const { alerts } = await prometheus.api<{
        alerts: { labels: Record<string, string>; state: string }[];
      }>('/api/v1/alerts');
      return alerts.find((a) => a.labels.alertname === rule.alert);
    });
    expect(pending).toMatchObject({
      state: 'pending',
      labels: { alertname: rule.alert, severity: 'warning', instance: exporterAddress },
    });
  }, 90_000);
});
