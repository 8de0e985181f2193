import { AppConfig } from '@app/config';
import { createSigner } from 'fast-jwt';
import { AccessTokenService } from './access-token.service';

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

describe('AccessTokenService', () => {
  const tokens = new AccessTokenService(config());

  it('signs an HS256 token that it verifies, with sub, iat, exp = iat + TTL, jti and typ access', () => {
    const token = tokens.sign(USER_ID);
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    const claims = claimsOf(token);
    expect(claims).toEqual({
      sub: USER_ID,
      typ: 'access',
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      exp: claims.iat + 900,
    });
    expect(Math.abs(claims.iat - now())).toBeLessThanOrEqual(2);
    expect(tokens.verify(token)).toEqual({ ok: true, userId: USER_ID });
    expect(tokens.sign(USER_ID)).not.toBe(token);
  });

  it('uses the configured lifetime', () => {
    const short = new AccessTokenService(config(SECRET, '60'));
    const claims = claimsOf(short.sign(USER_ID));
    expect(claims.exp - claims.iat).toBe(60);
    expect(short.ttlSeconds).toBe(60);
  });

  it('rejects an expired token as expired', () => {
    const expired = createSigner({ key: SECRET, expiresIn: 60_000, clockTimestamp: Date.now() - 3_600_000 })({
      sub: USER_ID,
      typ: 'access',
    });
    expect(tokens.verify(expired)).toEqual({ ok: false, reason: 'expired_token' });
  });

  it('rejects a token signed with another secret', () => {
    const forged = new AccessTokenService(config('another-secret-0123456789-0123456789')).sign(USER_ID);
    expect(tokens.verify(forged)).toEqual({ ok: false, reason: 'invalid_token' });
  });

  it('rejects an unsigned alg:none token, with or without a signature part', () => {
    const header = base64url({ alg: 'none', typ: 'JWT' });
    const payload = base64url({ sub: USER_ID, typ: 'access', iat: now(), exp: now() + 600 });
    expect(tokens.verify(`${header}.${payload}.`)).toEqual({ ok: false, reason: 'invalid_token' });
    const signature = tokens.sign(USER_ID).split('.')[2];
    expect(tokens.verify(`${header}.${payload}.${signature}`)).toEqual({
      ok: false,
      reason: 'invalid_token',
    });
  });

  it('rejects another algorithm even with the right secret (HS512)', () => {
    const hs512 = createSigner({ key: SECRET, algorithm: 'HS512', expiresIn: 60_000 })({
      sub: USER_ID,
      typ: 'access',
    });
    expect(tokens.verify(hs512)).toEqual({ ok: false, reason: 'invalid_token' });
  });

  it('rejects a payload changed after signing', () => {
    const [header, , signature] = tokens.sign(USER_ID).split('.');
    const payload = base64url({ sub: '0'.repeat(24), typ: 'access', iat: now(), exp: now() + 600 });
    expect(tokens.verify(`${header}.${payload}.${signature}`)).toEqual({
      ok: false,
      reason: 'invalid_token',
    });
  });

  it.each([
    ['no typ', { sub: USER_ID }],
    ['another typ', { sub: USER_ID, typ: 'refresh' }],
    ['no sub', { typ: 'access' }],
    ['a sub that is not a user id', { sub: 'admin', typ: 'access' }],
  ])('rejects a correctly signed token with %s', (_what, payload) => {
    const token = createSigner({ key: SECRET, expiresIn: 60_000 })(payload);
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'invalid_token' });
  });

  it('rejects a token without exp', () => {
    const token = createSigner({ key: SECRET })({ sub: USER_ID, typ: 'access' });
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'invalid_token' });
  });

  it.each(['', 'garbage', 'a.b.c', 'Bearer x'])('rejects the malformed token %j', (token) => {
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'invalid_token' });
  });
});
