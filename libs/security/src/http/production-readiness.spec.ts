import { AppConfig, ConfigError } from '@app/config';
import { assertProductionReady } from './production-readiness';

const strong = 'kX9f2Qm7Lr4Tz8Vw1Yb6Nc3Hd5Js0Pa-Ge_Uq';
const tlsEnv = {
  NODE_ENV: 'production',
  JWT_SECRET: strong,
  MONGODB_URI: 'mongodb://app:pw@db.internal:27017/calendar?tls=true',
  REDIS_URL: 'rediss://:pw@cache.internal:6380',
};

/** The one line the API prints (main.ts: `Configuration error: <message>`), or null when it starts. */
function refusal(env: Record<string, string>): string | null {
  try {
    assertProductionReady(AppConfig.fromEnv(env));
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
}

describe('assertProductionReady (API8: production refuses a weak secret or plain-text datastores)', () => {
  it('starts with a strong secret and TLS to both datastores', () => {
    expect(refusal(tlsEnv)).toBeNull();
    expect(
      refusal({ ...tlsEnv, MONGODB_URI: 'mongodb+srv://app:pw@cluster0.example.net/calendar' }),
    ).toBeNull();
    expect(refusal({ ...tlsEnv, MONGODB_URI: 'mongodb://db.internal/calendar?ssl=true' })).toBeNull();
  });

  it('refuses a weak JWT secret, naming JWT_SECRET and never echoing it', () => {
    for (const weak of ['ab'.repeat(20), 'x'.repeat(40), 'abcdefghijklmnopqrstuvwxyz0123456789']) {
      const line = refusal({ ...tlsEnv, JWT_SECRET: weak });
      expect(line).toMatch(/^JWT_SECRET is weak in production: it /);
      expect(line).not.toContain(weak);
    }
  });

  it('refuses MongoDB without TLS and Redis without rediss://, naming the variable and the fix', () => {
    expect(refusal({ ...tlsEnv, MONGODB_URI: 'mongodb://app:pw@db.internal:27017/calendar' })).toBe(
      'MONGODB_URI must use TLS in production: add tls=true or use mongodb+srv:// (or set ALLOW_INSECURE_DATASTORES=true for an in-cluster MongoDB)',
    );
    expect(refusal({ ...tlsEnv, MONGODB_URI: 'mongodb://db.internal/calendar?tls=false' })).toMatch(
      /^MONGODB_URI must use TLS/,
    );
    const redis = refusal({ ...tlsEnv, REDIS_URL: 'redis://:hunter2@cache.internal:6379' });
    expect(redis).toMatch(/^REDIS_URL must use TLS in production: use a rediss:\/\/ URL/);
    expect(redis).not.toContain('hunter2');
  });

  it('accepts plain-text datastores with ALLOW_INSECURE_DATASTORES=true, but never a weak secret', () => {
    const plain = {
      ...tlsEnv,
      MONGODB_URI: 'mongodb://127.0.0.1:27017/calendar',
      REDIS_URL: 'redis://127.0.0.1:6379',
      ALLOW_INSECURE_DATASTORES: 'true',
    };
    expect(refusal(plain)).toBeNull();
    expect(refusal({ ...plain, JWT_SECRET: 'ab'.repeat(20) })).toMatch(/^JWT_SECRET is weak/);
    expect(() => AppConfig.fromEnv({ ...plain, ALLOW_INSECURE_DATASTORES: 'maybe' })).toThrow(
      'ALLOW_INSECURE_DATASTORES must be true or false',
    );
  });

  it('applies only in production', () => {
    const plain = { MONGODB_URI: 'mongodb://127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1' };
    expect(refusal(plain)).toBeNull();
    expect(refusal({ ...plain, NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40) })).toBeNull();
  });
});
