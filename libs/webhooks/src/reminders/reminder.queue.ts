import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { withTimeout } from '@app/common';
import { hashTag, RedisClient, RedisConnectionFactory } from '@app/cache';
import { AppConfig } from '@app/config';
import { Gauge, InjectMetric, METRICS } from '@app/observability';
import { Job, Queue, Worker } from 'bullmq';
import { ReminderJob, reminderJobId } from './reminder-job';
import { ReminderFirer } from './reminder.firer';

export const REMINDER_QUEUE = 'event-reminders';
const CONCURRENCY = 10;
const CLOSE_TIMEOUT_MS = 3000;
const SAMPLE_EVERY_MS = 15_000;
/** Completed jobs are kept this long: re-adding a fired reminder's id within it is a no-op. */
const KEEP_COMPLETED_S = 7 * 24 * 3600;

/**
 * Reminders as BullMQ delayed jobs in the project's Redis, so they survive restarts and run once
 * across replicas: each job is one reminder of one occurrence of one event version, under a
 * deterministic id (adding it twice is one job). A job whose due time passed while every worker was
 * down runs as soon as one is back (the firer marks it late). After a job fires, the series' next
 * reminder is added here. Also samples the queue's depth and lag for /metrics.
 */
@Injectable()
export class ReminderQueue implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ReminderQueue.name);
  private queue?: Queue<ReminderJob>;
  private worker?: Worker<ReminderJob>;
  private connections: RedisClient[] = [];
  private sampleTimer?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnectionFactory,
    private readonly config: AppConfig,
    private readonly firer: ReminderFirer,
    @InjectMetric(METRICS.reminderQueueDepth) private readonly depth: Gauge<string>,
    @InjectMetric(METRICS.reminderQueueLag) private readonly lag: Gauge<string>,
  ) {}

  onModuleInit(): void {
    const producer = this.redis.create('reminders-producer', 'producer');
    const consumer = this.redis.create('reminders-worker', 'worker');
    this.connections = [producer, consumer];
    // Like the webhook queue: one hash slot per queue on a Redis Cluster.
    const prefix = this.config.redisClusterNodes.length ? hashTag('bull') : undefined;
    this.queue = new Queue<ReminderJob>(REMINDER_QUEUE, { connection: producer, prefix });
    this.queue.on('error', (err) => this.logger.warn(`queue: ${err.message}`));
    this.worker = new Worker<ReminderJob>(REMINDER_QUEUE, (job) => this.run(job), {
      connection: consumer,
      prefix,
      concurrency: CONCURRENCY,
    });
    this.worker.on('error', (err) => this.logger.warn(`worker: ${err.message}`));
    this.sampleTimer = setInterval(() => void this.sample(), SAMPLE_EVERY_MS);
    this.sampleTimer.unref();
  }

  /** Adds reminder jobs, each delayed until its due time (bounded: Redis down must not hang the caller). */
  async schedule(jobs: ReminderJob[], now = Date.now()): Promise<void> {
    if (!jobs.length) return;
    if (!this.queue) throw new Error('reminder queue not started');
    await withTimeout(
      this.queue.addBulk(
        jobs.map((data) => ({
          name: 'remind',
          data,
          opts: {
            jobId: reminderJobId(data),
            delay: Math.max(0, data.dueAt - now),
            attempts: 5,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: { age: KEEP_COMPLETED_S },
            removeOnFail: { age: KEEP_COMPLETED_S },
          },
        })),
      ),
      2000,
      'reminder schedule',
    );
  }

  /** Removes jobs a change made stale (those still waiting; a running one finds itself stale). */
  async remove(jobIds: string[]): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    await withTimeout(
      Promise.all(jobIds.map((id) => queue.remove(id).catch(() => 0))),
      2000,
      'reminder remove',
    );
  }

  /** Samples depth (jobs scheduled, due or running) and lag (how long the most overdue one has waited). */
  async sample(now = Date.now()): Promise<{ depth: number; lagSeconds: number }> {
    const queue = this.queue;
    if (!queue) return { depth: 0, lagSeconds: 0 };
    try {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
      const depth = Object.values(counts).reduce((a, b) => a + b, 0);
      const [firstDelayed, waiting] = await Promise.all([queue.getDelayed(0, 0), queue.getWaiting(0, 49)]);
      const dues = [...firstDelayed, ...waiting]
        .map((j) => (j?.data as ReminderJob | undefined)?.dueAt)
        .filter((d): d is number => typeof d === 'number');
      const oldest = dues.length ? Math.min(...dues) : now;
      const lagSeconds = Math.max(0, (now - oldest) / 1000);
      this.depth.set(depth);
      this.lag.set(lagSeconds);
      return { depth, lagSeconds };
    } catch (err) {
      this.logger.debug(`reminder queue sample: ${(err as Error).message}`);
      return { depth: 0, lagSeconds: 0 };
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    const redisUp = this.connections.every((c) => c.status === 'ready');
    const bounded = (what: string, work: Promise<unknown> | undefined) =>
      withTimeout(Promise.resolve(work), CLOSE_TIMEOUT_MS, what).catch((err: Error) =>
        this.logger.debug(err.message),
      );
    await bounded('reminder worker close', this.worker?.close(!redisUp));
    await bounded('reminder queue close', this.queue?.close());
    for (const c of this.connections) c.disconnect();
  }

  private async run(job: Job<ReminderJob>): Promise<void> {
    await this.firer.fire(job.data, (next) => this.schedule(next));
  }
}
