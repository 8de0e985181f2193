import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, DependencyUnavailableError, NotFoundError, ValidationError } from '@app/common';
import { CalendarAccessService, Caller, PRIMARY } from '@app/calendar';
import { AppConfig } from '@app/config';
import { randomBytes } from 'node:crypto';
import { WebhookDeliveryQueue } from './webhook-delivery.queue';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import type { WebhookDeliveryRecord } from './webhook-delivery.schema';
import { WebhookSecretCipher } from './webhook-secret.cipher';
import { checkWebhookUrl, WebhookUrlMode } from './webhook-url.policy';
import type { DeliveryResponse, WebhookCreatedResponse, WebhookResponse } from './webhook.dto';
import { WebhookRepository } from './webhook.repository';
import { watchedCalendars, WebhookRecord } from './webhook.schema';

export const MAX_WEBHOOKS_PER_USER = 25;

export interface WebhookOwner {
  id: string;
}

/** Webhook subscriptions, their delivery log, and replays. */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger(WebhookService.name);
  private readonly mode: WebhookUrlMode;

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly cipher: WebhookSecretCipher,
    private readonly queue: WebhookDeliveryQueue,
    private readonly access: CalendarAccessService,
    config: AppConfig,
  ) {
    this.mode = config.isProduction ? 'production' : 'development';
  }

  /**
   * Subscribes `url` to `events` of `calendarIds` (default the owner's primary; each needs reader:
   * 404 without a role, 403 below reader, nothing created); the signing secret is in this answer only.
   */
  async create(
    owner: Caller,
    input: { url: string; events: string[]; calendarIds?: string[]; description?: string },
  ): Promise<WebhookCreatedResponse> {
    const calendarIds: string[] = [];
    for (const id of input.calendarIds ?? [PRIMARY]) {
      const grant = await this.access.require(owner, id, 'reader', `Calendar ${id} not found.`);
      if (!calendarIds.includes(grant.calendarId)) calendarIds.push(grant.calendarId);
    }
    const check = await checkWebhookUrl(input.url, this.mode);
    if (!check.ok)
      throw new ValidationError(`Invalid url: url ${check.reason}`, [
        { field: 'url', message: check.reason },
      ]);
    if ((await this.webhooks.count(owner.id)) >= MAX_WEBHOOKS_PER_USER) {
      throw new ConflictError(
        `At most ${MAX_WEBHOOKS_PER_USER} webhooks: delete one you no longer use first.`,
      );
    }
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const record = await this.webhooks.insert(owner.id, {
      url: check.url.toString(),
      events: input.events,
      calendarIds,
      description: input.description ?? null,
      secretEnc: this.cipher.encrypt(secret),
    });
    return { ...toWebhookResponse(record), secret };
  }

  async list(owner: WebhookOwner): Promise<WebhookResponse[]> {
    return (await this.webhooks.list(owner.id)).map(toWebhookResponse);
  }

  async get(owner: WebhookOwner, id: string): Promise<WebhookResponse> {
    return toWebhookResponse(await this.require(owner, id));
  }

  /** Deletes the subscription; its queued deliveries are cancelled when their turn comes. */
  async remove(owner: WebhookOwner, id: string): Promise<void> {
    if (!(await this.webhooks.remove(owner.id, id))) throw new NotFoundError('Webhook not found.');
  }

  async listDeliveries(owner: WebhookOwner, webhookId: string, limit = 50): Promise<DeliveryResponse[]> {
    await this.require(owner, webhookId);
    return (await this.deliveries.listForWebhook(owner.id, webhookId, limit)).map(toDeliveryResponse);
  }

  /** Sends a delivery's body again (one attempt, freshly signed), as a new delivery in the log. */
  async replay(owner: WebhookOwner, webhookId: string, deliveryId: string): Promise<DeliveryResponse> {
    const hook = await this.require(owner, webhookId);
    const original = await this.deliveries.findById(owner.id, deliveryId);
    if (!original || String(original.webhookId) !== String(hook._id))
      throw new NotFoundError('Delivery not found.');
    const replay = await this.deliveries.insert(owner.id, {
      webhookId: hook._id,
      calendarId: original.calendarId,
      eventType: original.eventType,
      notificationId: original.notificationId,
      payload: original.payload,
      maxAttempts: 1,
      replayOf: original._id,
    });
    try {
      await this.queue.enqueue(owner.id, String(replay._id), 1);
    } catch (err) {
      this.logger.warn(`replay ${String(replay._id)} not queued: ${(err as Error).message}`);
      await this.deliveries.setStatus(owner.id, String(replay._id), 'cancelled');
      throw new DependencyUnavailableError('Deliveries cannot be queued right now; try again shortly.');
    }
    return toDeliveryResponse(replay);
  }

  private async require(owner: WebhookOwner, id: string): Promise<WebhookRecord> {
    const hook = await this.webhooks.findById(owner.id, id);
    if (!hook) throw new NotFoundError('Webhook not found.');
    return hook;
  }
}

export function toWebhookResponse(r: WebhookRecord): WebhookResponse {
  return {
    id: String(r._id),
    url: r.url,
    events: r.events,
    calendarIds: watchedCalendars(r),
    description: r.description ?? null,
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

export function toDeliveryResponse(d: WebhookDeliveryRecord): DeliveryResponse {
  return {
    id: String(d._id),
    webhookId: String(d.webhookId),
    eventType: d.eventType,
    notificationId: d.notificationId,
    status: d.status,
    attempts: (d.attempts ?? []).map((a) => ({
      at: new Date(a.at).toISOString(),
      statusCode: a.statusCode ?? null,
      latencyMs: a.latencyMs,
      error: a.error ?? null,
    })),
    maxAttempts: d.maxAttempts,
    nextAttemptAt: d.nextAttemptAt ? new Date(d.nextAttemptAt).toISOString() : null,
    replayOf: d.replayOf ? String(d.replayOf) : null,
    createdAt: new Date(d.createdAt).toISOString(),
  };
}
