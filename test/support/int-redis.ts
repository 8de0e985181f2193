import { RedisService } from '@app/cache';
import { AppConfig } from '@app/config';
import type Redis from 'ioredis';
import { testConfig } from './test-env';

/**
 * The real RedisService of an integration spec, on a logical database of this file's own
 * redis-server; `close()` quits it. Build the stores under test on `redis`, inspect with `client`.
 */
export async function intRedis(
  overrides: Record<string, string> = {},
): Promise<{ redis: RedisService; client: Redis; config: AppConfig; close(): Promise<void> }> {
  const config = await testConfig(overrides);
  const redis = new RedisService(config);
  if (!redis.isReady) await new Promise((resolve) => redis.client.once('ready', resolve));
  // A single redis-server (the cluster has its own e2e spec), so the client is a plain Redis.
  return { redis, client: redis.client as Redis, config, close: () => redis.onApplicationShutdown() };
}
