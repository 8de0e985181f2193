import { randomBytes } from 'node:crypto';
import { AppConfig } from '@app/config';

/** The test services: the run's FerretDB (global setup) and this file's own redis-server (test environment). */
export function sharedServices(): { mongodbUri: string; redisUrl: string } {
  const mongodbUri = process.env.TEST_MONGODB_URI;
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!mongodbUri || !redisUrl)
    throw new Error('TEST_MONGODB_URI/TEST_REDIS_URL are unset: run through the e2e project (npm test)');
  return { mongodbUri, redisUrl };
}

/** A database of its own for one test file, on the given server. */
export function withDatabase(mongodbUri: string, name: string): string {
  const url = new URL(mongodbUri);
  url.pathname = `/${name}`;
  return url.toString();
}

let nextRedisDb = 0;

/**
 * A Redis logical database of its own for each configuration a test file builds (two apps in one
 * file keep their queues apart), on the file's own redis-server (test/setup/redis-environment.ts):
 * no other file uses that server, so nothing needs flushing.
 */
export function withRedisDb(redisUrl: string): string {
  if (nextRedisDb > 15)
    throw new Error('a test file built more than 16 configurations: Redis has 16 databases');
  const url = new URL(redisUrl);
  url.pathname = `/${nextRedisDb++}`;
  return url.toString();
}

/** A configuration for one test file: its own database and Redis db, quiet logs, test mode. */
export async function testConfig(
  overrides: Record<string, string> = {},
  services: { mongodbUri: string; redisUrl: string } = sharedServices(),
): Promise<AppConfig> {
  const dbName = `test_${randomBytes(4).toString('hex')}`;
  return AppConfig.fromEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MONGODB_URI: withDatabase(services.mongodbUri, dbName),
    REDIS_URL: withRedisDb(services.redisUrl),
    JWT_SECRET: randomBytes(32).toString('hex'),
    // Files register and sign in many users from 127.0.0.1: the tight per-address auth limit and the
    // per-user limit are off unless a test sets them (the assistant's stays at its default of 30).
    RATE_LIMIT_AUTH_PER_MINUTE: '0',
    RATE_LIMIT_USER_PER_MINUTE: '0',
    // The test services are plain-text; only assertProductionReady's own tests turn this off.
    ALLOW_INSECURE_DATASTORES: 'true',
    ...overrides,
  });
}
