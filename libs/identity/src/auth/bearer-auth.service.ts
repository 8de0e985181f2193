import { Injectable } from '@nestjs/common';
import { UserRepository } from '../users/user.repository';
import { AuthUser } from '../users/user.types';
import { AccessTokenService } from './access-token.service';
import { AuthFailureService, ClientContext } from './auth-failure.service';

const BEARER = /^Bearer +([^\s]+) *$/i;

/** Authenticates one request from its `Authorization: Bearer <access token>` header. */
@Injectable()
export class BearerAuthService {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly users: UserRepository,
    private readonly failures: AuthFailureService,
  ) {}

  /** The caller, loaded fresh (one indexed read); throws UnauthorizedError otherwise. */
  async authenticate(authorization: string | undefined, client: ClientContext): Promise<AuthUser> {
    const token = authorization?.match(BEARER)?.[1];
    if (!token) throw await this.failures.reject('missing_token', client);
    const check = this.accessTokens.verify(token);
    if (!check.ok) throw await this.failures.reject(check.reason, client);
    const user = await this.users.findAuthUser(check.userId);
    if (!user) throw await this.failures.reject('unknown_user', client, check.userId);
    return user;
  }
}
