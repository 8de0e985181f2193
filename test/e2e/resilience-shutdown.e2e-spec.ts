import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { MongoClient, ObjectId } from 'mongodb';
import { API_ENTRY, ROOT } from '../support/cli';
import { embedded } from '../support/embedded';
import { eventually } from '../support/eventually';
import { describeRecords, steadyLoad } from '../support/steady-load';
import { TcpProxy } from '../support/tcp-proxy';
import { sharedServices, testConfig } from '../support/test-env';
import type { TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GRACE_MS = 15_000;

/**
 * The built API under a steady load receives SIGTERM. MongoDB is reached through a proxy that
 * holds every reply for a moment, so requests are certainly in flight when the signal arrives.
 */
describe('SIGTERM under load', () => {
  let proxy: TcpProxy;
  let child: ChildProcessWithoutNullStreams;
  let base: string;
  let stdout = '';
  let exit: Promise<number | null>;
  let directUri: string;

  beforeAll(async () => {
    const shared = sharedServices();
    proxy = await TcpProxy.start(Number(new URL(shared.mongodbUri).port));
    const config = await testConfig(
      {},
      { ...shared, mongodbUri: `mongodb://127.0.0.1:${proxy.port}/calendar` },
    );
    const dbName = new URL(config.mongodbUri).pathname;
    directUri = new URL(dbName, shared.mongodbUri).toString();
    const port = await embedded.freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [API_ENTRY], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        PORT: String(port),
        HOST: '127.0.0.1',
        MONGODB_URI: config.mongodbUri,
        REDIS_URL: config.redisUrl,
        JWT_SECRET: config.jwt.secret,
        RATE_LIMIT_PER_MINUTE: '0',
        SHUTDOWN_TIMEOUT_MS: String(GRACE_MS),
      },
    });
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stdout += d));
    exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const ready = await eventually(
      () =>
        fetch(`${base}/health/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      20_000,
    );
    if (!ready) throw new Error(`the API did not become ready:\n${stdout}`);
  });

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await proxy?.close();
  });

  it('finishes the requests in flight, refuses new ones and exits 0 within the grace period', async () => {
    const users: TestUser[] = [];
    for (let i = 0; i < 3; i++) users.push(await registerUser(client(base), { timeZone: 'UTC' }));
    const load = steadyLoad(base, users, { workers: 6, timeoutMs: GRACE_MS });
    await sleep(1000);
    proxy.delayMs = 300;
    await sleep(1200);

    // Creates whose clients hang up while the server works on them: their handlers still run.
    const abandoned = await Promise.all(
      users.map(async (user, i) => {
        const controller = new AbortController();
        const sent = fetch(`${base}/v1/events`, {
          method: 'POST',
          signal: controller.signal,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
          body: JSON.stringify({ title: `Abandoned ${i}`, start: '2026-09-01T10:00' }),
        }).catch((err: Error) => err.name);
        await sleep(150);
        controller.abort();
        return sent;
      }),
    );
    expect(abandoned).toEqual(users.map(() => 'AbortError'));

    const signalAt = Date.now();
    // Sent well before the signal and not answered yet: these are being handled by the server.
    const inFlight = load.pending().filter((t) => t <= signalAt - 150);
    child.kill('SIGTERM');
    const code = await exit;
    const exitedAt = Date.now();
    await sleep(300);
    const records = await load.stop();

    expect(code).toBe(0);
    expect(exitedAt - signalAt).toBeLessThan(GRACE_MS);
    expect(stdout).toContain('shutdown complete');
    // The abandoned handlers finished before MongoDB was closed: no failure logged for any of them.
    expect(stdout).not.toMatch(/client was closed|unhandled error|still running at shutdown/);

    // Every request in flight at the signal was answered in full.
    expect(inFlight.length).toBeGreaterThanOrEqual(3);
    const finished = records.filter((r) => inFlight.includes(r.startedAt));
    expect(finished.length).toBe(inFlight.length);
    expect(describeRecords(finished.filter((r) => r.status !== 200 && r.status !== 201))).toBe('');

    // Nothing before the signal failed. After it, new requests were refused: 503 in the API's
    // error shape on a kept-alive connection, or no connection at all; none hung.
    const before = records.filter((r) => r.endedAt < signalAt);
    expect(describeRecords(before.filter((r) => r.status !== 200 && r.status !== 201))).toBe('');
    const afterSignal = records.filter((r) => r.startedAt >= signalAt + 200);
    const refusedBadly = afterSignal.filter((r) =>
      r.status === 503
        ? r.body?.error?.code !== 'shutting_down' || r.retryAfter === null
        : r.status !== 0 || !/ECONNREFUSED|ECONNRESET|other side closed|socket/i.test(r.failure ?? ''),
    );
    expect(describeRecords(refusedBadly)).toBe('');
    const late = records.filter((r) => r.startedAt >= exitedAt);
    expect(late.length).toBeGreaterThanOrEqual(1);
    expect(describeRecords(late.filter((r) => !/ECONNREFUSED/.test(r.failure ?? '')))).toBe('');
    // Kept-alive connections carry requests into the shutdown: those get the API's 503.
    const refused503 = afterSignal.find((r) => r.status === 503);
    expect(refused503?.body).toEqual({
      error: {
        code: 'shutting_down',
        message: 'This instance is shutting down; retry the request.',
        requestId: expect.any(String),
      },
    });

    // Every write that was acknowledged, in flight ones included, is stored.
    const acknowledged = records.filter((r) => r.status === 201).map((r) => r.eventId!);
    const mongo = await MongoClient.connect(directUri);
    try {
      const stored = await mongo
        .db()
        .collection('events')
        .countDocuments({ _id: { $in: acknowledged.map((id) => new ObjectId(id)) } });
      expect(stored).toBe(acknowledged.length);
      // The abandoned creates were carried out all the same.
      const titles = users.map((_, i) => `Abandoned ${i}`);
      expect(
        await mongo
          .db()
          .collection('events')
          .countDocuments({ title: { $in: titles } }),
      ).toBe(users.length);
    } finally {
      await mongo.close();
    }
  });
});

/** Just enough of TestApi for registerUser against a separate process. */
function client(baseUrl: string): TestApi {
  return {
    baseUrl,
    async request(path: string, init: RequestInit & { json?: unknown } = {}) {
      const res = await fetch(baseUrl + path, {
        ...init,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(init.json),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: JSON.parse(text), text };
    },
  } as TestApi;
}
