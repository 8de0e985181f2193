import { AppConfig } from '@app/config';
import Redis, { Cluster, RedisOptions } from 'ioredis';

/** A connection to one Redis or to a Redis Cluster: the stores use the same commands on both. */
export type RedisClient = Redis | Cluster;

/**
 * Connects to REDIS_URL, or with REDIS_CLUSTER_NODES to that Redis Cluster, REDIS_URL then giving
 * the credentials and TLS (`rediss:`) of every node. `options` are one connection's; on a cluster
 * the retry strategy, offline queue and auto-pipelining apply to the cluster as a whole.
 */
export function createRedisClient(config: AppConfig, options: RedisOptions): RedisClient {
  if (config.redisClusterNodes.length === 0) return new Redis(config.redisUrl, options);
  const url = new URL(config.redisUrl);
  const { retryStrategy, enableOfflineQueue, enableAutoPipelining, lazyConnect, ...perNode } = options;
  return new Cluster(config.redisClusterNodes, {
    clusterRetryStrategy: retryStrategy,
    enableOfflineQueue,
    enableAutoPipelining,
    lazyConnect,
    redisOptions: {
      ...perNode,
      username: decodeURIComponent(url.username) || undefined,
      password: decodeURIComponent(url.password) || undefined,
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
}

/**
 * A Redis Cluster hash tag: keys holding the same `{tag}` are in one hash slot, so one MGET, MULTI,
 * pipeline or script may use them together. On a single Redis it is just part of the name.
 */
export const hashTag = (tag: string) => `{${tag}}`;
