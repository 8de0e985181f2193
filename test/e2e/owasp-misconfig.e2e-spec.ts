import { randomBytes } from 'node:crypto';
import { EventQueryService } from '@app/calendar';
import { API_ENTRY, runNode } from '../support/cli';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

// OWASP API8:2023 (security misconfiguration): security headers on every answer, CORS only for the
// configured origins, nothing internal in error bodies. (Production's refusal of a weak secret or
// plain-text datastores is libs/security/src/http/production-readiness.spec.ts.)

const ALLOWED = 'https://calendar.example.com';

describe('OWASP API8: security headers, CORS allow-list, error bodies', () => {
  let api: TestApi;
  let alice: TestUser;

  beforeAll(async () => {
    api = await startTestApi(await testConfig({ CORS_ORIGINS: `${ALLOWED}, https://admin.example.com` }));
    alice = await registerUser(api);
  });
  afterAll(() => api?.close());

  it('sends the helmet headers on answers, refusals and unmatched routes, and no x-powered-by', async () => {
    const answers = [
      await api.request('/v1/me', { token: alice.token }),
      await api.request('/v1/me'), // 401
      await api.request('/no/such/route'), // 404
      await api.request('/health/live'),
      await api.request('/v1/events?$where=1', { token: alice.token }), // refused in onRequest (400)
    ];
    for (const res of answers) {
      const h = res.headers;
      expect({ status: res.status, nosniff: h.get('x-content-type-options') }).toEqual({
        status: res.status,
        nosniff: 'nosniff',
      });
      expect(h.get('content-security-policy')).toContain("default-src 'self'");
      expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(h.get('content-security-policy')).toContain("object-src 'none'");
      expect(h.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(h.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('x-dns-prefetch-control')).toBe('off');
      expect(h.get('x-powered-by')).toBeNull();
      expect(h.get('server')).toBeNull();
    }
  });

  it('keeps the Swagger UI at /docs working under the CSP: its scripts are files of this origin', async () => {
    const page = await api.request('/docs');
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    // No inline script (the CSP would block it); every script is a same-origin file that loads.
    const inline = [...page.text.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].filter(
      (m) => m[1].trim() !== '',
    );
    expect(inline).toEqual([]);
    const scripts = [...page.text.matchAll(/<script[^>]*\bsrc=["']([^"']+)["']/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const path = src.startsWith('/') ? src : `/${src.replace(/^\.\//, '')}`;
      const res = await api.request(path);
      expect({ src, status: res.status }).toEqual({ src, status: 200 });
    }
    expect((await api.request('/docs-json')).status).toBe(200);
  });

  it('echoes only allow-listed origins in CORS answers, preflight included', async () => {
    const withOrigin = (origin: string, init: RequestInit = {}) =>
      api.request('/v1/me', { ...init, token: alice.token, headers: { origin, ...(init.headers ?? {}) } });
    const allowed = await withOrigin(ALLOWED);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('x-request-id');

    for (const origin of ['https://evil.example.net', 'https://calendar.example.com.evil.net', 'null']) {
      const other = await withOrigin(origin);
      expect({ origin, allow: other.headers.get('access-control-allow-origin') }).toEqual({
        origin,
        allow: null,
      });
    }

    const preflight = (origin: string) =>
      api.request('/v1/events', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
    const ok = await preflight(ALLOWED);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(
      (await preflight('https://evil.example.net')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });

  it('answers an unexpected failure with 500, an error id and nothing internal', async () => {
    const internal =
      'connect ECONNREFUSED 10.1.2.3:27017 at /srv/app/dist/libs/calendar/event.repository.js:42';
    const queries = api.app.get(EventQueryService);
    const spy = jest.spyOn(queries, 'pageJson').mockRejectedValueOnce(new TypeError(internal));
    try {
      const res = await api.request('/v1/events?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z', {
        token: alice.token,
      });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        error: {
          code: 'internal',
          message: 'Something went wrong; quote the error id when reporting it.',
          errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          requestId: expect.any(String),
        },
      });
      for (const leak of ['ECONNREFUSED', '10.1.2.3', '/srv/app', 'TypeError', 'stack', 'at ']) {
        expect({ leak, found: res.text.includes(leak) }).toEqual({ leak, found: false });
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('answers malformed JSON with 400 and no parser internals', async () => {
    const res = await api.request('/v1/events', {
      method: 'POST',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: '{"title": "x", ',
    });
    expect(res.status).toBe(400);
    expect(['bad_request', 'validation_failed']).toContain(res.body.error.code);
    expect(res.body.error.message).toMatch(/json/i);
    expect(res.text).not.toMatch(/node_modules|\bat [\w.]+ \(|stack/);
  });
});

describe('OWASP API8: the built API refuses an unsafe production configuration', () => {
  const strong = randomBytes(32).toString('base64');
  const production = {
    NODE_ENV: 'production',
    JWT_SECRET: strong,
    MONGODB_URI: 'mongodb://127.0.0.1:9/calendar',
    REDIS_URL: 'redis://127.0.0.1:9',
    PORT: '1', // never reached: the refusal comes before listening
  };

  it.each([
    ['MongoDB without TLS', {}, /^Configuration error: MONGODB_URI must use TLS in production/],
    [
      'Redis without TLS',
      { MONGODB_URI: 'mongodb://127.0.0.1:9/calendar?tls=true' },
      /^Configuration error: REDIS_URL must use TLS in production: use a rediss:\/\/ URL/,
    ],
    [
      'a weak JWT secret, even with ALLOW_INSECURE_DATASTORES',
      { JWT_SECRET: 'Passw0rd!'.repeat(5), ALLOW_INSECURE_DATASTORES: 'true' },
      /^Configuration error: JWT_SECRET is weak in production: it .*repeats a short pattern/,
    ],
  ])('%s: exit 2 with one line naming the variable', async (_what, env, line) => {
    const res = await runNode(API_ENTRY, [], { ...production, ...env });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toMatch(line);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).not.toContain(strong);
    expect(res.stderr).not.toContain('Passw0rd');
  });
});
