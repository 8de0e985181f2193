import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { TimeZoneInput } from '../events/event.dto';

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 instant' });

export const FREE_BUSY_MAX_DAYS = 366;
export const SLOTS_MAX_DAYS = 92;
/** At most this many people in one free/busy, slot or hold request. */
export const MAX_PEOPLE = 50;

const email = z.email('must be an email address').transform((e) => e.trim().toLowerCase());
const tooMany = `at most ${MAX_PEOPLE} email addresses in one request`;

/** `a@x.com,b@y.com` (or the parameter repeated): trimmed, lower-cased, duplicates dropped. */
const EmailListInput = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => [
    ...new Set(
      (Array.isArray(v) ? v.join(',') : v)
        .split(',')
        .map((e) => e.trim().toLowerCase())
        .filter((e) => e !== ''),
    ),
  ])
  .pipe(
    z.array(z.email('must be a comma-separated list of email addresses')).min(1).max(MAX_PEOPLE, tooMany),
  );

/** The other people of a slot search or a hold: email addresses, lower-cased, duplicates dropped. */
const AttendeesInput = z
  .array(email)
  .max(MAX_PEOPLE, tooMany)
  .transform((list) => [...new Set(list)]);

export const FreeBusyQuerySchema = z
  .object({
    from: instant,
    to: instant,
    timeZone: TimeZoneInput.optional().describe('zone of startLocal/endLocal (default: yours)'),
    emails: EmailListInput.optional()
      .describe(`comma-separated email addresses of the people to read (default: you), at most ${MAX_PEOPLE}`)
      .meta({ example: 'priya@example.com,sam@example.com' }),
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

const PersonFreeBusySchema = z.object({
  email: z.string(),
  busy: z
    .array(BusyIntervalSchema)
    .optional()
    .describe('merged, sorted, clipped to [from, to); busy intervals only, never what they are'),
  error: z
    .enum(['notVisible'])
    .optional()
    .describe(
      "you cannot see this person's primary calendar even as freeBusyReader — the same answer whether or not the account exists",
    ),
});

const exampleBusy = {
  start: '2026-03-02T08:00:00.000Z',
  end: '2026-03-02T09:30:00.000Z',
  startLocal: '2026-03-02T09:00:00+01:00',
  endLocal: '2026-03-02T10:30:00+01:00',
};

export const FreeBusyResponseSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    busy: z
      .array(BusyIntervalSchema)
      .optional()
      .describe('your own busy time, as before `emails` existed: only when `emails` is not given'),
    people: z.array(PersonFreeBusySchema).describe('one entry per address asked for, in the order asked'),
  })
  .meta({
    example: {
      from: '2026-03-02T00:00:00.000Z',
      to: '2026-03-03T00:00:00.000Z',
      timeZone: 'Europe/Berlin',
      people: [
        { email: 'priya@example.com', busy: [exampleBusy] },
        { email: 'sam@example.com', error: 'notVisible' },
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
    attendees: AttendeesInput.default([]).describe(
      `the other people (email addresses, at most ${MAX_PEOPLE}): slots where you and each of them are free, inside everyone's working hours in their own zones`,
    ),
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
      attendees: ['priya@example.com'],
    },
  });
export class SlotQueryDto extends createZodDto(SlotQuerySchema) {}

export const NO_SLOT_REASONS = ['outside_working_hours', 'fully_booked', 'window_too_short'] as const;
export type NoSlotReason = (typeof NO_SLOT_REASONS)[number];

const RankedSlotSchema = BusyIntervalSchema.extend({
  reasons: z
    .array(z.string())
    .describe('why it ranks where it does: "inside everyone\'s working hours", "Priya\'s 17:30 is late"'),
});

export const SlotsResponseSchema = z
  .object({
    slots: z
      .array(RankedSlotSchema)
      .describe(
        "best first: slots inside everyone's working hours, then those late in someone's day (the last hour), then (workingHoursOnly false) those outside someone's hours; earliest first among equals",
      ),
    reason: z
      .enum(NO_SLOT_REASONS)
      .nullable()
      .describe(
        'why there is no slot (null when there are some): window_too_short — the window (from now on) is shorter than the duration; outside_working_hours — no stretch of working hours shared by everyone in the window is long enough; fully_booked — events, buffers and holds leave no gap',
      ),
    timeZone: z.string(),
    notVisible: z
      .array(z.string())
      .describe(
        'attendees left out because you cannot see their primary calendar even as freeBusyReader (or they have no account: the same answer)',
      ),
  })
  .meta({
    example: {
      slots: [
        {
          start: '2026-03-02T09:00:00.000Z',
          end: '2026-03-02T09:30:00.000Z',
          startLocal: '2026-03-02T10:00:00+01:00',
          endLocal: '2026-03-02T10:30:00+01:00',
          reasons: ["inside everyone's working hours"],
        },
        {
          start: '2026-03-02T12:00:00.000Z',
          end: '2026-03-02T12:30:00.000Z',
          startLocal: '2026-03-02T13:00:00+01:00',
          endLocal: '2026-03-02T13:30:00+01:00',
          reasons: ["Priya's 17:30 is late"],
        },
      ],
      reason: null,
      timeZone: 'Europe/Berlin',
      notVisible: ['sam@example.com'],
    },
  });
export class SlotsResponseDto extends createZodDto(SlotsResponseSchema) {}
export type SlotsResponse = z.infer<typeof SlotsResponseSchema>;

export const HoldCreateSchema = z
  .object({
    start: instant,
    end: instant,
    attendees: AttendeesInput.default([]).describe(
      'the other people the time is held for: it is left out of their slots too, whoever searches, while the hold lives',
    ),
  })
  .strict()
  .refine((q) => Date.parse(q.end) > Date.parse(q.start), { path: ['end'], message: 'must be after start' })
  .refine((q) => Date.parse(q.end) - Date.parse(q.start) <= 24 * 3_600_000, {
    path: ['end'],
    message: 'must be at most 24 hours after start',
  })
  .meta({
    example: { start: '2026-03-02T09:00:00Z', end: '2026-03-02T09:30:00Z', attendees: ['priya@example.com'] },
  });
export class HoldCreateDto extends createZodDto(HoldCreateSchema) {}

export const HoldResponseSchema = z
  .object({
    id: z.string(),
    start: z.string(),
    end: z.string(),
    expiresAt: z.string().describe('the hold lapses on its own then (5 minutes after it was made)'),
    attendees: z.array(z.string()).describe('the other people it holds the time for'),
  })
  .meta({
    example: {
      id: 'q3Zb0x1VvYw2mT9k',
      start: '2026-03-02T09:00:00.000Z',
      end: '2026-03-02T09:30:00.000Z',
      expiresAt: '2026-02-27T14:05:00.000Z',
      attendees: ['priya@example.com'],
    },
  });
export class HoldResponseDto extends createZodDto(HoldResponseSchema) {}
export type HoldResponse = z.infer<typeof HoldResponseSchema>;

export const HoldListResponseSchema = z.object({ items: z.array(HoldResponseSchema) });
export class HoldListResponseDto extends createZodDto(HoldListResponseSchema) {}
