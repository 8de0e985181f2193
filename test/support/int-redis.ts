import { RedisService } from '@app/cache';
import type Redis from 'ioredis';
import { testConfig } from './test-env';

/**
 * The real RedisService of an integration spec, on a logical database of this file's own
 * redis-server; `close()` quits it. Build the stores under test on `redis`, inspect with `client`.
 */
export async function intRedis(
  overrides: Record<string, string> = {},
): Promise<{ redis: RedisService; client: Redis; close(): Promise<void> }> {
  const redis = new RedisService(await testConfig(overrides));
  if (!redis.isReady) await new Promise((resolve) => redis.client.once('ready', resolve));
  return { redis, client: redis.client, close: () => redis.onApplicationShutdown() };
}
