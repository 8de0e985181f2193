import { DependencyUnavailableError } from '@app/common';
import type { RedisService } from '@app/cache';
import { CONNECT_WAIT_MS } from '@app/database';
import type { mongo } from 'mongoose';

/** MongoDB's connection helper lives with the connection (@app/database); backup code imports it from here. */
export { connectedDb } from '@app/database';

/** The shared Redis client once it is ready (the CLI has just opened it); fails clearly when it is not. */
export async function readyRedis(redis: RedisService): Promise<RedisService['client']> {
  const client = redis.client;
  // SCAN, DBSIZE and FLUSHDB see one node of a cluster: a backup of one node would look complete.
  if (client.isCluster)
    throw new Error('Redis backup and restore do not support a Redis Cluster (REDIS_CLUSTER_NODES) yet');
  try {
    await redis.whenReady(CONNECT_WAIT_MS);
  } catch (err) {
    throw new DependencyUnavailableError(`Redis is unreachable: ${(err as Error).message}`);
  }
  return client;
}

/** A short server description for manifests and reports, e.g. "MongoDB 7.0.42 (FerretDB v1.24.2)". */
export async function mongoServer(db: mongo.Db): Promise<{ description: string; ferretdb: boolean }> {
  const info = await db.admin().command({ buildInfo: 1 });
  const ferret = typeof info.ferretdbVersion === 'string' ? ` (FerretDB ${info.ferretdbVersion})` : '';
  return { description: `MongoDB ${String(info.version)}${ferret}`, ferretdb: !!ferret };
}
