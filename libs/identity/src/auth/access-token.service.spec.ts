import { AppConfig } from '@app/config';
import { createSigner } from 'fast-jwt';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, AccessTokenService } from './access-token.service';

const SECRET = 'unit-test-secret-0123456789-0123456789';
const USER_ID = '665f1c2b8f1e4a0012345678';

const config = (secret = SECRET, ttl = '900') =>
  AppConfig.fromEnv({
    MONGODB_URI: 'mongodb://127.0.0.1:27017/unit',
    REDIS_URL: 'redis://127.0.0.1:6379',
    JWT_SECRET: secret,
    JWT_ACCESS_TTL_SECONDS: ttl,
  });

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const now = () => Math.floor(Date.now() / 1000);
/** The issuer and audience every token of ours carries. */
const OURS = { iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE };

describe('AccessTokenService', () => {
  const tokens = new AccessTokenService(config());

  it('signs an HS256 token that it verifies, with sub, iss, aud, iat, exp = iat + TTL, jti, typ access and the session epoch', () => {
    const token = tokens.sign(USER_ID, 0);
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    const claims = claimsOf(token);
    expect(claims).toEqual({
      sub: USER_ID,
      typ: 'access',
      sep: 0,
      iss: 'calendar-assistant',
      aud: 'calendar-assistant-api',
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      exp: claims.iat + 900,
    });
    expect(Math.abs(claims.iat - now())).toBeLessThanOrEqual(2);
    expect(tokens.verify(token)).toEqual({ ok: true, userId: USER_ID, sessionEpoch: 0 });
    expect(tokens.verify(tokens.sign(USER_ID, 7))).toEqual({ ok: true, userId: USER_ID, sessionEpoch: 7 });
    expect(tokens.sign(USER_ID, 0)).not.toBe(token);
  });

  it('uses the configured lifetime', () => {
    const short = new AccessTokenService(config(SECRET, '60'));
    const claims = claimsOf(short.sign(USER_ID, 0));
    expect(claims.exp - claims.iat).toBe(60);
    expect(short.ttlSeconds).toBe(60);
  });

  it('rejects an expired token as expired', () => {
    const expired = createSigner({ key: SECRET, expiresIn: 60_000, clockTimestamp: Date.now() - 3_600_000 })({
      sub: USER_ID,
      typ: 'access',
      ...OURS,
    });
    expect(tokens.verify(expired)).toEqual({ ok: false, reason: 'expired_token' });
  });

  it('rejects a token signed with another secret', () => {
    const forged = new AccessTokenService(config('another-secret-0123456789-0123456789')).sign(USER_ID, 0);
    expect(tokens.verify(forged)).toEqual({ ok: false, reason: 'invalid_token' });
  });

  it.each([
    ['another audience', { ...OURS, aud: 'calendar-assistant-admin' }],
    ['a list of other audiences', { ...OURS, aud: ['billing', 'reports'] }],
    ['no audience', { iss: ACCESS_TOKEN_ISSUER }],
    ['another issuer', { ...OURS, iss: 'someone-else' }],
    ['no issuer', { aud: ACCESS_TOKEN_AUDIENCE }],
    ['a negative session epoch', { ...OURS, sep: -1 }],
    ['a session epoch that is not a number', { ...OURS, sep: '1' }],
  ])('rejects a token with the right secret but %s', (_what, claims) => {
    const token = createSigner({ key: SECRET, expiresIn: 60_000 })({
      sub: USER_ID,
      typ: 'access',
      ...claims,
    });
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'invalid_token' });
  });

  it('reads a token without a session epoch (issued before epochs existed) as epoch 0', () => {
    const token = createSigner({ key: SECRET, expiresIn: 60_000 })({ sub: USER_ID, typ: 'access', ...OURS });
    expect(tokens.verify(token)).toEqual({ ok: true, userId: USER_ID, sessionEpoch: 0 });
  });

  it('rejects an unsigned alg:none token, with or without a signature part', () => {
    const header = base64url({ alg: 'none', typ: 'JWT' });
    const payload = base64url({ sub: USER_ID, typ: 'access', ...OURS, iat: now(), exp: now() + 600 });
    expect(tokens.verify(`${header}.${payload}.`)).toEqual({ ok: false, reason: 'invalid_token' });
    const signature = tokens.sign(USER_ID, 0).split('.')[2];
    expect(tokens.verify(`${header}.${payload}.${signature}`)).toEqual({
      ok: false,
      reason: 'invalid_token',
    });
  });

  it('rejects another algorithm even with the right secret (HS512)', () => {
    const hs512 = createSigner({ key: SECRET, algorithm: 'HS512', expiresIn: 60_000 })({
      sub: USER_ID,
      typ: 'access',
      ...OURS,
    });
    expect(tokens.verify(hs512)).toEqual({ ok: false, reason: 'invalid_token' });
  });

  it('rejects a payload changed after signing', () => {
    const [header, , signature] = tokens.sign(USER_ID, 0).split('.');
    const payload = base64url({ sub: '0'.repeat(24), typ: 'access', ...OURS, iat: now(), exp: now() + 600 });
    expect(tokens.verify(`${header}.${payload}.${signature}`)).toEqual({
      ok: false,
      reason: 'invalid_token',
    });
  });

  it.each([
    ['no typ', { sub: USER_ID, ...OURS }],
    ['another typ', { sub: USER_ID, typ: 'refresh', ...OURS }],
    ['no sub', { typ: 'access', ...OURS }],
    ['a sub that is not a user id', { sub: 'admin', typ: 'access', ...OURS }],
  ])('rejects a correctly signed token with %s', (_what, payload) => {
    const token = createSigner({ key: SECRET, expiresIn: 60_000 })(payload);
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'invalid_token' });
  });

  it('rejects a token without exp', () => {
    const token = createSigner({ key: SECRET })({ sub: USER_ID, typ: 'access', ...OURS });
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'invalid_token' });
  });

  it.each(['', 'garbage', 'a.b.c', 'Bearer x'])('rejects the malformed token %j', (token) => {
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'invalid_token' });
  });
});
