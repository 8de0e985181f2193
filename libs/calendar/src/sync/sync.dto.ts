import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { CalendarIdInput, EventResponseSchema } from '../events/event.dto';

export const SyncQuerySchema = z.object({
  calendarId: CalendarIdInput.default('primary').describe(
    'the calendar to sync (needs reader); default your primary. A token belongs to the calendar it was issued for',
  ),
  syncToken: z
    .string()
    .max(8000)
    .optional()
    .describe('nextSyncToken of the previous call; omit for a full sync'),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export class SyncQueryDto extends createZodDto(SyncQuerySchema) {}

export const EventTombstoneSchema = z.object({
  id: z.string(),
  uid: z.string(),
  deleted: z.literal(true),
});
export type EventTombstone = z.infer<typeof EventTombstoneSchema>;

export const SyncResponseSchema = z
  .object({
    items: z
      .array(z.union([EventResponseSchema, EventTombstoneSchema]))
      .describe(
        'events created or changed since the token (full sync: every live event); deleted ones as tombstones',
      ),
    nextSyncToken: z
      .string()
      .describe('pass as syncToken next time (also when hasMore, to get the next page)'),
    hasMore: z.boolean().describe('more changes are waiting: call again right away with nextSyncToken'),
    fullSync: z.boolean().describe('this answer belongs to a full sync (no or an initial-page token)'),
  })
  .meta({
    example: {
      items: [
        { id: '6650f1a2c3d4e5f6a7b8c9d0', uid: '6650f1a2c3d4e5f6a7b8c9d0@calendar-assistant', deleted: true },
      ],
      nextSyncToken: 'eyJ2IjoxLCJ1Ijoi…',
      hasMore: false,
      fullSync: false,
    },
  });
export class SyncResponseDto extends createZodDto(SyncResponseSchema) {}
export type SyncResponse = z.infer<typeof SyncResponseSchema>;
