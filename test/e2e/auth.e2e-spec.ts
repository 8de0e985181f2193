import { Logger } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  type AuthLoginRequest,
  type AuthRefreshRequest,
  type AuthRegisterRequest,
  type AuthSessionResponse,
  type UserResponse,
  type UserUpdateRequest,
} from '@app/identity';
import { AuditService } from '@app/audit';
import { AppConfig } from '@app/config';
import { createSigner } from 'fast-jwt';
import type { Connection } from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi, TestResponse } from '../support/test-app';

const PASSWORD = 'correct horse battery staple';
const OBJECT_ID = /^[0-9a-f]{24}$/;
const AUTH_FAILED = { code: 'unauthorized', message: 'Authentication failed', requestId: expect.any(String) };

const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** The issuer and audience of our access tokens: forged tokens carry them, to fail for their own reason. */
const OURS = { iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE };

describe('accounts and authentication (/v1/auth, /v1/me)', () => {
  let api: TestApi;
  let config: AppConfig;
  let db: Connection;
  /** The response bodies of the running test; afterEach proves that no password hash left the API. */
  const bodies: string[] = [];

  async function call<T = any>(
    path: string,
    init?: Parameters<TestApi['request']>[1],
  ): Promise<TestResponse<T>> {
    const res = await api.request<T>(path, init);
    bodies.push(res.text);
    return res;
  }

  function expectAuthFailure(res: TestResponse): void {
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: AUTH_FAILED });
  }

  async function register(
    overrides: Partial<AuthRegisterRequest> = {},
  ): Promise<AuthSessionResponse & { password: string }> {
    const json = {
      email: uniqueEmail('user'),
      password: PASSWORD,
      name: 'Ada Lovelace',
      timeZone: 'Europe/Berlin',
      ...overrides,
    } satisfies AuthRegisterRequest;
    const res = await call<AuthSessionResponse>('/v1/auth/register', { method: 'POST', json });
    expect(res.status).toBe(201);
    return { ...res.body, password: json.password };
  }

  const login = (json: AuthLoginRequest) => call('/v1/auth/login', { method: 'POST', json });
  const refresh = (refreshToken: string) =>
    call('/v1/auth/refresh', { method: 'POST', json: { refreshToken } satisfies AuthRefreshRequest });
  const logout = (refreshToken: string) =>
    call('/v1/auth/logout', { method: 'POST', json: { refreshToken } satisfies AuthRefreshRequest });

  beforeAll(async () => {
    config = await testConfig();
    api = await startTestApi(config);
    db = api.app.get<Connection>(getConnectionToken());
  });

  afterEach(() => {
    for (const body of bodies.splice(0)) {
      expect(body).not.toMatch(/\$argon2/);
      expect(body).not.toMatch(/passwordHash/i);
    }
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await api?.close();
  });

  it('registers an account: 201 with the normalised profile, default working hours and a token pair', async () => {
    const email = uniqueEmail('Ada.Register').toUpperCase();
    const session = await register({ email: `  ${email} `, name: '  Ada  ', timeZone: 'europe/berlin' });
    expect(session).toEqual({
      user: {
        id: expect.stringMatching(OBJECT_ID),
        email: email.toLowerCase(),
        name: 'Ada',
        timeZone: 'Europe/Berlin',
        workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      },
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      expiresIn: 900,
      password: PASSWORD,
    } satisfies AuthSessionResponse & { password: string });
    expect(Math.abs(Date.parse(session.user.createdAt) - Date.now())).toBeLessThan(60_000);

    const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: session.user.id, typ: 'access' });
    expect(claims.exp - claims.iat).toBe(900);

    // Only the SHA-256 of the refresh token is stored, never the token itself.
    const tokenHash = createHash('sha256').update(session.refreshToken).digest('hex');
    const record = await db.collection('refresh_tokens').findOne({ tokenHash });
    expect(record).toMatchObject({ familyId: expect.any(String), usedAt: null, revokedAt: null });
    expect(JSON.stringify(await db.collection('refresh_tokens').find().toArray())).not.toContain(
      session.refreshToken,
    );
  });

  it('refuses a second account with the same email in another case: 409', async () => {
    const email = uniqueEmail('dup');
    await register({ email });
    const res = await call('/v1/auth/register', {
      method: 'POST',
      json: { email: email.toUpperCase(), password: PASSWORD, name: 'Copy', timeZone: 'UTC' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'conflict',
      message: 'an account with this email already exists',
    });
  });

  it.each([
    ['email', 'a non-email', { email: 'not-an-email' }],
    ['password', 'a 7-character password', { password: 'short12' }],
    ['password', 'a 129-character password', { password: 'x'.repeat(129) }],
    ['name', 'a blank name', { name: '   ' }],
    ['name', 'a 101-character name', { name: 'n'.repeat(101) }],
    ['timeZone', 'an unknown zone', { timeZone: 'Mars/Olympus_Mons' }],
    ['timeZone', 'a bare UTC offset', { timeZone: '+02:00' }],
  ] as const)('register names %s in a 400 for %s', async (field, _what, bad) => {
    const json = {
      email: uniqueEmail('bad'),
      password: PASSWORD,
      name: 'Bad Field',
      timeZone: 'UTC',
      ...bad,
    } satisfies AuthRegisterRequest;
    const res = await call('/v1/auth/register', { method: 'POST', json });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual([field]);
    expect(res.body.error.message).toContain(field);
    expect(await db.collection('users').countDocuments({ email: json.email })).toBe(0);
  });

  it('creates one account when two registrations of the same email race (the unique index decides)', async () => {
    const email = uniqueEmail('race');
    const attempt = (name: string) =>
      call('/v1/auth/register', {
        method: 'POST',
        json: { email, password: PASSWORD, name, timeZone: 'UTC' },
      });
    const results = await Promise.all([attempt('One'), attempt('Two'), attempt('Three')]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await db.collection('users').countDocuments({ email })).toBe(1);
  });

  it('keeps its collections indexed: unique email and token hash, and the audit lookups', async () => {
    const keys = async (collection: string) =>
      (await db.collection(collection).indexes()).map((i) => ({ key: i.key, unique: i.unique ?? false }));
    await register(); // the collections exist once written
    await login({ email: uniqueEmail('idx'), password: PASSWORD });
    await api.app.get(AuditService).flush(); // the auth failure's audit event is written in a batch
    expect(await keys('users')).toContainEqual({ key: { email: 1 }, unique: true });
    const tokenIndexes = await keys('refresh_tokens');
    expect(tokenIndexes).toContainEqual({ key: { tokenHash: 1 }, unique: true });
    expect(tokenIndexes).toContainEqual({ key: { userId: 1 }, unique: false });
    expect(tokenIndexes).toContainEqual({ key: { familyId: 1 }, unique: false });
    const auditIndexes = await keys('audit_events');
    expect(auditIndexes).toContainEqual({ key: { at: 1 }, unique: false });
    expect(auditIndexes).toContainEqual({ key: { ip: 1, at: 1 }, unique: false });
  });

  it('documents every route in Swagger with request and response schemas and examples', async () => {
    const doc = (await call('/docs-json')).body;
    const schemaOf = (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')];
    const routes = [
      ['post', '/v1/auth/register', '201'],
      ['post', '/v1/auth/login', '200'],
      ['post', '/v1/auth/refresh', '200'],
      ['post', '/v1/auth/logout', '204'],
      ['get', '/v1/me', '200'],
      ['patch', '/v1/me', '200'],
    ];
    for (const [method, path, status] of routes) {
      const op = doc.paths[path]?.[method];
      expect({ route: `${method} ${path}`, documented: Boolean(op?.responses?.[status]) }).toEqual({
        route: `${method} ${path}`,
        documented: true,
      });
      const body = op.requestBody?.content['application/json'].schema.$ref;
      if (method !== 'get')
        expect(schemaOf(body)).toMatchObject({ type: 'object', example: expect.any(Object) });
      const response = op.responses[status].content?.['application/json'].schema.$ref;
      if (status !== '204') expect(schemaOf(response)).toMatchObject({ example: expect.any(Object) });
    }
    expect(
      schemaOf(doc.paths['/v1/auth/register'].post.requestBody.content['application/json'].schema.$ref),
    ).toMatchObject({ required: ['email', 'password', 'name', 'timeZone'] });
    expect(doc.paths['/v1/me'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/v1/me'].get.responses['401']).toBeDefined();
    expect(doc.paths['/v1/auth/login'].post.responses['401']).toBeDefined();
    expect(doc.paths['/v1/auth/register'].post.responses['409']).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('passwordHash');
  });

  it('logs in with the email in any case: 200 with a working token pair', async () => {
    const { user } = await register();
    const res = await login({ email: ` ${user.email.toUpperCase()}`, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user,
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      expiresIn: 900,
    });
    const me = await call<UserResponse>('/v1/me', { token: res.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(user);
  });

  it('answers a wrong password and an unknown email identically (401), logging each with its reason', async () => {
    const { user } = await register();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const wrong = await login({ email: user.email, password: 'wrong password!' });
      const unknown = await login({ email: uniqueEmail('nobody'), password: PASSWORD });
      expectAuthFailure(wrong);
      expectAuthFailure(unknown);
      expect({ ...wrong.body.error, requestId: 0 }).toEqual({ ...unknown.body.error, requestId: 0 });

      const lines = warn.mock.calls.map((args) => String(args[0]));
      expect(lines).toContain(`unauthorized ip=127.0.0.1 reason=bad_password user=${user.id}`);
      expect(lines).toContain('unauthorized ip=127.0.0.1 reason=unknown_user');
      expect(lines.join('\n')).not.toContain('wrong password!');
    } finally {
      warn.mockRestore();
    }
    await api.app.get(AuditService).flush();
    const audit = await db
      .collection('audit_events')
      .find({ type: 'auth_failure', reason: 'bad_password', ip: '127.0.0.1' })
      .toArray();
    expect(audit.map((e) => String(e.userId))).toContain(user.id);
    expect(audit[0].at).toBeInstanceOf(Date);
  });

  it('serves /v1/me only with a valid access token', async () => {
    const { user, accessToken } = await register();
    expectAuthFailure(await call('/v1/me'));
    expectAuthFailure(await call('/v1/me', { headers: { authorization: `Basic ${accessToken}` } }));
    const res = await call<UserResponse>('/v1/me', { token: accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(user satisfies UserResponse);
    expect(Object.keys(res.body).sort()).toEqual([
      'createdAt',
      'email',
      'id',
      'name',
      'timeZone',
      'workingHours',
    ]);
  });

  it('changes name, time zone and working hours with PATCH /v1/me', async () => {
    const { user, accessToken } = await register();
    const json = {
      name: 'Ada K.',
      timeZone: 'America/New_York',
      workingHours: { days: [4, 1, 2], start: '08:30', end: '16:00' },
    } satisfies UserUpdateRequest;
    const res = await call<UserResponse>('/v1/me', { method: 'PATCH', token: accessToken, json });
    expect(res.status).toBe(200);
    const expected = {
      ...user,
      name: 'Ada K.',
      timeZone: 'America/New_York',
      workingHours: { days: [1, 2, 4], start: '08:30', end: '16:00' },
    };
    expect(res.body).toEqual(expected);
    expect((await call('/v1/me', { token: accessToken })).body).toEqual(expected);

    // Only the given fields change.
    const zoneOnly = await call<UserResponse>('/v1/me', {
      method: 'PATCH',
      token: accessToken,
      json: { timeZone: 'UTC' },
    });
    expect(zoneOnly.body).toEqual({ ...expected, timeZone: 'UTC' });
  });

  it.each([
    ['timeZone', 'an unknown zone', { timeZone: 'Not/AZone' }],
    ['name', 'an empty name', { name: '' }],
    [
      'workingHours.end',
      'an end before the start',
      { workingHours: { days: [1], start: '17:00', end: '09:00' } },
    ],
    [
      'workingHours.end',
      'an end equal to the start',
      { workingHours: { days: [1], start: '09:00', end: '09:00' } },
    ],
    [
      'workingHours.start',
      'a time not in HH:mm',
      { workingHours: { days: [1], start: '9:00', end: '17:00' } },
    ],
    ['workingHours.end', 'the time 24:00', { workingHours: { days: [1], start: '09:00', end: '24:00' } }],
    ['workingHours.days.0', 'weekday 0', { workingHours: { days: [0], start: '09:00', end: '17:00' } }],
    ['workingHours.days', 'no weekdays', { workingHours: { days: [], start: '09:00', end: '17:00' } }],
    [
      'workingHours.days',
      'a repeated weekday',
      { workingHours: { days: [1, 1], start: '09:00', end: '17:00' } },
    ],
    ['(body)', 'a field that cannot be changed (email)', { email: 'new@example.com' }],
  ] as const)('PATCH /v1/me names %s in a 400 for %s', async (field, _what, json) => {
    const { user, accessToken } = await register();
    const res = await call('/v1/me', { method: 'PATCH', token: accessToken, json });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await call('/v1/me', { token: accessToken })).body).toEqual(user);
  });

  it('rotates refresh tokens; reusing one revokes the whole family, including the token that replaced it', async () => {
    const first = await register();
    const rotated = await refresh(first.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({
      user: first.user,
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      expiresIn: 900,
    } satisfies AuthSessionResponse);
    expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
    expect((await call('/v1/me', { token: rotated.body.accessToken })).status).toBe(200);

    // A second session of the same user is another family and must survive the revocation.
    const other = await login({ email: first.user.email, password: PASSWORD });

    expectAuthFailure(await refresh(first.refreshToken)); // reuse detected
    expectAuthFailure(await refresh(rotated.body.refreshToken)); // its family is revoked
    expect((await refresh(other.body.refreshToken)).status).toBe(200);
  });

  it('refuses an unknown and an expired refresh token', async () => {
    expectAuthFailure(await refresh(randomBytes(32).toString('base64url')));
    expectAuthFailure(await refresh('not a token'));

    const { refreshToken } = await register();
    const tokenHash = createHash('sha256').update(refreshToken).digest('hex');
    await db
      .collection('refresh_tokens')
      .updateOne({ tokenHash }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expectAuthFailure(await refresh(refreshToken));
  });

  it('logs out: 204, and the refresh token and its family no longer work', async () => {
    const session = await register();
    const rotated = await refresh(session.refreshToken);
    const res = await logout(rotated.body.refreshToken);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectAuthFailure(await refresh(rotated.body.refreshToken));
    // Logging out with an unknown token is harmless.
    expect((await logout(randomBytes(32).toString('base64url'))).status).toBe(204);
  });

  it('rejects access tokens signed with another secret, expired, unsigned (alg none) or of another type', async () => {
    const { user, accessToken } = await register();
    const payload = { sub: user.id, typ: 'access', ...OURS };
    const now = Math.floor(Date.now() / 1000);

    const otherSecret = createSigner({ key: randomBytes(32).toString('hex'), expiresIn: 60_000 })(payload);
    const expired = createSigner({
      key: config.jwt.secret,
      expiresIn: 60_000,
      clockTimestamp: Date.now() - 3_600_000,
    })(payload);
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...payload, iat: now, exp: now + 600 })}.`;
    const [header, , signature] = accessToken.split('.');
    const tampered = `${header}.${base64url({ ...payload, sub: '0'.repeat(24), iat: now, exp: now + 600 })}.${signature}`;
    const notAccess = createSigner({ key: config.jwt.secret, expiresIn: 60_000 })({
      ...payload,
      typ: 'refresh',
    });
    const hs512 = createSigner({ key: config.jwt.secret, algorithm: 'HS512', expiresIn: 60_000 })(payload);

    for (const token of [otherSecret, expired, unsigned, tampered, notAccess, hs512, 'garbage']) {
      expectAuthFailure(await call('/v1/me', { token }));
    }
    // The same secret and algorithm with a live exp is accepted, so the rejections above are not incidental.
    const valid = createSigner({ key: config.jwt.secret, expiresIn: 60_000 })(payload);
    expect((await call('/v1/me', { token: valid })).status).toBe(200);
  });

  it('refuses the access token of an account that no longer exists', async () => {
    const { user, accessToken } = await register();
    await db.collection('users').deleteOne({ email: user.email });
    expectAuthFailure(await call('/v1/me', { token: accessToken }));
  });

  it('counts each failure in auth_failures_total{reason} on /metrics', async () => {
    const counts = async () => {
      const res = await call('/metrics');
      expect(res.status).toBe(200);
      return (reason: string) =>
        Number(res.text.match(new RegExp(`^auth_failures_total\\{reason="${reason}"\\} (\\d+)$`, 'm'))?.[1]);
    };
    const before = await counts();

    const { user, refreshToken, accessToken } = await register();
    const expired = createSigner({
      key: config.jwt.secret,
      expiresIn: 60_000,
      clockTimestamp: Date.now() - 3_600_000,
    })({ sub: user.id, typ: 'access', ...OURS });
    expectAuthFailure(await call('/v1/me')); // missing_token
    expectAuthFailure(await call('/v1/me', { token: `${accessToken}x` })); // invalid_token
    expectAuthFailure(await call('/v1/me', { token: expired })); // expired_token
    expectAuthFailure(await login({ email: uniqueEmail('ghost'), password: PASSWORD })); // unknown_user
    expectAuthFailure(await login({ email: user.email, password: 'not the password' })); // bad_password
    expect((await refresh(refreshToken)).status).toBe(200);
    expectAuthFailure(await refresh(refreshToken)); // refresh_reused
    expectAuthFailure(await refresh(randomBytes(32).toString('base64url'))); // refresh_invalid
    const stale = await login({ email: user.email, password: PASSWORD });
    await db
      .collection('refresh_tokens')
      .updateOne(
        { tokenHash: createHash('sha256').update(stale.body.refreshToken).digest('hex') },
        { $set: { expiresAt: new Date(Date.now() - 1000) } },
      );
    expectAuthFailure(await refresh(stale.body.refreshToken)); // refresh_expired

    const after = await counts();
    for (const reason of [
      'missing_token',
      'invalid_token',
      'expired_token',
      'unknown_user',
      'bad_password',
      'refresh_reused',
      'refresh_invalid',
      'refresh_expired',
    ]) {
      expect({ reason, increase: after(reason) - (before(reason) || 0) }).toEqual({ reason, increase: 1 });
    }
  });

  it('never sends the password hash, which is stored as argon2id', async () => {
    const session = await register();
    const stored = await db.collection('users').findOne({ email: session.user.email });
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const responses = [
      await login({ email: session.user.email, password: PASSWORD }),
      await refresh(session.refreshToken),
      await call('/v1/me', { token: session.accessToken }),
      await call('/v1/me', { method: 'PATCH', token: session.accessToken, json: { name: 'Renamed' } }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(stored?.passwordHash);
      expect(res.text).not.toMatch(/passwordHash|\$argon2/);
    }
  });
});
