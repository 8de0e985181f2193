import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { normalizeIp } from '@app/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AuthUser } from '../users/user.types';
import { ERROR_EXAMPLES } from './api-errors';
import { AuthenticatedRequest, AuthGuard } from './auth.guard';
import { ADMIN_ONLY_MESSAGE, REQUIRED_ROLE, RolesGuard } from './roles.guard';

/**
 * The authenticated caller. Only on routes behind `AuthGuard` (`@Authenticated()`); anywhere else it
 * is a programming error and fails loudly instead of yielding `undefined`.
 */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('@CurrentUser() is used on a route without AuthGuard; add @Authenticated()');
  return user;
});

/**
 * The client's address as the rest of the service keys it (`normalizeIp`: `::ffff:1.2.3.4` is
 * `1.2.3.4`), so the login back-off counts one client once however the address is spelled.
 */
export const ClientIp = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  normalizeIp(context.switchToHttp().getRequest<{ ip?: string }>().ip ?? ''),
);

/**
 * Requires a valid access token (`Authorization: Bearer <jwt>`) on a controller or route, and
 * documents that in Swagger (bearer auth, the 401 answer).
 */
export function Authenticated(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AuthGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid or expired access token',
      schema: { example: ERROR_EXAMPLES.unauthorized },
    }),
  );
}

/**
 * Requires a valid access token of an `admin` account: 401 without a valid token, 403 for any other
 * account. Documents both in Swagger.
 */
export function AdminOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_ROLE, 'admin'),
    UseGuards(AuthGuard, RolesGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid or expired access token',
      schema: { example: ERROR_EXAMPLES.unauthorized },
    }),
    ApiForbiddenResponse({
      description: 'The account is not an administrator',
      schema: { example: ERROR_EXAMPLES.forbidden(ADMIN_ONLY_MESSAGE) },
    }),
  );
}
