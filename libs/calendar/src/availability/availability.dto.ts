import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { TimeZoneInput } from '../events/event.dto';

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 instant' });

export const FREE_BUSY_MAX_DAYS = 366;
export const SLOTS_MAX_DAYS = 92;

export const FreeBusyQuerySchema = z
  .object({
    from: instant,
    to: instant,
    timeZone: TimeZoneInput.optional().describe('zone of startLocal/endLocal (default: yours)'),
  })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { path: ['to'], message: 'must be after from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= FREE_BUSY_MAX_DAYS * 86_400_000, {
    path: ['to'],
    message: `must be at most ${FREE_BUSY_MAX_DAYS} days after from`,
  });
export class FreeBusyQueryDto extends createZodDto(FreeBusyQuerySchema) {}

const BusyIntervalSchema = z.object({
  start: z.string().describe('UTC instant'),
  end: z.string().describe('UTC instant'),
  startLocal: z.string(),
  endLocal: z.string(),
});

export const FreeBusyResponseSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    busy: z.array(BusyIntervalSchema).describe('merged, sorted, clipped to [from, to)'),
  })
  .meta({
    example: {
      from: '2026-03-02T00:00:00.000Z',
      to: '2026-03-03T00:00:00.000Z',
      timeZone: 'Europe/Berlin',
      busy: [
        {
          start: '2026-03-02T08:00:00.000Z',
          end: '2026-03-02T09:30:00.000Z',
          startLocal: '2026-03-02T09:00:00+01:00',
          endLocal: '2026-03-02T10:30:00+01:00',
        },
      ],
    },
  });
export class FreeBusyResponseDto extends createZodDto(FreeBusyResponseSchema) {}
export type FreeBusyResponse = z.infer<typeof FreeBusyResponseSchema>;

export const SlotQuerySchema = z
  .object({
    from: instant,
    to: instant,
    durationMinutes: z
      .int()
      .min(5)
      .max(24 * 60),
    workingHoursOnly: z.boolean().default(true),
    bufferMinutes: z.int().min(0).max(240).default(0).describe('kept free before and after every busy time'),
    stepMinutes: z
      .union([z.literal(15), z.literal(30)])
      .default(30)
      .describe('slot starts lie on this grid of your local clock'),
    maxResults: z.int().min(1).max(100).default(20),
  })
  .strict()
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { path: ['to'], message: 'must be after from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= SLOTS_MAX_DAYS * 86_400_000, {
    path: ['to'],
    message: `must be at most ${SLOTS_MAX_DAYS} days after from`,
  })
  .meta({
    example: {
      from: '2026-03-02T00:00:00+01:00',
      to: '2026-03-07T00:00:00+01:00',
      durationMinutes: 30,
      bufferMinutes: 10,
    },
  });
export class SlotQueryDto extends createZodDto(SlotQuerySchema) {}

export const NO_SLOT_REASONS = ['outside_working_hours', 'fully_booked', 'window_too_short'] as const;
export type NoSlotReason = (typeof NO_SLOT_REASONS)[number];

export const SlotsResponseSchema = z
  .object({
    slots: z.array(BusyIntervalSchema).describe('earliest first'),
    reason: z
      .enum(NO_SLOT_REASONS)
      .nullable()
      .describe(
        'why there is no slot (null when there are some): window_too_short — the window (from now on) is shorter than the duration; outside_working_hours — no working-hours stretch in the window is long enough; fully_booked — events, buffers and holds leave no gap',
      ),
    timeZone: z.string(),
  })
  .meta({
    example: {
      slots: [
        {
          start: '2026-03-02T09:00:00.000Z',
          end: '2026-03-02T09:30:00.000Z',
          startLocal: '2026-03-02T10:00:00+01:00',
          endLocal: '2026-03-02T10:30:00+01:00',
        },
      ],
      reason: null,
      timeZone: 'Europe/Berlin',
    },
  });
export class SlotsResponseDto extends createZodDto(SlotsResponseSchema) {}
export type SlotsResponse = z.infer<typeof SlotsResponseSchema>;

export const HoldCreateSchema = z
  .object({ start: instant, end: instant })
  .strict()
  .refine((q) => Date.parse(q.end) > Date.parse(q.start), { path: ['end'], message: 'must be after start' })
  .refine((q) => Date.parse(q.end) - Date.parse(q.start) <= 24 * 3_600_000, {
    path: ['end'],
    message: 'must be at most 24 hours after start',
  })
  .meta({ example: { start: '2026-03-02T09:00:00Z', end: '2026-03-02T09:30:00Z' } });
export class HoldCreateDto extends createZodDto(HoldCreateSchema) {}

export const HoldResponseSchema = z.object({
  id: z.string(),
  start: z.string(),
  end: z.string(),
  expiresAt: z.string().describe('the hold lapses on its own then (5 minutes after it was made)'),
});
export class HoldResponseDto extends createZodDto(HoldResponseSchema) {}
export type HoldResponse = z.infer<typeof HoldResponseSchema>;

export const HoldListResponseSchema = z.object({ items: z.array(HoldResponseSchema) });
export class HoldListResponseDto extends createZodDto(HoldListResponseSchema) {}
