import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { USER_EXAMPLE, userResponse, UserResponseSchema } from '../users/user.dto';
import { EmailSchema, NameSchema, PasswordSchema, TimeZoneSchema } from '../users/user.validation';
import { AuthSession } from './auth.service';

const REFRESH_TOKEN_EXAMPLE = 'q3Jm0c5o4nJ2h1mX8Yx9Zr7mVbKp2Wc6Td1Ls0Ea4Gu';

export const AuthRegisterSchema = z
  .strictObject({
    email: EmailSchema,
    password: PasswordSchema.describe('8 to 128 characters, not a commonly used password'),
    name: NameSchema,
    timeZone: TimeZoneSchema.describe('IANA time zone, e.g. Europe/Berlin'),
  })
  .meta({
    example: {
      email: 'ada@example.com',
      password: 'correct horse battery staple',
      name: 'Ada Lovelace',
      timeZone: 'Europe/Berlin',
    },
  });
export class AuthRegisterDto extends createZodDto(AuthRegisterSchema) {}

export const AuthLoginSchema = z
  .strictObject({
    email: EmailSchema,
    password: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
  })
  .meta({ example: { email: 'ada@example.com', password: 'correct horse battery staple' } });
export class AuthLoginDto extends createZodDto(AuthLoginSchema) {}

const RefreshTokenBodySchema = z
  .strictObject({
    refreshToken: z.string().min(1, 'must not be empty').max(512).describe('The opaque refresh token'),
  })
  .meta({ example: { refreshToken: REFRESH_TOKEN_EXAMPLE } });
export class AuthRefreshDto extends createZodDto(RefreshTokenBodySchema) {}
export class AuthLogoutDto extends createZodDto(RefreshTokenBodySchema) {}

export const AuthSessionResponseSchema = z
  .object({
    user: UserResponseSchema,
    accessToken: z.string().describe('JWT for `Authorization: Bearer …`'),
    refreshToken: z.string().describe('Opaque, single-use; trade it at /v1/auth/refresh for a new pair'),
    expiresIn: z.int().describe('Access token lifetime in seconds'),
  })
  .meta({
    example: {
      user: USER_EXAMPLE,
      accessToken:
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2NjVmMWMyYjhmMWU0YTAwMTIzNDU2NzgiLCJ0eXAiOiJhY2Nlc3MiLCJpYXQiOjE3NjgwMDAwMDAsImV4cCI6MTc2ODAwMDkwMH0.signature',
      refreshToken: REFRESH_TOKEN_EXAMPLE,
      expiresIn: 900,
    },
  });
export class AuthSessionResponseDto extends createZodDto(AuthSessionResponseSchema) {}

export function sessionResponse(session: AuthSession): z.input<typeof AuthSessionResponseSchema> {
  return {
    user: userResponse(session.user),
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    expiresIn: session.expiresIn,
  };
}

export type AuthRegisterRequest = z.input<typeof AuthRegisterSchema>;
export type AuthLoginRequest = z.input<typeof AuthLoginSchema>;
export type AuthRefreshRequest = z.input<typeof RefreshTokenBodySchema>;
export type AuthSessionResponse = z.output<typeof AuthSessionResponseSchema>;
