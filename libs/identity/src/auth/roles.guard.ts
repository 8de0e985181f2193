import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError } from '@app/common';
import { Role } from '../users/roles';
import { AuthenticatedRequest } from './auth.guard';

/** Route metadata: the role a route requires (set by `@AdminOnly()`). */
export const REQUIRED_ROLE = 'identity:requiredRole';

export const ADMIN_ONLY_MESSAGE = 'this route is for administrators only';

/**
 * Function-level authorization: runs after AuthGuard and refuses (403) a caller without the role
 * the route requires. The role comes from the account read on this request, never from the token,
 * so a revoked admin loses access at once.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required) return true;
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (!user) throw new Error('RolesGuard runs after AuthGuard; use @AdminOnly()');
    if (user.role !== required) throw new ForbiddenError(ADMIN_ONLY_MESSAGE);
    return true;
  }
}
