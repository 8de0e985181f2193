import { randomBytes } from 'node:crypto';
import { AppConfig, DEV_JWT_SECRET } from '@app/config';
import { auditConfig, mongoTransport, redisTransport } from './config-audit';
import { assessSecret } from './secret-strength';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017/calendar', REDIS_URL: 'redis://127.0.0.1:6390' };
const find = (config: AppConfig, check: string) => auditConfig(config).find((f) => f.check === check)!;

describe('assessSecret', () => {
  it('passes random secrets in hex and base64', () => {
    for (let i = 0; i < 20; i++) {
      expect(assessSecret(randomBytes(16).toString('hex')).problems).toEqual([]);
      expect(assessSecret(randomBytes(32).toString('base64url')).problems).toEqual([]);
      expect(assessSecret(randomBytes(48).toString('base64')).problems).toEqual([]);
    }
  });

  it('flags the default, short, low-variety, repeated and sequential secrets', () => {
    expect(assessSecret(DEV_JWT_SECRET).problems).toContain('is the development default');
    expect(assessSecret('tooshort').problems).toContain('is shorter than 32 characters');
    expect(assessSecret('ab'.repeat(20)).problems).toEqual(
      expect.arrayContaining(['uses only 2 distinct characters', 'repeats a short pattern']),
    );
    expect(assessSecret('Passw0rd!2024'.repeat(3)).problems).toContain('repeats a short pattern');
    expect(assessSecret('abcdefghijklmnopqrstuvwxyz0123456789ABCD').problems).toContain(
      'is mostly runs or sequences of characters',
    );
    expect(assessSecret('x'.repeat(40)).estimatedEntropyBits).toBe(0);
  });

  it('never puts the secret in its problems', () => {
    const secret = 'hunter2hunter2hunter2hunter2hunter2';
    expect(JSON.stringify(assessSecret(secret))).not.toContain('hunter');
  });
});

describe('auditConfig', () => {
  it('fails a weak secret, plain transports and an open limit in production, without echoing secrets', () => {
    const config = AppConfig.fromEnv({
      ...base,
      MONGODB_URI: 'mongodb://app:s3cretpass@db.internal:27017/calendar',
      NODE_ENV: 'production',
      JWT_SECRET: 'ab'.repeat(20),
      RATE_LIMIT_PER_MINUTE: '0',
      CORS_ORIGINS: '*',
    });
    const findings = auditConfig(config);
    const status = Object.fromEntries(findings.map((f) => [f.check, f.status]));
    expect(status).toMatchObject({
      jwt_secret: 'fail',
      mongodb_tls: 'fail',
      mongodb_auth: 'ok',
      redis_tls: 'fail',
      redis_auth: 'fail',
      cors: 'fail',
      rate_limit: 'fail',
      trust_proxy: 'warn',
      security_webhook: 'warn',
    });
    const text = JSON.stringify(findings);
    expect(text).not.toContain('s3cretpass');
    expect(text).not.toContain('abab');
  });

  it('passes a hardened production configuration', () => {
    const config = AppConfig.fromEnv({
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb+srv://app:pw@cluster0.example.mongodb.net/calendar',
      REDIS_URL: 'rediss://default:pw@redis.example.com:6380',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      TRUST_PROXY: 'true',
      CORS_ORIGINS: 'https://app.example.com',
      SECURITY_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/XXXX',
    });
    const findings = auditConfig(config);
    expect(findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(JSON.stringify(findings)).not.toContain('XXXX');
  });

  it('treats the development default as information in development only', () => {
    expect(find(AppConfig.fromEnv(base), 'jwt_secret').status).toBe('info');
    expect(find(AppConfig.fromEnv({ ...base, NODE_ENV: 'test' }), 'jwt_secret').status).toBe('warn');
  });

  it('reads TLS and credentials from URIs', () => {
    expect(mongoTransport('mongodb+srv://u:p@c.example.net/db')).toEqual({ tls: true, auth: true });
    expect(mongoTransport('mongodb+srv://c.example.net/db?tls=false')).toEqual({ tls: false, auth: false });
    expect(mongoTransport('mongodb://a:1,b:2/db?replicaSet=rs&ssl=true&authMechanism=MONGODB-X509')).toEqual({
      tls: true,
      auth: true,
    });
    expect(redisTransport('rediss://:pw@r:6380')).toEqual({ tls: true, auth: true });
    expect(redisTransport('redis://r:6379/2')).toEqual({ tls: false, auth: false });
  });
});
