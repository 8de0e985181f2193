import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ActiveUsersService } from '@app/cache';
import { normalizeIp } from '@app/common';
import { AuthUser } from '../users/user.types';
import { BearerAuthService } from './bearer-auth.service';

/** The parts of an HTTP request (Fastify's) that authentication reads and writes. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  ip: string;
  user?: AuthUser;
}

/**
 * Requires a valid access token and puts the caller on the request for `@CurrentUser()`.
 * Prefer `@Authenticated()`, which also documents the route in Swagger.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly bearer: BearerAuthService,
    private readonly activeUsers: ActiveUsersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    request.user = await this.bearer.authenticate(typeof header === 'string' ? header : undefined, {
      ip: normalizeIp(request.ip),
    });
    // Counts the caller in active_users (at most one Redis write per user per 30 s per replica).
    this.activeUsers.touch(request.user.id);
    return true;
  }
}
