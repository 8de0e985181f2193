import { applyDecorators, createParamDecorator, ExecutionContext, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AuthUser } from '../users/user.types';
import { ERROR_EXAMPLES } from './api-errors';
import { AuthenticatedRequest, AuthGuard } from './auth.guard';

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
