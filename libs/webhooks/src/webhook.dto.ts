import { CalendarIdInput, EVENT_CHANGE_TYPES } from '@app/calendar';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { DELIVERY_STATUSES } from './webhook-delivery.schema';

/**
 * What a subscription may receive: every event change, reminders, invitations (to the invited
 * account's own primary-calendar subscriptions) and attendees' answers (to the meeting's calendar's).
 */
export const WEBHOOK_EVENT_TYPES = [
  ...EVENT_CHANGE_TYPES,
  'event.reminder',
  'event.invited',
  'event.responded',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** At most this many calendars per subscription. */
export const MAX_WATCHED_CALENDARS = 50;

export const WebhookCreateSchema = z
  .object({
    url: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .describe('https URL that receives POSTs (http only to loopback outside production)'),
    events: z
      .array(z.enum(WEBHOOK_EVENT_TYPES))
      .min(1, 'must list at least one event type')
      .transform((e) => [...new Set(e)])
      .describe(
        "event types to receive. event.created/updated/deleted: changes of the watched calendars' events (your primary also carries the meetings you are invited to, as you see them: deleted once cancelled or you are taken off). " +
          'event.reminder: at each of your reminders of an occurrence (data: event, occurrence, minutesBefore, remindAt, late). ' +
          'event.invited: you were added to a meeting (to your own subscriptions watching your primary; data: event, as you see it). ' +
          'event.responded: an attendee answered a meeting of a watched calendar (data: event, attendee {email, name}, response, comment, scope, occurrenceStart)',
      ),
    calendarIds: z
      .array(CalendarIdInput)
      .min(1, 'must list at least one calendar (or leave calendarIds out for your primary)')
      .max(MAX_WATCHED_CALENDARS)
      .optional()
      .describe(
        'calendars to watch (default: your primary); each needs the reader role, and a change is delivered only while you keep it',
      ),
    description: z.string().trim().max(200).optional(),
  })
  .strict()
  .meta({
    example: {
      url: 'https://hooks.example.com/calendar',
      events: [
        'event.created',
        'event.updated',
        'event.deleted',
        'event.reminder',
        'event.invited',
        'event.responded',
      ],
      calendarIds: ['primary', '6650f1a2c3d4e5f6a7b8c9aa'],
    },
  });
export class WebhookCreateDto extends createZodDto(WebhookCreateSchema) {}

export const WebhookResponseSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    calendarIds: z.array(z.string()).describe('the calendars watched (ids; your primary is your account id)'),
    description: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({
    example: {
      id: '6650f1a2c3d4e5f6a7b8c9d0',
      url: 'https://hooks.example.com/calendar',
      events: ['event.created', 'event.updated', 'event.deleted'],
      calendarIds: ['6650f1a2c3d4e5f6a7b8c9a1', '6650f1a2c3d4e5f6a7b8c9aa'],
      description: 'team calendar to chat',
      createdAt: '2026-03-01T10:00:00.000Z',
    },
  });
export type WebhookResponse = z.infer<typeof WebhookResponseSchema>;
export class WebhookResponseDto extends createZodDto(WebhookResponseSchema) {}

export const WebhookCreatedResponseSchema = WebhookResponseSchema.extend({
  secret: z
    .string()
    .describe(
      'signing secret — shown only now. Verify X-Calendar-Signature: t=<unix s>,v1=hex(HMAC-SHA256(secret, "<t>.<raw body>"))',
    ),
}).meta({
  example: {
    id: '6650f1a2c3d4e5f6a7b8c9d0',
    url: 'https://hooks.example.com/calendar',
    events: ['event.created'],
    calendarIds: ['6650f1a2c3d4e5f6a7b8c9a1'],
    description: null,
    createdAt: '2026-03-01T10:00:00.000Z',
    secret: 'whsec_…',
  },
});
export type WebhookCreatedResponse = z.infer<typeof WebhookCreatedResponseSchema>;
export class WebhookCreatedResponseDto extends createZodDto(WebhookCreatedResponseSchema) {}

export const WebhookListResponseSchema = z.object({ items: z.array(WebhookResponseSchema) });
export class WebhookListResponseDto extends createZodDto(WebhookListResponseSchema) {}

export const DeliveryResponseSchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  eventType: z.string(),
  notificationId: z.string().describe('the body\'s "id": the same on a replay'),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.array(
    z.object({
      at: z.string(),
      statusCode: z.number().nullable().describe('null: no HTTP answer (network error, timeout, refused)'),
      latencyMs: z.number(),
      error: z.string().nullable(),
    }),
  ),
  maxAttempts: z.number(),
  nextAttemptAt: z.string().nullable().describe('about when the next retry runs (retrying only)'),
  replayOf: z.string().nullable(),
  createdAt: z.string(),
});
export type DeliveryResponse = z.infer<typeof DeliveryResponseSchema>;
export class DeliveryResponseDto extends createZodDto(DeliveryResponseSchema) {}

export const DeliveryListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export class DeliveryListQueryDto extends createZodDto(DeliveryListQuerySchema) {}

export const DeliveryListResponseSchema = z.object({
  items: z.array(DeliveryResponseSchema).describe('newest first'),
});
export class DeliveryListResponseDto extends createZodDto(DeliveryListResponseSchema) {}
