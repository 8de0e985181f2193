import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { CalendarModule } from '@app/calendar';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import { WebhookDeliveryQueue } from './webhook-delivery.queue';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookDeliveryDoc, WebhookDeliverySchema } from './webhook-delivery.schema';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookSecretCipher } from './webhook-secret.cipher';
import { WebhookRepository } from './webhook.repository';
import { WebhookDoc, WebhookSchema } from './webhook.schema';
import { WebhookService } from './webhook.service';

/**
 * Outgoing webhooks for event changes: subscriptions, signed deliveries on a BullMQ queue with
 * retries for more than 24 h, a delivery log and replays. Importing this module starts the
 * delivery worker in the process (the API does; the ops CLI does not).
 */
@Module({
  imports: [
    CalendarModule,
    MongooseModule.forFeature([
      { name: WebhookDoc.name, schema: WebhookSchema },
      { name: WebhookDeliveryDoc.name, schema: WebhookDeliverySchema },
    ]),
  ],
  providers: [
    WebhookRepository,
    WebhookDeliveryRepository,
    WebhookSecretCipher,
    WebhookDeliveryProcessor,
    WebhookDeliveryQueue,
    WebhookDispatcher,
    WebhookService,
  ],
  exports: [WebhookService],
})
export class WebhooksModule {}
