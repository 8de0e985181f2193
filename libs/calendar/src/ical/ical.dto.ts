import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { CalendarIdInput } from '../events/event.dto';

export const IcsImportResultSchema = z
  .object({
    created: z.int(),
    updated: z.int(),
    skipped: z
      .array(z.object({ uid: z.string(), reason: z.string() }))
      .describe(
        'events left as they were: unchanged ones, and ones using what is not supported (RDATE, sub-daily rules…)',
      ),
  })
  .meta({ example: { created: 12, updated: 1, skipped: [{ uid: 'abc@example.com', reason: 'unchanged' }] } });
export class IcsImportResultDto extends createZodDto(IcsImportResultSchema) {}
export type IcsImportResult = z.infer<typeof IcsImportResultSchema>;

const calendarIdField = (what: string) =>
  CalendarIdInput.default('primary').describe(
    `${what}; \`primary\` (the default) or an id from GET /v1/calendars`,
  );

export const IcsImportQuerySchema = z
  .object({ calendarId: calendarIdField('the calendar to import into (needs writer)') })
  .meta({ example: { calendarId: 'primary' } });
export class IcsImportQueryDto extends createZodDto(IcsImportQuerySchema) {}

export const FEED_KINDS = ['full', 'freebusy'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

export const FeedCreateSchema = z
  .object({
    kind: z.enum(FEED_KINDS).describe('full: titles and details; freebusy: only busy times, titled "Busy"'),
    name: z.string().trim().min(1).max(100).optional().describe('your label for the feed'),
    calendarId: calendarIdField(
      'the calendar the feed serves (full needs reader on it, freebusy freeBusyReader; checked again at every fetch)',
    ),
  })
  .strict()
  .meta({ example: { kind: 'freebusy', name: 'for my team', calendarId: 'primary' } });
export class FeedCreateDto extends createZodDto(FeedCreateSchema) {}

export const FeedResponseSchema = z.object({
  id: z.string(),
  calendarId: z.string().describe('the calendar the feed serves'),
  kind: z.enum(FEED_KINDS),
  name: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type FeedResponse = z.infer<typeof FeedResponseSchema>;

export const FeedCreatedResponseSchema = FeedResponseSchema.extend({
  url: z
    .string()
    .describe(
      'the secret subscription URL — shown only now; anyone with it can read the feed until you revoke it',
    ),
}).meta({
  example: {
    id: '6650f1a2c3d4e5f6a7b8c9d0',
    calendarId: '6650f1a2c3d4e5f6a7b8c9aa',
    kind: 'freebusy',
    name: 'for my team',
    createdAt: '2026-03-01T10:00:00.000Z',
    lastUsedAt: null,
    url: 'https://calendar.example.com/feeds/q3Jb…x8.ics',
  },
});
export class FeedCreatedResponseDto extends createZodDto(FeedCreatedResponseSchema) {}
export type FeedCreatedResponse = z.infer<typeof FeedCreatedResponseSchema>;

export const FeedListResponseSchema = z.object({ items: z.array(FeedResponseSchema) });
export class FeedListResponseDto extends createZodDto(FeedListResponseSchema) {}
