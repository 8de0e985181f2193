import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { withTimeout } from '@app/common';
import { hashTag, RedisClient, RedisConnectionFactory } from '@app/cache';
import { AppConfig } from '@app/config';
import { Job, Queue, Worker } from 'bullmq';
import { retryDelayMs } from './webhook-backoff';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';

export const WEBHOOK_QUEUE = 'webhook-deliveries';
export interface DeliveryJob {
  deliveryId: string;
  ownerId: string;
}

const CONCURRENCY = 10;
/** Deliveries still pending this long are put on the queue again (an enqueue lost while Redis was down). */
const SWEEP_AFTER_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;
const CLOSE_TIMEOUT_MS = 3000;

/**
 * Deliveries run off the request path, on a BullMQ queue in the project's Redis: a slow receiver
 * never slows the API, and jobs (with their retry schedule) survive a restart. The worker runs in
 * the API process: started on module init, stopped on shutdown (in-flight requests are aborted and
 * retried later, so shutdown is never held up by a receiver). Jobs use the delivery id as job id,
 * so enqueueing twice is harmless — a periodic sweep re-enqueues deliveries still owed.
 */
@Injectable()
export class WebhookDeliveryQueue implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliveryQueue.name);
  private queue?: Queue<DeliveryJob>;
  private worker?: Worker<DeliveryJob>;
  private connections: RedisClient[] = [];
  private sweepTimer?: NodeJS.Timeout;
  private readonly inflight = new Set<AbortController>();

  constructor(
    private readonly redis: RedisConnectionFactory,
    private readonly config: AppConfig,
    private readonly processor: WebhookDeliveryProcessor,
    private readonly deliveries: WebhookDeliveryRepository,
  ) {}

  onModuleInit(): void {
    const producer = this.redis.create('webhooks-producer', 'producer');
    const consumer = this.redis.create('webhooks-worker', 'worker');
    this.connections = [producer, consumer];
    // On a Redis Cluster every key of a queue must be in one hash slot: BullMQ's `{prefix}` form.
    // A single Redis keeps BullMQ's default prefix, so jobs queued before an upgrade are still run.
    const prefix = this.config.redisClusterNodes.length ? hashTag('bull') : undefined;
    this.queue = new Queue<DeliveryJob>(WEBHOOK_QUEUE, { connection: producer, prefix });
    this.queue.on('error', (err) => this.logger.warn(`queue: ${err.message}`));
    const base = this.config.webhooks.retryBaseMs;
    this.worker = new Worker<DeliveryJob>(WEBHOOK_QUEUE, (job) => this.run(job), {
      connection: consumer,
      prefix,
      concurrency: CONCURRENCY,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, base) },
    });
    this.worker.on('error', (err) => this.logger.warn(`worker: ${err.message}`));
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  /** Puts a delivery on the queue (bounded: Redis being down must not hang the caller). */
  async enqueue(ownerId: string, deliveryId: string, attempts: number): Promise<void> {
    if (!this.queue) throw new Error('webhook queue not started');
    await withTimeout(
      this.queue.add(
        'deliver',
        { deliveryId, ownerId },
        {
          jobId: deliveryId,
          attempts,
          backoff: { type: 'webhook' },
          removeOnComplete: { age: 24 * 3600, count: 10_000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      ),
      1000,
      'webhook enqueue',
    );
  }

  /**
   * Stops taking jobs and closes the connections, every step bounded: with Redis down a graceful
   * close could wait forever, and shutdown must not. Aborted in-flight deliveries are retried later.
   */
  async onModuleDestroy(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const controller of this.inflight) controller.abort();
    const redisUp = this.connections.every((c) => c.status === 'ready');
    const bounded = (what: string, work: Promise<unknown> | undefined) =>
      withTimeout(Promise.resolve(work), CLOSE_TIMEOUT_MS, what).catch((err: Error) =>
        this.logger.debug(err.message),
      );
    await bounded('webhook worker close', this.worker?.close(!redisUp));
    await bounded('webhook queue close', this.queue?.close());
    for (const c of this.connections) c.disconnect();
  }

  private async run(job: Job<DeliveryJob>): Promise<void> {
    const controller = new AbortController();
    this.inflight.add(controller);
    try {
      await this.processor.process(job.data, job.attemptsMade + 1, job.opts.attempts ?? 1, controller.signal);
    } finally {
      this.inflight.delete(controller);
    }
  }

  private async sweep(): Promise<void> {
    try {
      const pending = await this.deliveries.pendingSince(new Date(Date.now() - SWEEP_AFTER_MS), 100);
      for (const d of pending) await this.enqueue(String(d.ownerId), String(d._id), d.maxAttempts);
    } catch (err) {
      this.logger.debug(`webhook sweep: ${(err as Error).message}`);
    }
  }
}
