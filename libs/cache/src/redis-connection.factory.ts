import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { createRedisClient, RedisClient } from './redis-client';

export type RedisConnectionRole =
  /** Enqueues jobs on the request path: fails fast while Redis is down instead of queueing commands. */
  | 'producer'
  /** Runs a job worker (blocking commands): waits for Redis and reconnects on its own. */
  | 'worker';

/**
 * Extra Redis connections for job queues (BullMQ), on the configured REDIS_URL (or cluster). BullMQ needs
 * `maxRetriesPerRequest: null` on its connections; a producer additionally turns the offline queue
 * off so that enqueueing fails at once while Redis is down. The caller owns and closes them.
 */
@Injectable()
export class RedisConnectionFactory {
  constructor(private readonly config: AppConfig) {}

  create(name: string, role: RedisConnectionRole): RedisClient {
    const logger = new Logger(`Redis:${name}`);
    const client = createRedisClient(this.config, {
      connectionName: `${this.config.clientName}:${name}`,
      maxRetriesPerRequest: null,
      enableOfflineQueue: role === 'worker',
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
    });
    let lastError = '';
    client.on('error', (err: Error) => {
      if (err.message !== lastError) logger.warn(`redis: ${err.message}`);
      lastError = err.message;
    });
    client.on('ready', () => (lastError = ''));
    return client;
  }
}
