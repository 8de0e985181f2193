export * from './webhooks.module';
export * from './webhook.dto';
export { WebhookService, MAX_WEBHOOKS_PER_USER } from './webhook.service';
export { signatureHeader, verifySignature, SIGNATURE_HEADER } from './webhook-signature';
export { checkWebhookUrl, type WebhookUrlMode } from './webhook-url.policy';
export { retryDelayMs, retrySpanMs, WEBHOOK_MAX_ATTEMPTS } from './webhook-backoff';
export { ReminderQueue } from './reminders/reminder.queue';
export { LATE_AFTER_MS as REMINDER_LATE_AFTER_MS } from './reminders/reminder.firer';
