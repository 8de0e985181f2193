import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mongo as mongodb } from 'mongoose';
import { parse as parseYaml, stringify } from 'yaml';
import { CHART_DIR } from '../support/chart';
import { runOps } from '../support/cli';
import { eventually } from '../support/eventually';
import { helmTemplate } from '../support/helm';
import { allowed, allowsAddress, Direction, NetworkPolicy, widening } from '../support/network-policy';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser } from '../support/users';

// Runs the built CLI and helm (a few seconds each on a busy machine).
jest.setTimeout(180_000);

/** Two clients behind the ingress (seen only in X-Forwarded-For), and one that is not suspicious. */
const PROBING_V4 = '203.0.113.50';
const PROBING_V6 = '2001:db8::50';
const OTHER_CLIENT = '198.51.100.20';

describe('suspicious-ips --block behind an ingress: the API deny list and a chart policy that only narrows', () => {
  let api: TestApi;
  let env: Record<string, string>;
  let mongo: mongodb.MongoClient;
  let dir: string;
  let valuesFile: string;
  let report: any;
  let stdout: string;

  beforeAll(async () => {
    // TRUST_PROXY as behind the chart's Ingress (config.trustProxy=true): the client is X-Forwarded-For.
    const config = await testConfig({ TRUST_PROXY: 'true' });
    env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl, TRUST_PROXY: 'true' };
    api = await startTestApi(config);
    mongo = await mongodb.MongoClient.connect(config.mongodbUri);
    dir = mkdtempSync(path.join(os.tmpdir(), 'security-block-e2e-'));
    valuesFile = path.join(dir, 'block-policy.yaml');

    // Failed logins through the "ingress" (the test client is the proxy, 127.0.0.1), two accounts so
    // the per-account back-off (after 5) does not cut them short.
    const users = [await registerUser(api), await registerUser(api)];
    for (let i = 0; i < 6; i++) {
      const res = await api.request('/v1/auth/login', {
        method: 'POST',
        headers: { 'x-forwarded-for': PROBING_V4 },
        json: { email: users[i % 2].email, password: `wrong-${i}-password` },
      });
      expect(res.status).toBe(401);
    }
    // An IPv6 client probing, as the audit log records it.
    const now = Date.now();
    await mongo
      .db()
      .collection('audit_events')
      .insertMany(
        Array.from({ length: 6 }, (_, i) => ({
          type: 'not_found',
          ip: PROBING_V6,
          route: `/probe/${i}`,
          status: 404,
          at: new Date(now - i * 1000),
        })),
      );
    // The audit log is written in batches off the request path.
    const recorded = await eventually(
      async () =>
        (await mongo
          .db()
          .collection('audit_events')
          .countDocuments({ type: 'auth_failure', ip: PROBING_V4 })) >= 6,
      5000,
    );
    expect(recorded).toBe(true);

    // The runbook's step, with the output path it names.
    const res = await runOps(
      ['security', 'suspicious-ips', '--since', '1h', '--threshold', '5', '--block', '--output', valuesFile],
      env,
    );
    expect(res.stderr).not.toMatch(/^error/m);
    expect(res.code).toBe(1); // found something
    stdout = res.stdout;
    const json = await runOps(
      ['security', 'suspicious-ips', '--since', '1h', '--threshold', '5', '--json'],
      env,
    );
    report = JSON.parse(json.stdout);
  });

  afterAll(async () => {
    await runOps(['security', 'deny-list', '--remove', `${PROBING_V4},${PROBING_V6}`], env);
    await api?.close();
    await mongo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("blocks the forwarded clients' addresses at the API, not the proxy's", async () => {
    const suspicious = report.suspicious.map((s: any) => s.ip);
    expect(suspicious).toEqual(expect.arrayContaining([PROBING_V4, PROBING_V6]));
    expect(suspicious).not.toContain('127.0.0.1');
    expect(report.suspicious.find((s: any) => s.ip === PROBING_V4)).toMatchObject({ denied: true });

    const via = (client: string) => ({ headers: { 'x-forwarded-for': client } });
    const refused = await eventually(
      async () => (await api.request('/v1/me', via(PROBING_V4))).status === 403,
      5000,
    );
    expect(refused).toBe(true);
    const res = await api.request('/v1/me', via(PROBING_V6));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: { code: 'forbidden', message: expect.any(String), requestId: expect.any(String) },
    });
    // Another client through the same proxy, and the proxy itself, still get in (401: no token).
    expect((await api.request('/v1/me', via(OTHER_CLIENT))).status).toBe(401);
    expect((await api.request('/v1/me')).status).toBe(401);
  });

  it('writes the deny list as the chart value and prints the helm upgrade line, not kubectl apply', () => {
    expect(parseYaml(readFileSync(valuesFile, 'utf8'))).toEqual({
      networkPolicy: { deniedCIDRs: [`${PROBING_V6}/128`, `${PROBING_V4}/32`] },
    });
    expect(stdout).toContain(
      `helm -n <namespace> upgrade <release> charts/calendar-assistant --reuse-values -f ${valuesFile}`,
    );
    expect(stdout).not.toContain('kubectl apply -f');
  });

  describe("applied with helm upgrade --reuse-values, the chart's NetworkPolicy only narrows", () => {
    /** The release's values before the block: address allows next to the ingress controller. */
    const releaseValues = () => {
      const file = path.join(dir, 'release-values.yaml');
      writeFileSync(
        file,
        stringify({
          networkPolicy: {
            ingress: {
              controller: {
                namespace: 'ingress-nginx',
                podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' },
              },
              prometheus: { namespace: 'monitoring' },
              cidrs: ['0.0.0.0/0', '::/0', '203.0.113.0/24', '203.0.113.50/32'],
            },
          },
        }),
      );
      return file;
    };
    const minimal = path.join(CHART_DIR, 'ci/minimal-values.yaml');
    const policies = (docs: Record<string, any>[]) =>
      docs.filter((d) => d.kind === 'NetworkPolicy') as unknown as NetworkPolicy[];
    const podLabels = (docs: Record<string, any>[]): Record<string, string>[] => [
      ...docs.filter((d) => d.kind === 'Deployment').map((d) => d.spec.template.metadata.labels),
      ...docs
        .filter((d) => d.kind === 'CronJob')
        .map((d) => d.spec.jobTemplate.spec.template.metadata.labels),
    ];

    it('allows no source or port it did not allow before, and no longer the denied addresses', () => {
      const release = releaseValues();
      const before = helmTemplate([minimal, release]);
      const after = helmTemplate([minimal, release, valuesFile]);
      const pods = podLabels(before);
      expect(pods.length).toBeGreaterThanOrEqual(2); // the API and the backup job
      for (const labels of pods)
        for (const direction of ['Ingress', 'Egress'] as Direction[])
          expect(
            widening(
              allowed(policies(before), labels, direction),
              allowed(policies(after), labels, direction),
            ),
          ).toEqual([]);

      const [apiPod] = podLabels(after);
      const was = allowed(policies(before), apiPod, 'Ingress');
      const now = allowed(policies(after), apiPod, 'Ingress');
      for (const address of [PROBING_V4, PROBING_V6]) {
        expect(allowsAddress(was, address, 'TCP/http')).toBe(true);
        expect(allowsAddress(now, address, 'TCP/http')).toBe(false);
      }
      expect(allowsAddress(now, OTHER_CLIENT, 'TCP/http')).toBe(true);
      // Nothing but the NetworkPolicy changes.
      const others = (docs: Record<string, any>[]) => docs.filter((d) => d.kind !== 'NetworkPolicy');
      expect(others(after)).toEqual(others(before));
    });

    it("changes nothing where the chart allows only the ingress controller's pods (the API deny list blocks there)", () => {
      const before = helmTemplate([minimal]);
      const after = helmTemplate([minimal, valuesFile]);
      expect(policies(after)).toEqual(policies(before));
    });

    it('detects the previous design, a separate "everyone except these" policy, as widening', () => {
      const before = helmTemplate([minimal, releaseValues()]);
      const [apiPod] = podLabels(before);
      const oldPolicy: NetworkPolicy = {
        kind: 'NetworkPolicy',
        metadata: { name: 'calendar-assistant-block-suspicious-ips' },
        spec: {
          podSelector: {
            matchLabels: {
              'app.kubernetes.io/name': 'calendar-assistant',
              'app.kubernetes.io/component': 'api',
            },
          },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [{ ipBlock: { cidr: '0.0.0.0/0', except: [`${PROBING_V4}/32`] } }],
              ports: [{ port: 'http', protocol: 'TCP' }],
            },
          ],
        },
      };
      const after = [...policies(before), oldPolicy];
      // It opens nothing new here (the release already allows 0.0.0.0/0) but cannot block either.
      expect(allowsAddress(allowed(after, apiPod, 'Ingress'), PROBING_V4, 'TCP/http')).toBe(true);
      const chartOnly = helmTemplate([minimal]);
      expect(
        widening(
          allowed(policies(chartOnly), apiPod, 'Ingress'),
          allowed([...policies(chartOnly), oldPolicy], apiPod, 'Ingress'),
        ),
      ).not.toEqual([]);
    });
  });
});
