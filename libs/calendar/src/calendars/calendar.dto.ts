import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { RemindersInput, TimeZoneInput } from '../events/event.dto';
import { CALENDAR_ROLES } from './calendar-role';

const name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
const description = z.string().max(2000, 'must be at most 2000 characters').nullable();
const color = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a color written #rrggbb, such as #3f51b5')
  .transform((c) => c.toLowerCase())
  .nullable();
const defaultReminders = RemindersInput.describe(
  'minutes before: reminders of the events here that have none of their own, and (on your primary) of the meetings you are invited to where you set none; at most 5, each 0–40320',
);
const ROLE_LIST = CALENDAR_ROLES.join(', ');
/** An unknown role is named back to the caller (cut short), with the roles there are. */
const role = z.enum(CALENDAR_ROLES, {
  error: (iss) =>
    typeof iss.input === 'string'
      ? `"${iss.input.slice(0, 40)}" is unknown: must be one of ${ROLE_LIST}`
      : `must be one of ${ROLE_LIST}`,
});
/** Trimmed and lower-cased before the check, as accounts store addresses (identity's EmailSchema). */
const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .check(z.email('must be an email address'));

export const CalendarCreateSchema = z
  .object({
    name,
    description: description.optional(),
    color: color.optional(),
    timeZone: TimeZoneInput.optional(),
    defaultReminders: defaultReminders.optional(),
  })
  .strict()
  .meta({
    example: {
      name: 'Team offsite',
      description: 'Planning for June',
      color: '#3f51b5',
      timeZone: 'Europe/Berlin',
      defaultReminders: [10],
    },
  });
export class CalendarCreateDto extends createZodDto(CalendarCreateSchema) {}

export const CalendarUpdateSchema = z
  .object({ name, description, color, timeZone: TimeZoneInput, defaultReminders })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
  .meta({ example: { name: 'Team offsite 2027', color: '#0b8043', defaultReminders: [10, 1440] } });
export class CalendarUpdateDto extends createZodDto(CalendarUpdateSchema) {}

export const CalendarResponseSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    color: z.string().nullable(),
    timeZone: z.string(),
    primary: z.boolean().describe("the caller's own primary calendar (also reachable as `primary`)"),
    role: role.describe("the caller's role on this calendar"),
    defaultReminders: z
      .array(z.number())
      .describe('reminders (minutes before) of the events here that have none of their own'),
  })
  .meta({
    example: {
      id: '6650f1a2c3d4e5f6a7b8c9d0',
      name: 'Team offsite',
      description: 'Planning for June',
      color: '#3f51b5',
      timeZone: 'Europe/Berlin',
      defaultReminders: [10],
      primary: false,
      role: 'owner',
    },
  });
export type CalendarResponse = z.infer<typeof CalendarResponseSchema>;
export class CalendarResponseDto extends createZodDto(CalendarResponseSchema) {}

export const CalendarListSchema = z.object({ items: z.array(CalendarResponseSchema) });
export class CalendarListDto extends createZodDto(CalendarListSchema) {}

export const AclRuleCreateSchema = z
  .object({ email, role })
  .strict()
  .meta({ example: { email: 'priya@example.com', role: 'reader' } });
export class AclRuleCreateDto extends createZodDto(AclRuleCreateSchema) {}

export const AclRuleUpdateSchema = z
  .object({ role })
  .strict()
  .meta({ example: { role: 'writer' } });
export class AclRuleUpdateDto extends createZodDto(AclRuleUpdateSchema) {}

export const AclRuleResponseSchema = z
  .object({
    id: z.string().describe("`owner` is the calendar's creator, who keeps the owner role"),
    email: z.string(),
    role,
  })
  .meta({ example: { id: '6650f1a2c3d4e5f6a7b8c9d1', email: 'priya@example.com', role: 'reader' } });
export type AclRuleResponse = z.infer<typeof AclRuleResponseSchema>;
export class AclRuleResponseDto extends createZodDto(AclRuleResponseSchema) {}

export const AclListSchema = z.object({ items: z.array(AclRuleResponseSchema) });
export class AclListDto extends createZodDto(AclListSchema) {}
