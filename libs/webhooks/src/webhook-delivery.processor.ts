import { Injectable, Logger } from '@nestjs/common';
import { CalendarAccessService, roleAtLeast } from '@app/calendar';
import { AppConfig } from '@app/config';
import { Counter, Histogram, InjectMetric, METRICS } from '@app/observability';
import { UnrecoverableError } from 'bullmq';
import { retryDelayMs } from './webhook-backoff';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookSecretCipher } from './webhook-secret.cipher';
import { postWebhook } from './webhook-sender';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature';
import { WebhookRepository } from './webhook.repository';
import type { WebhookUrlMode } from './webhook-url.policy';

export const USER_AGENT = 'CalendarAssistant-Webhooks/1.0';

/**
 * One delivery attempt: load the delivery and its webhook, sign the stored body with a fresh
 * timestamp, POST it, and record the attempt (status code, latency, error). A non-2xx answer or a
 * network error throws so the queue retries it; a URL refused by the policy fails for good. Before
 * each attempt the webhook's owner must still read the event's calendar: if not, the delivery is
 * cancelled (a revoked share stops retries and replays too).
 */
@Injectable()
export class WebhookDeliveryProcessor {
  private readonly logger = new Logger(WebhookDeliveryProcessor.name);
  private readonly mode: WebhookUrlMode;

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly cipher: WebhookSecretCipher,
    private readonly access: CalendarAccessService,
    private readonly config: AppConfig,
    @InjectMetric(METRICS.webhookDeliveries) private readonly outcomes: Counter<string>,
    @InjectMetric(METRICS.webhookDeliveryDuration) private readonly duration: Histogram<string>,
  ) {
    this.mode = config.isProduction ? 'production' : 'development';
  }

  async process(
    job: { deliveryId: string; ownerId: string },
    attempt: number,
    maxAttempts: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const delivery = await this.deliveries.findById(job.ownerId, job.deliveryId);
    if (!delivery || delivery.status === 'succeeded' || delivery.status === 'cancelled') return;
    const hook = await this.webhooks.findById(job.ownerId, String(delivery.webhookId));
    if (!hook) {
      await this.deliveries.setStatus(job.ownerId, job.deliveryId, 'cancelled');
      return;
    }
    if (delivery.calendarId) {
      const grant = await this.access.roleOfAccount(job.ownerId, String(delivery.calendarId));
      if (!grant || !roleAtLeast(grant.role, 'reader')) {
        this.logger.warn(
          `webhook delivery ${job.deliveryId} cancelled: its owner no longer reads calendar ${String(delivery.calendarId)}`,
        );
        await this.deliveries.setStatus(job.ownerId, job.deliveryId, 'cancelled');
        return;
      }
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const at = new Date();
    const result = await postWebhook(
      hook.url,
      delivery.payload,
      {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [SIGNATURE_HEADER]: signatureHeader(this.cipher.decrypt(hook.secretEnc), delivery.payload, timestamp),
        'X-Calendar-Event': delivery.eventType,
        'X-Calendar-Delivery': String(delivery._id),
      },
      this.mode,
      signal,
    );
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    this.duration.observe(result.latencyMs / 1000);
    this.outcomes.inc({
      outcome: ok
        ? 'success'
        : result.refused
          ? 'refused'
          : result.statusCode !== null
            ? 'http_error'
            : 'network_error',
    });
    const final = ok || result.refused || attempt >= maxAttempts;
    const status = ok ? 'succeeded' : final ? 'failed' : 'retrying';
    const next =
      status === 'retrying'
        ? new Date(Date.now() + retryDelayMs(attempt, this.config.webhooks.retryBaseMs, () => 0.5))
        : null;
    await this.deliveries.recordAttempt(
      job.ownerId,
      job.deliveryId,
      { at, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error },
      status,
      next,
    );
    if (ok) return;
    if (result.refused) throw new UnrecoverableError(result.error ?? 'webhook refused');
    if (status === 'failed')
      this.logger.warn(
        `webhook delivery ${job.deliveryId} failed after ${attempt} attempts: ${result.error}`,
      );
    throw new Error(result.error ?? 'delivery failed');
  }
}
