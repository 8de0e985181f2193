import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { APP_PASSWORD_SCOPES } from './app-password.schema';
import { AppPasswordRecord } from './app-password.schema';

export const AppPasswordCreateSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .describe('what the password is for, e.g. the device'),
    scope: z
      .enum(APP_PASSWORD_SCOPES)
      .optional()
      .describe('`write` (default): read and change calendars over CalDAV; `read`: read only'),
  })
  .meta({ example: { name: 'Ada’s iPhone', scope: 'write' } });
export class AppPasswordCreateDto extends createZodDto(AppPasswordCreateSchema) {}

const EXAMPLE = {
  id: '6650f1a2c3d4e5f6a7b8c9d0',
  name: 'Ada’s iPhone',
  scope: 'write',
  createdAt: '2026-03-01T10:00:00.000Z',
  lastUsedAt: '2026-03-02T08:15:00.000Z',
};

export const AppPasswordResponseSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.enum(APP_PASSWORD_SCOPES),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().describe('last successful sign-in with it (to the minute), or null'),
  })
  .meta({ example: EXAMPLE });
export class AppPasswordResponseDto extends createZodDto(AppPasswordResponseSchema) {}

export const AppPasswordCreatedResponseSchema = AppPasswordResponseSchema.extend({
  password: z
    .string()
    .describe('shown only in this answer: enter it in the calendar app with your email as the user name'),
}).meta({
  example: {
    ...EXAMPLE,
    lastUsedAt: null,
    password: 'ap_3f9a1c0e5b7d2a46_Zx8kQ2mV0pL7sN4rT1uW9yB3cE6fH5jK8aD2gM0qR7t',
  },
});
export class AppPasswordCreatedResponseDto extends createZodDto(AppPasswordCreatedResponseSchema) {}

export const AppPasswordListResponseSchema = z
  .object({ items: z.array(AppPasswordResponseSchema) })
  .meta({ example: { items: [EXAMPLE] } });
export class AppPasswordListResponseDto extends createZodDto(AppPasswordListResponseSchema) {}

export const appPasswordResponse = (r: AppPasswordRecord): z.infer<typeof AppPasswordResponseSchema> => ({
  id: r.id,
  name: r.name,
  scope: r.scope,
  createdAt: r.createdAt.toISOString(),
  lastUsedAt: r.lastUsedAt ? r.lastUsedAt.toISOString() : null,
});
