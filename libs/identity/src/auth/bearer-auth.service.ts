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

  /**
   * The caller, with its role and session epoch (one indexed read, reused for AUTH_USER_CACHE_MS);
   * throws UnauthorizedError otherwise — also when a logout or password change since the token was
   * issued moved the epoch on.
   */
  async authenticate(authorization: string | undefined, client: ClientContext): Promise<AuthUser> {
    const token = authorization?.match(BEARER)?.[1];
    if (!token) throw await this.failures.reject('missing_token', client);
    const check = this.accessTokens.verify(token);
    if (!check.ok) throw await this.failures.reject(check.reason, client);
    const record = await this.users.findAuthUser(check.userId);
    if (!record) throw await this.failures.reject('unknown_user', client, check.userId);
    if (record.sessionEpoch !== check.sessionEpoch) {
      throw await this.failures.reject('revoked_token', client, check.userId);
    }
    return record.user;
  }
}
