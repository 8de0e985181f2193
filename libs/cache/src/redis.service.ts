import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { withTimeout } from '@app/common';
import { createRedisClient, RedisClient } from './redis-client';

/** How long any Redis command may take before it fails: a hung Redis must not hang a request. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * The one Redis (or Redis Cluster) connection of the process. Fails fast when Redis is down (no offline queue, a
 * command timeout, one retry), and reconnects in the background so it recovers on its own.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: RedisClient;
  private lastError = '';

  constructor(config: AppConfig) {
    this.client = createRedisClient(config, {
      // Lets `ops restore` tell the API's connections from its own (CLIENT LIST).
      connectionName: config.clientName,
      enableOfflineQueue: false,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: 1000,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
      lazyConnect: false,
      // Commands issued in the same tick by concurrent requests leave in one write (one syscall).
      enableAutoPipelining: true,
    });
    this.client.on('error', (err: Error) => {
      // ioredis repeats the error on every reconnect attempt; log each distinct one once.
      if (err.message !== this.lastError) this.logger.warn(`redis: ${err.message}`);
      this.lastError = err.message;
    });
    this.client.on('ready', () => {
      if (this.lastError) this.logger.log('redis: connected again');
      this.lastError = '';
    });
  }

  get isReady(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Resolves once the client is ready (at once when it is), rejects when it ends or `timeoutMs`
   * passes: through connect timeouts and reconnects, which a just-started process may go through.
   */
  async whenReady(timeoutMs: number): Promise<void> {
    if (this.isReady) return;
    const client = this.client;
    let settle = () => undefined as void;
    const ready = new Promise<void>((resolve, reject) => {
      const onReady = () => resolve();
      const onEnd = () => reject(new Error('connection closed'));
      client.once('ready', onReady);
      client.once('end', onEnd);
      settle = () => {
        client.off('ready', onReady);
        client.off('end', onEnd);
      };
    });
    try {
      await withTimeout(ready, timeoutMs, 'connecting to Redis');
    } finally {
      settle();
    }
  }

  /** PING with a bound; resolves to the round-trip in milliseconds or rejects. */
  async ping(timeoutMs: number): Promise<number> {
    const started = performance.now();
    const ping = async () => {
      // Just started (the ops CLI): wait for the connection, within the bound.
      if (this.client.status === 'connecting' || this.client.status === 'connect') {
        await new Promise((resolve) => this.client.once('ready', resolve));
      }
      if (!this.isReady) throw new Error(`redis is ${this.client.status}`);
      await this.client.ping();
    };
    await withTimeout(ping(), timeoutMs, 'redis PING');
    return performance.now() - started;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client.status === 'end') return;
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
