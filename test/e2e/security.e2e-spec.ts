import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { mongo as mongodb } from 'mongoose';
import { parse as parseYaml } from 'yaml';
import { readTarGz, writeTarGz } from '@app/security';
import { runOps } from '../support/cli';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser } from '../support/users';
import { eventually } from '../support/eventually';

// Each test runs the built CLI several times (a second or more per run, more on a busy machine).
jest.setTimeout(180_000);

describe('security: audit log, deny list, suspicious IPs, evidence, notify and checks', () => {
  let api: TestApi;
  let env: Record<string, string>;
  let mongo: mongodb.MongoClient;
  let dir: string;
  let jwtSecret: string;

  beforeAll(async () => {
    const config = await testConfig();
    jwtSecret = config.jwt.secret;
    env = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl };
    api = await startTestApi(config);
    mongo = await mongodb.MongoClient.connect(config.mongodbUri);
    dir = mkdtempSync(path.join(os.tmpdir(), 'security-e2e-'));
  });

  afterAll(async () => {
    // Never leave the test client's own address denied.
    await runOps(['security', 'deny-list', '--remove', '127.0.0.1,203.0.113.7'], env);
    await api?.close();
    await mongo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const audit = () => mongo.db().collection('audit_events');

  it('records 404 probing in the audit log without slowing the request', async () => {
    for (const p of ['/wp-login.php', '/.env', '/v1/nothing?x=1'])
      expect((await api.request(p)).status).toBe(404);
    const written = await eventually(
      async () => (await audit().countDocuments({ type: 'not_found', ip: '127.0.0.1' })) >= 3,
      5000,
    );
    expect(written).toBe(true);
    const probe = await audit().findOne({ type: 'not_found', route: '/.env' });
    expect(probe).toMatchObject({
      ip: '127.0.0.1',
      status: 404,
      reason: 'unmatched_route',
      at: expect.any(Date),
    });
    expect(await audit().findOne({ route: { $regex: /\?/ } })).toBeNull();
  });

  it('suspicious-ips --block lists the failed-login address, blocks it at the API and writes the deniedCIDRs values file', async () => {
    // Two accounts, three failures each: under the per-account login back-off (after 5).
    const users = [await registerUser(api), await registerUser(api)];
    for (let i = 0; i < 6; i++) {
      const res = await api.request('/v1/auth/login', {
        method: 'POST',
        json: { email: users[i % 2].email, password: `wrong-${i}-password` },
      });
      expect(res.status).toBe(401);
    }
    // Another client, seen only in the audit log.
    const now = Date.now();
    await audit().insertMany(
      Array.from({ length: 12 }, (_, i) => ({
        type: 'not_found',
        ip: '203.0.113.7',
        route: `/probe/${i}`,
        status: 404,
        at: new Date(now - i * 1000),
      })),
    );
    await audit().insertOne({
      type: 'auth_failure',
      ip: '198.51.100.9',
      reason: 'bad_password',
      at: new Date(),
    });
    const policy = path.join(dir, 'k8s', 'block.yaml');

    const res = await runOps(
      [
        'security',
        'suspicious-ips',
        '--since',
        '1h',
        '--threshold',
        '5',
        '--block',
        '--output',
        policy,
        '--json',
      ],
      env,
    );
    expect(res.code).toBe(1); // found something
    const report = JSON.parse(res.stdout);
    const local = report.suspicious.find((s: any) => s.ip === '127.0.0.1');
    expect(local).toMatchObject({ blockable: true, internal: true, lastSeen: expect.any(String) });
    expect(local.counts.auth_failure).toBeGreaterThanOrEqual(6);
    expect(report.suspicious.find((s: any) => s.ip === '203.0.113.7')).toMatchObject({
      score: 12,
      counts: { not_found: 12 },
    });
    expect(report.suspicious.find((s: any) => s.ip === '198.51.100.9')).toBeUndefined(); // under the threshold
    expect(report.blocked).toEqual(expect.arrayContaining(['127.0.0.1', '203.0.113.7']));
    expect(report.valuesFile).toBe(policy);

    // The API refuses the address within the deny list's refresh interval — except the probes.
    const blocked = await eventually(async () => (await api.request('/health')).status === 403, 5000);
    expect(blocked).toBe(true);
    const refused = await api.request('/v1/me');
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: { code: 'forbidden', message: expect.any(String), requestId: expect.any(String) },
    });
    expect((await api.request('/health/live')).status).toBe(200);
    expect((await api.request('/health/ready')).status).toBe(200);

    // The chart value that takes them out of the chart's own NetworkPolicy (security-block.e2e-spec.ts).
    const doc = parseYaml(readFileSync(policy, 'utf8'));
    expect(doc.networkPolicy.deniedCIDRs).toEqual(expect.arrayContaining(['127.0.0.1/32', '203.0.113.7/32']));

    const list = await runOps(['security', 'deny-list', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).entries.find((e: any) => e.ip === '127.0.0.1')).toMatchObject({
      reason: expect.stringContaining('auth_failure'),
      source: 'ops security suspicious-ips --block',
    });

    const removed = await runOps(
      ['security', 'deny-list', '--remove', '127.0.0.1', '--remove', '203.0.113.7', '--json'],
      env,
    );
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout).removed).toBe(2);
    const open = await eventually(async () => (await api.request('/health')).status === 200, 5000);
    expect(open).toBe(true);
    expect(await audit().countDocuments({ type: 'blocked_ip', ip: '127.0.0.1' })).toBeGreaterThan(0);
  });

  it('deny-list validates its input (exit 2)', async () => {
    const runs = await Promise.all([
      runOps(['security', 'deny-list', '--add', 'not-an-ip', '--reason', 'x'], env),
      runOps(['security', 'deny-list', '--add', '192.0.2.1'], env), // no --reason
      runOps(['security', 'suspicious-ips', '--since', 'yesterday'], env),
      runOps(['security', 'suspicious-ips', '--threshold', '0'], env),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(runs[0].stderr).toMatch(/not an IP address: not-an-ip/);
    expect(runs[2].stderr).toMatch(/--since must be a duration/);
  });

  it('preserve-evidence writes an archive that verifies, and a changed member fails verification', async () => {
    const out = path.join(dir, 'evidence');
    const res = await runOps(
      ['security', 'preserve-evidence', '--output', out, '--since', '1h', '--json'],
      env,
    );
    expect(res.stderr).not.toMatch(/^error/m);
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.archive.startsWith(out)).toBe(true);
    expect(readFileSync(`${result.archive}.sha256`, 'utf8')).toBe(
      `${result.sha256}  ${path.basename(result.archive)}\n`,
    );
    expect(result.auditEvents).toBeGreaterThan(0);
    expect(result.manifest.files.map((f: any) => f.name)).toEqual([
      'audit-events.jsonl',
      'security-events.json',
      'deny-list.json',
      'config.json',
      'database-stats.json',
      'cache-stats.json',
    ]);

    const members = await readTarGz(result.archive, () => true);
    const byName = new Map(members.map((m) => [m.name, m]));
    expect([...byName.keys()]).toContain('manifest.json');
    const config = byName.get('config.json')!.data!.toString();
    expect(config).not.toContain(jwtSecret);
    expect(JSON.parse(config).jwt.secret).toBe('[redacted]');
    const lines = byName
      .get('audit-events.jsonl')!
      .data!.toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.some((e) => e.type === 'auth_failure' && e.ip === '127.0.0.1')).toBe(true);

    const ok = await runOps(['security', 'preserve-evidence', '--verify', result.archive, '--json'], env);
    expect(ok.code).toBe(0);
    const human = await runOps(['security', 'preserve-evidence', '--verify', result.archive], env);
    expect(human.stdout).toMatch(/intact: 6 files match the manifest/);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, expectedSha256: result.sha256 });

    // Rewrite the archive with one member altered (the manifest unchanged).
    const altered = path.join(dir, 'altered.tar.gz');
    await writeTarGz(
      altered,
      members.map((m) => ({
        name: m.name,
        data:
          m.name === 'audit-events.jsonl'
            ? Buffer.concat([m.data!, Buffer.from('{"type":"forged"}\n')])
            : m.data!,
      })),
    );
    const bad = await runOps(['security', 'preserve-evidence', '--verify', altered, '--json'], env);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report.ok).toBe(false);
    expect(report.files.find((f: any) => f.name === 'audit-events.jsonl').ok).toBe(false);
    expect(report.files.filter((f: any) => f.ok).length).toBe(5);
    expect(report.problems.join('\n')).toMatch(/audit-events\.jsonl does not match/);

    // The archive itself against its .sha256.
    rmSync(result.archive);
    await writeTarGz(
      result.archive,
      members.map((m) => ({ name: m.name, data: m.data! })),
    );
    const swapped = await runOps(['security', 'preserve-evidence', '--verify', result.archive], env);
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toMatch(/\.sha256 says/);

    const usage = await Promise.all([
      runOps(['security', 'preserve-evidence'], env),
      runOps(['security', 'preserve-evidence', '--verify', path.join(dir, 'nope.tar.gz')], env),
    ]);
    expect(usage.map((r) => r.code)).toEqual([2, 2]);
  });

  describe('notify', () => {
    let server: Server;
    let url: string;
    let received: { body: any }[];
    let failFirst: boolean;

    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          received.push({ body: JSON.parse(body) });
          if (failFirst && received.length === 1) res.writeHead(500).end('boom');
          else res.writeHead(200).end('ok');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret-token`;
    });
    beforeEach(() => {
      received = [];
      failFirst = false;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('retries after a 500 and delivers a Slack-compatible message', async () => {
      failFirst = true;
      const evidence = path.join(dir, 'evidence-file.bin');
      writeFileSync(evidence, 'evidence');
      const res = await runOps(
        [
          'security',
          'notify',
          '--severity',
          'critical',
          '--summary',
          'Credential stuffing from 203.0.113.7',
          '--evidence',
          evidence,
          '--json',
        ],
        { ...env, SECURITY_WEBHOOK_URL: url },
      );
      expect(res.code).toBe(0);
      expect(received).toHaveLength(2);
      const result = JSON.parse(res.stdout);
      expect(result).toMatchObject({
        ok: true,
        delivered: true,
        attempts: [{ status: 500 }, { status: 200 }],
      });
      expect(res.stdout).not.toContain('secret-token');
      expect(res.stderr).toMatch(/attempt 1: HTTP 500 — retrying/);
      const body = received[1].body;
      expect(body.text).toContain('[CRITICAL]');
      expect(body.text).toContain('Credential stuffing from 203.0.113.7');
      expect(body.attachments[0].fields.find((f: any) => f.title === 'Evidence').value).toMatch(
        /evidence-file\.bin \(8 bytes, sha256 [0-9a-f]{64}\)/,
      );
    });

    it('--url overrides the configuration; --dry-run sends nothing; no URL or bad input exits 2', async () => {
      const sent = await runOps(
        ['security', 'notify', '--severity', 'low', '--summary', 'test', '--url', url],
        env,
      );
      expect(sent.code).toBe(0);
      expect(received).toHaveLength(1);

      const dry = await runOps(
        ['security', 'notify', '--severity', 'high', '--summary', 'dry', '--dry-run', '--json'],
        env,
      );
      expect(dry.code).toBe(0);
      expect(JSON.parse(dry.stdout)).toMatchObject({
        dryRun: true,
        payload: { text: expect.stringContaining('dry') },
      });
      expect(received).toHaveLength(1);

      const usage = await Promise.all([
        runOps(['security', 'notify', '--severity', 'high', '--summary', 'x'], env), // no URL anywhere
        runOps(['security', 'notify', '--severity', 'urgent', '--summary', 'x', '--dry-run'], env),
        runOps(['security', 'notify', '--severity', 'low', '--dry-run'], env), // no summary
        runOps(['security', 'notify', '--severity', 'low', '--summary', 'x', '--url', 'ftp://host/x'], env),
      ]);
      expect(usage.map((r) => r.code)).toEqual([2, 2, 2, 2]);
      expect(usage[0].stderr).toMatch(/no webhook: set SECURITY_WEBHOOK_URL or pass --url/);
    });

    it('fails (exit 1) after 3 attempts when the webhook keeps failing', async () => {
      const down = createServer((_req, res) => res.writeHead(503).end());
      await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
      const res = await runOps(
        [
          'security',
          'notify',
          '--severity',
          'medium',
          '--summary',
          'x',
          '--url',
          `http://127.0.0.1:${(down.address() as AddressInfo).port}/`,
          '--json',
        ],
        env,
      );
      await new Promise<void>((r) => down.close(() => r()));
      expect(res.code).toBe(1);
      expect(JSON.parse(res.stdout).attempts).toHaveLength(3);
    });
  });

  it('check cache --json reports hit rate, memory, evictions and key prefixes', async () => {
    await runOps(['security', 'deny-list', '--add', '192.0.2.44', '--reason', 'test'], env);
    const res = await runOps(['check', 'cache', '--json'], env);
    await runOps(['security', 'deny-list', '--remove', '192.0.2.44'], env);
    expect(res.code).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r).toMatchObject({
      version: expect.any(String),
      keyspaceHits: expect.any(Number),
      keyspaceMisses: expect.any(Number),
      usedMemoryBytes: expect.any(Number),
      maxMemoryBytes: expect.any(Number),
      evictedKeys: expect.any(Number),
      scanTruncated: false,
    });
    expect(r.hitRate === null || (r.hitRate >= 0 && r.hitRate <= 1)).toBe(true);
    expect(r.prefixes).toEqual(expect.arrayContaining([{ prefix: 'security', keys: expect.any(Number) }]));
    expect(r.findings.map((f: any) => f.check)).toEqual(
      expect.arrayContaining(['hit_rate', 'memory', 'evictions']),
    );
    const human = await runOps(['check', 'cache'], env);
    expect(human.stdout).toMatch(/keys by prefix/);
  });

  it('check db-performance --json explains the hot queries and reports sizes', async () => {
    const res = await runOps(['check', 'db-performance', '--json'], env);
    expect(res.code).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r.queries.map((q: any) => q.name)).toEqual([
      'events in a window',
      'meetings an address is invited to',
      'user by email',
      'refresh token by hash',
      'audit events in a window',
    ]);
    for (const q of r.queries) expect(['COLLSCAN', 'IXSCAN', 'EOF']).toContain(q.access);
    const users = r.queries.find((q: any) => q.collection === 'users');
    expect(users.returned).toBe(0);
    expect(r.collections.supported).toBe(true);
    expect(r.collections.value.map((c: any) => c.name)).toEqual(
      expect.arrayContaining(['users', 'audit_events']),
    );
    expect(r.connections.pool).toMatchObject({ max: 20 });
    expect(r.profiler).toHaveProperty('supported');
    // The users collection exists, so its plan was read: an index or a scan, never "unknown" or EOF.
    expect(['COLLSCAN', 'IXSCAN']).toContain(users.access);
    // Every collection scan among the plans is a warning, and the warnings are exactly those plus
    // any slow operations and connection pressure the report shows.
    const scans = r.queries
      .filter((q: any) => q.access === 'COLLSCAN')
      .map((q: any) => `${q.name}: collection scan of ${q.collection}`);
    expect(r.warnings.filter((w: any) => w.check === 'collection_scan').map((w: any) => w.message)).toEqual(
      scans,
    );
    expect(r.warnings.filter((w: any) => w.check === 'query')).toEqual([]);
    // FerretDB answers these filters with a scan of its SQLite table: warnings, which fail the check
    // only with --strict; a server that used an index for all of them would give none.
    if (r.server.kind === 'ferretdb') expect(scans).toContain('user by email: collection scan of users');
    expect(r.ok).toBe(r.warnings.length === 0);
    expect((await runOps(['check', 'db-performance', '--strict'], env)).code).toBe(r.warnings.length ? 1 : 0);
  });

  it('check performance --url reads the running API and reports routes', async () => {
    for (let i = 0; i < 12; i++) await api.request('/health/live');
    const res = await runOps(['check', 'performance', '--url', api.baseUrl, '--json'], env);
    expect(res.code).toBe(0);
    const r = JSON.parse(res.stdout);
    const live = r.routes.find((x: any) => x.route === '/health/live');
    expect(live).toMatchObject({ method: 'GET', requests: expect.any(Number), errors: 0, errorRate: 0 });
    expect(live.requests).toBeGreaterThanOrEqual(12);
    expect(live.p50).toBeGreaterThan(0);
    expect(live.p95).toBeLessThan(1);
    expect(r.routes.find((x: any) => x.route === 'unmatched')).toBeDefined();
    const human = await runOps(['check', 'performance', '--url', api.baseUrl], env);
    expect(human.stdout).toMatch(/GET \/health\/live/);

    const [ftp, closed] = await Promise.all([
      runOps(['check', 'performance', '--url', 'ftp://x'], env),
      runOps(['check', 'performance', '--url', 'http://127.0.0.1:9'], env),
    ]);
    expect(ftp.code).toBe(2);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/could not read/);
  });

  it('check security flags a weak secret in production, passes a strong one, and never prints secrets', async () => {
    const weak = 'ab'.repeat(20);
    const strong = randomBytes(32).toString('base64url');
    const redisWithPassword = env.REDIS_URL.replace('redis://', 'redis://:hunter2-password@');
    const [prodWeak, prodStrong, fine, strict] = await Promise.all([
      runOps(['check', 'security', '--json'], {
        ...env,
        REDIS_URL: redisWithPassword,
        NODE_ENV: 'production',
        JWT_SECRET: weak,
      }),
      runOps(['check', 'security', '--json'], { ...env, NODE_ENV: 'production', JWT_SECRET: strong }),
      runOps(['check', 'security'], { ...env, JWT_SECRET: strong }),
      runOps(['check', 'security', '--strict'], { ...env, JWT_SECRET: weak }),
    ]);

    // Production, weak secret (40 characters: long enough for the config check, but two letters).
    expect(prodWeak.code).toBe(1);
    const findings = JSON.parse(prodWeak.stdout).findings;
    const status = Object.fromEntries(findings.map((f: any) => [f.check, f.status]));
    expect(status).toMatchObject({
      jwt_secret: 'fail',
      mongodb_tls: 'fail',
      mongodb_auth: 'fail',
      redis_tls: 'fail',
      redis_auth: 'ok',
    });
    expect(prodWeak.stdout + prodWeak.stderr).not.toContain(weak);
    expect(prodWeak.stdout + prodWeak.stderr).not.toContain('hunter2');

    // Production, strong secret: the secret passes (the plain-text test servers still fail TLS).
    expect(JSON.parse(prodStrong.stdout).findings.find((f: any) => f.check === 'jwt_secret').status).toBe(
      'ok',
    );
    expect(prodStrong.stdout).not.toContain(strong);

    // Test environment, strong secret: nothing fails.
    expect(fine.code).toBe(0);
    expect(fine.stdout).toMatch(/\[ OK \] jwt_secret/);
    expect(fine.stdout).toMatch(/deny_list\s+deny list: \d+ address/);
    expect(fine.stdout).toMatch(/admin_users\s+admin accounts: 0/);
    // Outside production a weak secret is a warning: exit 1 only with --strict.
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/\[WARN\] jwt_secret/);
  });

  it('every new command has --help', async () => {
    const commands = [
      ['check', 'db-performance'],
      ['check', 'cache'],
      ['check', 'performance'],
      ['check', 'security'],
      ['security', 'suspicious-ips'],
      ['security', 'preserve-evidence'],
      ['security', 'notify'],
      ['security', 'deny-list'],
    ];
    const runs = await Promise.all(commands.map((args) => runOps([...args, '--help'], env)));
    for (const [i, res] of runs.entries()) {
      expect({ command: commands[i], code: res.code }).toEqual({ command: commands[i], code: 0 });
      expect(res.stdout).toMatch(/Usage:/);
      expect(res.stdout).toMatch(/--json/);
    }
  });
});
