import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { UserProfile } from './user.types';
import { NameSchema, PasswordSchema, TimeZoneSchema } from './user.validation';
import { DEFAULT_WORKING_HOURS, WorkingHoursResponseSchema, WorkingHoursSchema } from './working-hours';

export const USER_EXAMPLE = {
  id: '665f1c2b8f1e4a0012345678',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  timeZone: 'Europe/Berlin',
  workingHours: DEFAULT_WORKING_HOURS,
  createdAt: '2026-01-15T09:30:00.000Z',
};

/** The account as the API returns it; never the password hash. */
export const UserResponseSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    timeZone: z.string().describe('IANA time zone'),
    workingHours: WorkingHoursResponseSchema,
    createdAt: z.string().describe('ISO 8601 instant'),
  })
  .meta({ example: USER_EXAMPLE });

export class UserResponseDto extends createZodDto(UserResponseSchema) {}

export function userResponse(profile: UserProfile): z.input<typeof UserResponseSchema> {
  return {
    id: profile.id,
    email: profile.email,
    name: profile.name,
    timeZone: profile.timeZone,
    workingHours: profile.workingHours,
    createdAt: profile.createdAt.toISOString(),
  };
}

export const UserUpdateSchema = z
  .strictObject({
    name: NameSchema.optional(),
    timeZone: TimeZoneSchema.optional(),
    workingHours: WorkingHoursSchema.optional().describe(
      'Replaces the working hours as a whole: ISO weekdays (1 = Monday) and HH:mm start < end in the user time zone',
    ),
  })
  .meta({
    example: {
      timeZone: 'America/New_York',
      workingHours: { days: [1, 2, 3, 4], start: '08:30', end: '16:30' },
    },
  });

export class UserUpdateDto extends createZodDto(UserUpdateSchema) {}

export const PasswordChangeSchema = z
  .strictObject({
    currentPassword: z
      .string()
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters')
      .describe('The password in use now'),
    newPassword: PasswordSchema.describe('8 to 128 characters, not a commonly used password'),
  })
  .refine((body) => body.currentPassword !== body.newPassword, {
    message: 'must differ from the current password',
    path: ['newPassword'],
  })
  .meta({
    example: { currentPassword: 'correct horse battery staple', newPassword: 'violet tapestry on the ferry' },
  });

export class PasswordChangeDto extends createZodDto(PasswordChangeSchema) {}

export type UserResponse = z.output<typeof UserResponseSchema>;
export type UserUpdateRequest = z.input<typeof UserUpdateSchema>;
export type PasswordChangeRequest = z.input<typeof PasswordChangeSchema>;
