import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { createSigner } from 'fast-jwt';
import type { Connection } from 'mongoose';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  AUTH_USER_CACHE_MS,
  COMMON_PASSWORD_MESSAGE,
  LOGIN_THROTTLED_MESSAGE,
  loginAttemptKey,
  type AuditEventListResponse,
  type AuthLoginRequest,
  type AuthRegisterRequest,
  type AuthSessionResponse,
  type PasswordChangeRequest,
  type UserResponse,
} from '@app/identity';
import { AuditService } from '@app/audit';
import { AppConfig } from '@app/config';
import type { HealthReport } from '@app/health';
import Redis from 'ioredis';
import { runOps } from '../support/cli';
import { embedded, ManagedService } from '../support/embedded';
import { eventually } from '../support/eventually';
import { sharedServices, testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi, TestResponse } from '../support/test-app';

// The back-off tests wait out real delays (1 + 2 + 4 + 8 s) and the admin tests run the built CLI.
jest.setTimeout(120_000);

const PASSWORD = 'correct horse battery staple';
const AUTH_FAILED = { code: 'unauthorized', message: 'Authentication failed', requestId: expect.any(String) };
const THROTTLED = { code: 'rate_limited', message: LOGIN_THROTTLED_MESSAGE };
const OURS = { iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE };

const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A documentation address per test, so that per-address counters of one test never touch another's. */
let nextAddress = 1;
const freshAddress = () => `198.51.100.${nextAddress++}`;

/** A validation refusal: its details name each bad field. */
type ValidationRefusal = ApiErrorBody & { error: { details: { field: string; message: string }[] } };

/** The parts of the OpenAPI document (/docs-json) this test reads. */
interface OpenApiOperation {
  responses: Record<string, unknown>;
  security?: unknown;
  requestBody: { content: Record<string, { schema: { $ref: string } }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, unknown> };
}

describe('OWASP API2/API3/API5 and ASVS passwords: tokens, login back-off, sessions, roles', () => {
  let api: TestApi;
  let config: AppConfig;
  let db: Connection;
  let opsEnv: Record<string, string>;

  /** TRUST_PROXY lets each test speak from its own address (X-Forwarded-For), as clients behind an ingress do. */
  beforeAll(async () => {
    config = await testConfig({ TRUST_PROXY: 'true' });
    api = await startTestApi(config);
    db = api.app.get<Connection>(getConnectionToken());
    opsEnv = { MONGODB_URI: config.mongodbUri, REDIS_URL: config.redisUrl };
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await api?.close();
  });

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  async function register(
    ip: string,
    overrides: Partial<AuthRegisterRequest> = {},
  ): Promise<AuthSessionResponse & { password: string }> {
    const json = {
      email: uniqueEmail('owasp'),
      password: PASSWORD,
      name: 'Grace Hopper',
      timeZone: 'UTC',
      ...overrides,
    } satisfies AuthRegisterRequest;
    const res = await api.request<AuthSessionResponse>('/v1/auth/register', {
      method: 'POST',
      json,
      headers: from(ip),
    });
    expect(res.status).toBe(201);
    return { ...res.body, password: json.password };
  }

  const login = <T = ApiErrorBody>(ip: string, json: AuthLoginRequest) =>
    api.request<T>('/v1/auth/login', { method: 'POST', json, headers: from(ip) });
  const refresh = <T = ApiErrorBody>(refreshToken: string) =>
    api.request<T>('/v1/auth/refresh', { method: 'POST', json: { refreshToken } });
  const me = <T = UserResponse>(token: string) => api.request<T>('/v1/me', { token });

  function expectAuthFailure(res: TestResponse<unknown>): void {
    expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: { error: AUTH_FAILED } });
  }

  /** A refusal of the back-off: status, body (without its request id) and how long to wait. */
  function throttled(res: TestResponse<ApiErrorBody>): { status: number; body: unknown; retryAfter: number } {
    expect(res.body?.error?.requestId).toEqual(expect.any(String));
    const { requestId: _id, ...error } = res.body?.error ?? {};
    return { status: res.status, body: { error }, retryAfter: Number(res.headers.get('retry-after')) };
  }

  describe('API2: access tokens', () => {
    it('carries issuer and audience, and refuses a wrong audience or issuer and a tampered payload', async () => {
      const ip = freshAddress();
      const { user, accessToken } = await register(ip);
      const victim = await register(ip);
      expect(claimsOf(accessToken)).toMatchObject({ sub: user.id, typ: 'access', sep: 0, ...OURS });

      const sign = (claims: object) =>
        createSigner({ key: config.jwt.secret, expiresIn: 60_000 })({
          sub: user.id,
          typ: 'access',
          ...claims,
        });
      const [header, payload, signature] = accessToken.split('.');
      const original = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const rejected = {
        'another audience': sign({ ...OURS, aud: 'calendar-assistant-admin' }),
        'audiences without ours': sign({ ...OURS, aud: ['billing', 'reports'] }),
        'no audience': sign({ iss: ACCESS_TOKEN_ISSUER }),
        'another issuer': sign({ ...OURS, iss: 'https://evil.example' }),
        'no issuer': sign({ aud: ACCESS_TOKEN_AUDIENCE }),
        'a payload turned into another user': `${header}.${base64url({ ...original, sub: victim.user.id })}.${signature}`,
        'a payload with a later expiry': `${header}.${base64url({ ...original, exp: original.exp + 86_400 })}.${signature}`,
        'a payload with a role claim added': `${header}.${base64url({ ...original, role: 'admin' })}.${signature}`,
        'a signature of another token': `${header}.${payload}.${victim.accessToken.split('.')[2]}`,
      };
      for (const [what, token] of Object.entries(rejected)) {
        const res = await me(token);
        expect({ what, status: res.status, body: res.body }).toEqual({
          what,
          status: 401,
          body: { error: AUTH_FAILED },
        });
      }
      // Our issuer and audience with the same secret pass, so the refusals above are for their own reason.
      expect((await me(sign(OURS))).status).toBe(200);
      expect((await me(accessToken)).status).toBe(200);
    });
  });

  describe('API2: login back-off per account and per address', () => {
    it('slows an email after 5 failures (429 with Retry-After doubling), unknown emails exactly alike, and a success resets it', async () => {
      const known = await register(freshAddress());
      const unknownEmail = uniqueEmail('nobody');
      // One address per email, so only the account counters are in play.
      const ips = { known: freshAddress(), unknown: freshAddress() };
      const attempt = (who: 'known' | 'unknown', password: string) =>
        login(ips[who], { email: who === 'known' ? known.user.email : unknownEmail, password });

      for (let i = 0; i < 5; i++) {
        expectAuthFailure(await attempt('known', `wrong guess ${i}`));
        expectAuthFailure(await attempt('unknown', `wrong guess ${i}`));
      }
      // The sixth attempt waits, even with the right password, and says the same for both emails.
      const knownRefusal = throttled(await attempt('known', PASSWORD));
      const unknownRefusal = throttled(await attempt('unknown', PASSWORD));
      expect(knownRefusal).toEqual({ status: 429, body: { error: THROTTLED }, retryAfter: 1 });
      expect(unknownRefusal).toEqual(knownRefusal);

      await sleep(1100);
      expectAuthFailure(await attempt('known', 'sixth wrong guess'));
      expectAuthFailure(await attempt('unknown', 'sixth wrong guess'));
      const second = throttled(await attempt('known', PASSWORD));
      expect(second).toEqual({ status: 429, body: { error: THROTTLED }, retryAfter: 2 });
      expect(throttled(await attempt('unknown', PASSWORD))).toEqual(second);

      await sleep(2100);
      expect((await attempt('known', PASSWORD)).status).toBe(200);
      // The success cleared the account's count: five more failures pass before any wait.
      for (let i = 0; i < 5; i++) expectAuthFailure(await attempt('known', `again ${i}`));
      expect(throttled(await attempt('known', PASSWORD)).status).toBe(429);
      // Nothing reset the unknown email: its seventh failure makes it wait 4 s.
      expectAuthFailure(await attempt('unknown', 'seventh wrong guess'));
      expect(throttled(await attempt('unknown', PASSWORD))).toEqual({
        status: 429,
        body: { error: THROTTLED },
        retryAfter: 4,
      });
    });

    it('locks an email for 15 minutes after 10 failures, audits and logs the lock, unknown emails alike', async () => {
      const known = await register(freshAddress());
      const unknownEmail = uniqueEmail('ghost');
      const ip = freshAddress();
      const attempt = (email: string, password: string) => login(ip, { email, password });
      const warn = jest.spyOn(Logger.prototype, 'warn');
      try {
        // 5 free failures, then one after each wait of 1, 2, 4 and 8 s: 9 failures.
        for (const wait of [0, 0, 0, 0, 0, 1000, 2000, 4000, 8000]) {
          await sleep(wait && wait + 100);
          expectAuthFailure(await attempt(known.user.email, 'not it'));
          expectAuthFailure(await attempt(unknownEmail, 'not it'));
        }
        await sleep(16_100);
        expectAuthFailure(await attempt(known.user.email, 'tenth')); // the tenth failure starts the lock
        expectAuthFailure(await attempt(unknownEmail, 'tenth'));

        const locked = throttled(await attempt(known.user.email, PASSWORD));
        expect(locked).toMatchObject({ status: 429, body: { error: THROTTLED } });
        expect(locked.retryAfter).toBeGreaterThan(880);
        expect(locked.retryAfter).toBeLessThanOrEqual(900);
        const ghost = throttled(await attempt(unknownEmail, PASSWORD));
        expect({ ...ghost, retryAfter: 0 }).toEqual({ ...locked, retryAfter: 0 });
        expect(Math.abs(ghost.retryAfter - locked.retryAfter)).toBeLessThanOrEqual(2);

        const lines = warn.mock.calls.map((args) => String(args[0]));
        expect(
          lines.filter((l) => l.startsWith('login locked: account for 900 s after 10 failed attempts')),
        ).toHaveLength(2);
        expect(lines).toContain(`unauthorized ip=${ip} reason=account_locked user=${known.user.id}`);
        expect(lines).toContain(`unauthorized ip=${ip} reason=login_throttled`);
        expect(lines.join('\n')).not.toContain(unknownEmail);
      } finally {
        warn.mockRestore();
      }
      await api.app.get(AuditService).flush(); // audit events are written in batches
      const locks = await db
        .collection('audit_events')
        .find({ type: 'auth_failure', reason: 'account_locked', ip })
        .toArray();
      expect(locks).toHaveLength(2);
      expect(locks.map((e) => (e.userId ? String(e.userId) : null)).sort()).toEqual(
        [known.user.id, null].sort(),
      );
      // Another email from another address is not affected.
      expect(
        (
          await login(freshAddress(), {
            email: (await register(freshAddress())).user.email,
            password: PASSWORD,
          })
        ).status,
      ).toBe(200);
    });

    it('slows an address after 20 failures across any emails, however it is spelled, leaving other addresses alone', async () => {
      const ip = freshAddress();
      const victim = await register(freshAddress());
      // Every other attempt spells the address IPv4-mapped, as a dual-stack proxy may: one client still.
      for (let i = 0; i < 20; i++) {
        const spelled = i % 2 ? `::ffff:${ip}` : ip;
        expectAuthFailure(await login(spelled, { email: uniqueEmail(`spray${i}`), password: 'Summer2026!' }));
      }
      const refused = throttled(await login(ip, { email: victim.user.email, password: PASSWORD }));
      expect(refused).toEqual({ status: 429, body: { error: THROTTLED }, retryAfter: 1 });
      expect((await login(freshAddress(), { email: victim.user.email, password: PASSWORD })).status).toBe(
        200,
      );
    });

    it('meets wrong passwords sent all at once with the back-off, as if sent one after another', async () => {
      const known = await register(freshAddress());
      const unknownEmail = uniqueEmail('burst');
      for (const email of [known.user.email, unknownEmail]) {
        // 12 guesses at once, each from its own address: all reach the check before any has failed.
        const burst = await Promise.all(
          Array.from({ length: 12 }, (_, i) => login(freshAddress(), { email, password: `guess ${i}` })),
        );
        const statuses = burst.map((r) => r.status).sort();
        // The five free failures, and the rest told to wait as the sixth attempt would be.
        expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
        for (const res of burst.filter((r) => r.status === 429))
          expect(throttled(res)).toMatchObject({ status: 429, body: { error: THROTTLED } });
      }
      // Only five failures were counted: the right password passes after the 1 s back-off.
      await sleep(1100);
      expect((await login(freshAddress(), { email: known.user.email, password: PASSWORD })).status).toBe(200);
    });

    it('keeps counting per instance when Redis is down, and uses Redis again when it is back', async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'owasp-auth-redis-'));
      let redis: ManagedService | undefined;
      let local: TestApi | undefined;
      try {
        redis = await embedded.createRedis({ dataDir });
        await redis.start();
        const localConfig = await testConfig(
          { TRUST_PROXY: 'true' },
          { mongodbUri: sharedServices().mongodbUri, redisUrl: redis.uri },
        );
        local = await startTestApi(localConfig);
        const email = uniqueEmail('outage');
        const reg = await local.request<AuthSessionResponse>('/v1/auth/register', {
          method: 'POST',
          json: { email, password: PASSWORD, name: 'Outage', timeZone: 'UTC' },
        });
        expect(reg.status).toBe(201);
        await redis.stop();
        expect((await local.request<HealthReport>('/health')).body).toMatchObject({
          dependencies: { redis: 'disconnected' },
        });

        const ip = freshAddress();
        const attempt = (password: string) =>
          local!.request<ApiErrorBody>('/v1/auth/login', {
            method: 'POST',
            json: { email, password },
            headers: from(ip),
          });
        for (let i = 0; i < 5; i++) expectAuthFailure(await attempt(`down ${i}`));
        expect(throttled(await attempt(PASSWORD))).toEqual({
          status: 429,
          body: { error: THROTTLED },
          retryAfter: 1,
        });
        await sleep(1100);
        expect((await attempt(PASSWORD)).status).toBe(200); // the success resets the in-memory count

        await redis.start();
        const reconnected = await eventually(
          async () =>
            (await local!.request<HealthReport>('/health')).body?.dependencies?.redis === 'connected',
          10_000,
        );
        expect(reconnected).toBe(true);
        const other = freshAddress();
        for (let i = 0; i < 5; i++)
          expectAuthFailure(
            await local.request<ApiErrorBody>('/v1/auth/login', {
              method: 'POST',
              json: { email, password: `up ${i}` },
              headers: from(other),
            }),
          );
        expect(
          throttled(
            await local.request<ApiErrorBody>('/v1/auth/login', {
              method: 'POST',
              json: { email, password: PASSWORD },
              headers: from(other),
            }),
          ).status,
        ).toBe(429);
        // Counted in Redis this time, where every replica sees it.
        const client = new Redis(localConfig.redisUrl, { lazyConnect: true });
        await client.connect();
        try {
          expect(await client.get(loginAttemptKey(`ip:${other}`))).toBe('5');
          expect(await client.exists(loginAttemptKey(`ip:${ip}`))).toBe(0); // the outage's count stayed in memory
        } finally {
          client.disconnect();
        }
      } finally {
        await local?.close();
        await redis?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('ASVS passwords', () => {
    it.each(['Password1', 'PASSWORD123', 'iloveyou', 'Qwertyuiop', 'baseball1'])(
      'refuses the common password %j at registration (400 naming password), case-insensitively',
      async (password) => {
        const email = uniqueEmail('common');
        const res = await api.request<ValidationRefusal>('/v1/auth/register', {
          method: 'POST',
          json: { email, password, name: 'Common', timeZone: 'UTC' },
          headers: from(freshAddress()),
        });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'validation_failed',
          details: [{ field: 'password', message: COMMON_PASSWORD_MESSAGE }],
        });
        expect(res.body.error.message).toContain('this password is too common');
        expect(await db.collection('users').countDocuments({ email })).toBe(0);
      },
    );

    it('accepts long passwords whole: 100 characters sign in, one differing only at character 90 does not', async () => {
      const ip = freshAddress();
      const long = Array.from(
        { length: 100 },
        (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(i * 7) % 36],
      ).join('');
      const almost = `${long.slice(0, 89)}${long[89] === 'x' ? 'y' : 'x'}${long.slice(90)}`;
      expect(almost).toHaveLength(100);
      expect(almost.slice(0, 89)).toBe(long.slice(0, 89));
      const { user } = await register(ip, { password: long });
      expectAuthFailure(await login(ip, { email: user.email, password: almost }));
      expectAuthFailure(await login(ip, { email: user.email, password: long.slice(0, 72) })); // bcrypt's cut-off
      expect((await login(ip, { email: user.email, password: long })).status).toBe(200);
      // 128 is the most allowed, and whitespace and any script count as they are.
      const longest = `  ${'ßé漢🙂 '.repeat(25)}`.slice(0, 128);
      const other = await register(ip, { password: longest });
      expect((await login(ip, { email: other.user.email, password: longest })).status).toBe(200);
      expectAuthFailure(await login(ip, { email: other.user.email, password: longest.trim() }));
    });

    it('stores argon2id at or above the ASVS / OWASP minimum (m ≥ 19456 KiB, t ≥ 2, p ≥ 1)', async () => {
      const { user } = await register(freshAddress());
      const stored = await db
        .collection('users')
        .findOne({ email: user.email }, { projection: { passwordHash: 1 } });
      const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(
        String(stored?.passwordHash),
      );
      expect(match).not.toBeNull();
      const [m, t, p] = match!.slice(1).map(Number);
      expect({ m: m >= 19_456, t: t >= 2, p: p >= 1 }).toEqual({ m: true, t: true, p: true });
    });
  });

  describe('sessions end at logout and at a password change', () => {
    /** Two sessions of one account: the registration's and a second login's (another device). */
    async function twoSessions(ip: string) {
      const first = await register(ip);
      const second = (await login<AuthSessionResponse>(ip, { email: first.user.email, password: PASSWORD }))
        .body;
      const rotated = (await refresh<AuthSessionResponse>(first.refreshToken)).body; // the first device refreshed once
      for (const s of [second, rotated]) expect((await me(s.accessToken)).status).toBe(200);
      return { first, second, rotated };
    }

    it('logout ends every session of the account: older access tokens and every refresh token stop working', async () => {
      const ip = freshAddress();
      const { first, second, rotated } = await twoSessions(ip);
      const bystander = await register(ip);

      const res = await api.request('/v1/auth/logout', {
        method: 'POST',
        json: { refreshToken: second.refreshToken },
      });
      expect(res.status).toBe(204);
      for (const token of [first.accessToken, second.accessToken, rotated.accessToken])
        expectAuthFailure(await me(token));
      for (const token of [first.refreshToken, second.refreshToken, rotated.refreshToken])
        expectAuthFailure(await refresh(token));
      // Another account keeps its session; signing in again works.
      expect((await me(bystander.accessToken)).status).toBe(200);
      const again = await login<AuthSessionResponse>(ip, { email: first.user.email, password: PASSWORD });
      expect(again.status).toBe(200);
      expect((await me(again.body.accessToken)).status).toBe(200);
      expect((await refresh(again.body.refreshToken)).status).toBe(200);
    });

    it('a logout through another replica (or ops) holds here within AUTH_USER_CACHE_MS, also for a caller this replica has just served', async () => {
      const ip = freshAddress();
      const session = await register(ip);
      expect((await me(session.accessToken)).status).toBe(200); // this replica now remembers the caller
      // What a logout served by another replica writes: the account's session epoch moves on.
      await db.collection('users').updateOne({ email: session.user.email }, { $inc: { sessionEpoch: 1 } });
      const ended = () => me(session.accessToken).then((res) => res.status === 401);
      expect(await eventually(ended, AUTH_USER_CACHE_MS + 500)).toBe(true);
      expectAuthFailure(await me(session.accessToken));
    });

    it('POST /v1/me/password checks the current password and the policy, ends every other session and returns a new one', async () => {
      const ip = freshAddress();
      const { first, second, rotated } = await twoSessions(ip);
      const change = <T = ValidationRefusal>(json: PasswordChangeRequest, token = rotated.accessToken) =>
        api.request<T>('/v1/me/password', { method: 'POST', token, json, headers: from(ip) });
      const newPassword = 'violet tapestry on the ferry';

      expectAuthFailure(await change({ currentPassword: 'not my password', newPassword }));
      const common = await change({ currentPassword: PASSWORD, newPassword: 'Sunshine1' });
      expect(common.status).toBe(400);
      expect(common.body.error.details).toEqual([{ field: 'newPassword', message: COMMON_PASSWORD_MESSAGE }]);
      const same = await change({ currentPassword: PASSWORD, newPassword: PASSWORD });
      expect(same.body.error.details).toEqual([
        { field: 'newPassword', message: 'must differ from the current password' },
      ]);
      const short = await change({ currentPassword: PASSWORD, newPassword: 'tiny' });
      expect(short.body.error.details).toEqual([
        { field: 'newPassword', message: 'must be at least 8 characters' },
      ]);
      // None of the refusals changed anything.
      expect((await me(second.accessToken)).status).toBe(200);

      const res = await change<AuthSessionResponse>({ currentPassword: PASSWORD, newPassword });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        user: first.user,
        accessToken: expect.any(String),
        refreshToken: expect.stringMatching(/^[\w-]{43}$/),
        expiresIn: 900,
      } satisfies AuthSessionResponse);
      expect(res.text).not.toMatch(/argon2|passwordHash/);

      for (const token of [first.accessToken, second.accessToken, rotated.accessToken])
        expectAuthFailure(await me(token));
      for (const token of [first.refreshToken, second.refreshToken, rotated.refreshToken])
        expectAuthFailure(await refresh(token));
      expect((await me(res.body.accessToken)).status).toBe(200);
      expect((await refresh(res.body.refreshToken)).status).toBe(200);
      expectAuthFailure(await login(ip, { email: first.user.email, password: PASSWORD }));
      expect((await login(ip, { email: first.user.email, password: newPassword })).status).toBe(200);
    });

    it('counts wrong current passwords towards the account back-off', async () => {
      const ip = freshAddress();
      const { user, accessToken } = await register(ip);
      const change = (currentPassword: string) =>
        api.request<ApiErrorBody>('/v1/me/password', {
          method: 'POST',
          token: accessToken,
          json: { currentPassword, newPassword: 'a brand new passphrase' },
          headers: from(ip),
        });
      for (let i = 0; i < 5; i++) expectAuthFailure(await change(`guess ${i}`));
      expect(throttled(await change(PASSWORD))).toEqual({
        status: 429,
        body: { error: THROTTLED },
        retryAfter: 1,
      });
      // The account is slowed at the login too: the same counter.
      expect((await login(freshAddress(), { email: user.email, password: PASSWORD })).status).toBe(429);
    });
  });

  describe('API3 mass assignment and API5 admin-only routes', () => {
    const forbiddenKeys: [string, unknown][] = [
      ['role', 'admin'],
      ['roles', ['admin']],
      ['_id', '665f1c2b8f1e4a0012345678'],
      ['id', '665f1c2b8f1e4a0012345678'],
      ['createdAt', '2020-01-01T00:00:00.000Z'],
      ['passwordHash', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'],
      ['emailVerified', true],
      ['emailVerifiedAt', '2020-01-01T00:00:00.000Z'],
      ['sessionEpoch', 0],
    ];

    it.each(forbiddenKeys)(
      'register refuses %s in the body: 400 naming it, no account created',
      async (key, value) => {
        const email = uniqueEmail('mass');
        const res = await api.request<ApiErrorBody>('/v1/auth/register', {
          method: 'POST',
          json: { email, password: PASSWORD, name: 'Mallory', timeZone: 'UTC', [key]: value },
          headers: from(freshAddress()),
        });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.message).toContain(`"${key}"`);
        expect(await db.collection('users').countDocuments({ email })).toBe(0);
      },
    );

    it('PATCH /v1/me refuses each of them (400 naming it) and the stored account does not change', async () => {
      const { user, accessToken } = await register(freshAddress());
      const before = await db.collection('users').findOne({ email: user.email });
      expect(before).toMatchObject({ role: 'user', sessionEpoch: 0 });
      for (const [key, value] of forbiddenKeys) {
        const res = await api.request<ApiErrorBody>('/v1/me', {
          method: 'PATCH',
          token: accessToken,
          json: { name: 'Mallory', [key]: value },
        });
        expect({
          key,
          status: res.status,
          named: String(res.body.error?.message).includes(`"${key}"`),
        }).toEqual({
          key,
          status: 400,
          named: true,
        });
      }
      expect(await db.collection('users').findOne({ email: user.email })).toEqual(before);
      expect((await me(accessToken)).body).toEqual(user); // and the role never shows in a response
    });

    it('GET /v1/admin/audit-events: 401 without a token, 403 for users, 200 for an admin made by `ops users grant-admin`', async () => {
      const ip = freshAddress();
      const admin = await register(ip);
      const user = await register(ip);
      const list = <T = ValidationRefusal>(token?: string, query = '') =>
        api.request<T>(`/v1/admin/audit-events${query}`, { token });
      expectAuthFailure(await list());
      const refused = await list(admin.accessToken);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({
        error: {
          code: 'forbidden',
          message: 'this route is for administrators only',
          requestId: expect.any(String),
        },
      });

      // A failure to find, from this test's address.
      expectAuthFailure(await login(ip, { email: uniqueEmail('probe'), password: 'wrong wrong' }));

      const granted = await runOps(
        ['users', 'grant-admin', admin.user.email.toUpperCase(), '--json'],
        opsEnv,
      );
      expect(granted.stderr).toBe('');
      expect(granted.code).toBe(0);
      expect(JSON.parse(granted.stdout)).toEqual({
        ok: true,
        id: admin.user.id,
        email: admin.user.email,
        role: 'admin',
        changed: true,
      });
      // The role is read with the account: the token the admin already holds works within AUTH_USER_CACHE_MS.
      const admitted = () => list(admin.accessToken).then((r) => r.status === 200);
      expect(await eventually(admitted, AUTH_USER_CACHE_MS + 500)).toBe(true);
      const res = await list<AuditEventListResponse>(
        admin.accessToken,
        `?type=auth_failure&ip=${ip}&limit=5`,
      );
      expect(res.status).toBe(200);
      const body = res.body;
      expect(body.items.length).toBeGreaterThan(0);
      expect(body.items[0]).toMatchObject({
        type: 'auth_failure',
        ip,
        reason: 'unknown_user',
        at: expect.any(String),
      });
      expect(body.items.every((e) => e.ip === ip && e.type === 'auth_failure')).toBe(true);
      const ats = body.items.map((e) => e.at);
      expect([...ats].sort().reverse()).toEqual(ats);
      expect((await list(admin.accessToken, '?limit=500')).body.error.details[0]).toMatchObject({
        field: 'limit',
      });
      expect((await list(user.accessToken)).status).toBe(403);
      // Granting the role is itself an audited ops action, with the OS user behind it.
      const grants = (await list<AuditEventListResponse>(admin.accessToken, '?type=ops_action&limit=100'))
        .body;
      expect(grants.items.find((e) => e.route?.startsWith('ops users grant-admin'))).toMatchObject({
        route: `ops users grant-admin ${admin.user.email.toUpperCase()} --json`,
        actor: expect.stringMatching(/^ops:.+@.+/),
        outcome: 'success',
      });

      const admins = await runOps(['users', 'list-admins', '--json'], opsEnv);
      expect(JSON.parse(admins.stdout).admins.map((a: { email: string }) => a.email)).toEqual([
        admin.user.email,
      ]);
      const check = await runOps(['check', 'security', '--json'], opsEnv);
      expect(
        JSON.parse(check.stdout).findings.find((f: { check: string }) => f.check === 'admin_users'),
      ).toMatchObject({
        message: 'admin accounts: 1',
        details: expect.objectContaining({ count: 1 }),
      });

      const revoked = await runOps(['users', 'revoke-admin', admin.user.email, '--json'], opsEnv);
      expect(revoked.code).toBe(0);
      expect(JSON.parse(revoked.stdout)).toMatchObject({ role: 'user', changed: true });
      const refusedAgain = () => list(admin.accessToken).then((r) => r.status === 403);
      expect(await eventually(refusedAgain, AUTH_USER_CACHE_MS + 500)).toBe(true);
    });

    it('ops users: usage errors exit 2, an unknown account exits 1, --help exits 0', async () => {
      const [noEmail, badEmail, unknown, help] = await Promise.all([
        runOps(['users', 'grant-admin'], opsEnv),
        runOps(['users', 'grant-admin', 'not-an-email'], opsEnv),
        runOps(['users', 'revoke-admin', uniqueEmail('nobody')], opsEnv),
        runOps(['users', '--help'], opsEnv),
      ]);
      expect([noEmail.code, badEmail.code, unknown.code, help.code]).toEqual([2, 2, 1, 0]);
      expect(badEmail.stderr).toMatch(/not an email address: not-an-email/);
      expect(unknown.stderr).toMatch(/no account with the email nobody-[0-9a-f]+@example\.com/);
      expect(help.stdout).toMatch(/grant-admin/);
      expect(help.stdout).toMatch(/revoke-admin/);
    });
  });

  it('documents the new routes in Swagger with schemas, examples and their refusals', async () => {
    const doc = (await api.request<OpenApiDocument>('/docs-json')).body;
    const password = doc.paths['/v1/me/password']?.post;
    expect(password?.responses).toEqual(
      expect.objectContaining({
        200: expect.anything(),
        400: expect.anything(),
        401: expect.anything(),
        429: expect.anything(),
      }),
    );
    const bodyRef = password.requestBody.content['application/json'].schema.$ref.split('/').pop()!;
    expect(doc.components.schemas[bodyRef]).toMatchObject({
      required: ['currentPassword', 'newPassword'],
      example: expect.any(Object),
    });
    const audit = doc.paths['/v1/admin/audit-events']?.get;
    expect(audit?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(audit.responses).sort()).toEqual(['200', '400', '401', '403']);
    expect(doc.paths['/v1/auth/login'].post.responses['429']).toBeDefined();
  });
});
