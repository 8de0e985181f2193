import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { API_ENTRY, ROOT } from '../support/cli';
import { embedded } from '../support/embedded';
import { testConfig } from '../support/test-env';

/** The built API as a real process: logs, docs, and graceful shutdown on SIGTERM. */
describe('the API process', () => {
  let child: ChildProcessWithoutNullStreams;
  let base: string;
  let stdout = '';
  let exit: Promise<number | null>;

  beforeAll(async () => {
    const config = await testConfig();
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
      },
    });
    child.stdout.on('data', (d) => (stdout += d));
    exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`${base}/health/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the API did not become ready:\n${stdout}`);
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves Swagger UI at /docs and the OpenAPI document at /docs-json', async () => {
    const ui = await fetch(`${base}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(await ui.text()).toContain('swagger-ui');
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, unknown> };
    for (const p of [
      '/health',
      '/health/live',
      '/health/ready',
      '/v1/events',
      '/v1/events/{id}',
      '/v1/auth/register',
      '/v1/me',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });

  it('writes JSON log lines with a request id and never the password or token', async () => {
    const password = 'very-secret-password-123';
    const reg = await fetch(`${base}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-abc-123' },
      body: JSON.stringify({ email: 'logs@example.com', password, name: 'Logs', timeZone: 'UTC' }),
    });
    expect(reg.status).toBe(201);
    expect(reg.headers.get('x-request-id')).toBe('trace-abc-123');
    const { accessToken } = (await reg.json()) as { accessToken: string };
    await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    await new Promise((r) => setTimeout(r, 200));
    const lines = stdout.split('\n').filter((l) => l.startsWith('{'));
    const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => l.req);
    expect(requestLines.length).toBeGreaterThanOrEqual(2);
    expect(requestLines.every((l) => typeof l.requestId === 'string' && l.requestId.length > 0)).toBe(true);
    expect(requestLines.some((l) => l.requestId === 'trace-abc-123')).toBe(true);
    expect(stdout).not.toContain(password);
    expect(stdout).not.toContain(accessToken);
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const inFlight = fetch(`${base}/health`);
    await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await exit).toBe(0);
    expect(stdout).toContain('shutdown complete');
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  });
});
