import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { CalendarModule } from '@app/calendar';
import { MailModule } from '@app/mail';
import { ReminderFirer } from './reminders/reminder.firer';
import { ReminderQueue } from './reminders/reminder.queue';
import { ReminderScheduler } from './reminders/reminder.scheduler';
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
 * delivery worker in the process (the API does; the ops CLI does not), and the reminder worker:
 * an event's reminders fire as `event.reminder` deliveries (reminders/).
 */
@Module({
  imports: [
    CalendarModule,
    // Email reminders (when SMTP_URL is set) go through the mail queue.
    MailModule,
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
    ReminderFirer,
    ReminderQueue,
    ReminderScheduler,
  ],
  exports: [WebhookService],
})
export class WebhooksModule {}
