import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { withTimeout } from '@app/common';
import { hashTag, RedisClient, RedisConnectionFactory } from '@app/cache';
import { AppConfig } from '@app/config';
import { Counter, Gauge, InjectMetric, METRICS } from '@app/observability';
import { Job, Queue, Worker } from 'bullmq';
import type { MailJob } from './mail-job';
import { MailTransport } from './mail-transport';

export const MAIL_QUEUE = 'mail';
const CONCURRENCY = 5;
/** 8 attempts, 5 s doubling: the last one about 10 minutes after the first failure. */
export const MAIL_ATTEMPTS = 8;
const BACKOFF_MS = 5000;
const CLOSE_TIMEOUT_MS = 3000;
const SAMPLE_EVERY_MS = 15_000;
/** Done jobs are kept this long: re-adding one's id within it is a no-op (nobody mailed twice). */
const KEEP_DONE_S = 7 * 24 * 3600;

export type MailOutcome = 'sent' | 'retrying' | 'failed';

/**
 * Outgoing mail on a BullMQ queue in the project's Redis: writes only add jobs (never an SMTP
 * conversation on the request path); a worker in every API replica sends them, retrying with
 * exponential back-off. Each job has a deterministic id, so adding the same mail twice is one mail.
 * Without SMTP_URL nothing is started and nothing can be added. Counts `mail_deliveries_total{outcome}`
 * and samples the queue's depth.
 */
@Injectable()
export class MailQueue implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MailQueue.name);
  private queue?: Queue<MailJob>;
  private worker?: Worker<MailJob>;
  private connections: RedisClient[] = [];
  private sampleTimer?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnectionFactory,
    private readonly config: AppConfig,
    private readonly transport: MailTransport,
    @InjectMetric(METRICS.mailDeliveries) private readonly deliveries: Counter<string>,
    @InjectMetric(METRICS.mailQueueDepth) private readonly depth: Gauge<string>,
  ) {}

  /** Whether mail can be sent at all (SMTP_URL set). */
  get enabled(): boolean {
    return this.transport.configured;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    const producer = this.redis.create('mail-producer', 'producer');
    const consumer = this.redis.create('mail-worker', 'worker');
    this.connections = [producer, consumer];
    const prefix = this.config.redisClusterNodes.length ? hashTag('bull') : undefined;
    this.queue = new Queue<MailJob>(MAIL_QUEUE, { connection: producer, prefix });
    this.queue.on('error', (err) => this.logger.warn(`queue: ${this.transport.scrub(err)}`));
    this.worker = new Worker<MailJob>(MAIL_QUEUE, (job) => this.run(job), {
      connection: consumer,
      prefix,
      concurrency: CONCURRENCY,
    });
    this.worker.on('error', (err) => this.logger.warn(`worker: ${this.transport.scrub(err)}`));
    this.sampleTimer = setInterval(() => void this.sample(), SAMPLE_EVERY_MS);
    this.sampleTimer.unref();
  }

  /** Adds mails under their ids (bounded: Redis down must not hang the caller; it throws then). */
  async add(mails: { id: string; job: MailJob }[]): Promise<void> {
    if (!mails.length) return;
    if (!this.queue) throw new Error('mail is off (SMTP_URL is not set)');
    await withTimeout(
      this.queue.addBulk(
        mails.map(({ id, job }) => ({
          name: job.kind,
          data: job,
          opts: {
            jobId: id,
            attempts: MAIL_ATTEMPTS,
            backoff: { type: 'exponential', delay: BACKOFF_MS },
            removeOnComplete: { age: KEEP_DONE_S },
            removeOnFail: { age: KEEP_DONE_S },
          },
        })),
      ),
      2000,
      'mail queue add',
    );
  }

  /** Mails not yet sent: waiting, retrying (delayed) or being sent. */
  async sample(): Promise<number> {
    if (!this.queue) return 0;
    try {
      const counts = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
      const depth = Object.values(counts).reduce((a, b) => a + b, 0);
      this.depth.set(depth);
      return depth;
    } catch (err) {
      this.logger.debug(`mail queue sample: ${(err as Error).message}`);
      return 0;
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    const redisUp = this.connections.every((c) => c.status === 'ready');
    const bounded = (what: string, work: Promise<unknown> | undefined) =>
      withTimeout(Promise.resolve(work), CLOSE_TIMEOUT_MS, what).catch((err: Error) =>
        this.logger.debug(err.message),
      );
    await bounded('mail worker close', this.worker?.close(!redisUp));
    await bounded('mail queue close', this.queue?.close());
    for (const c of this.connections) c.disconnect();
  }

  private async run(job: Job<MailJob>): Promise<void> {
    try {
      await this.transport.send(job.data);
      this.deliveries.inc({ outcome: 'sent' });
    } catch (err) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const outcome: MailOutcome = last ? 'failed' : 'retrying';
      this.deliveries.inc({ outcome });
      // The recipient is personal data and the server's answer may echo it: the job id and kind say which mail.
      this.logger.warn(
        `mail ${job.id} (${job.data.kind}) attempt ${job.attemptsMade + 1}/${job.opts.attempts ?? 1} ` +
          `${last ? 'failed, giving up' : 'failed, will retry'}: ${this.transport.scrub(err)}`,
      );
      throw new Error(this.transport.scrub(err));
    }
  }
}
