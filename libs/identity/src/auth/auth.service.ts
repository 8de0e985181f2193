import { Injectable, Logger, Optional } from '@nestjs/common';
import { ConflictError } from '@app/common';
import { AppPasswordRepository } from '../app-passwords/app-password.repository';
import { AccountLifecycle } from '../users/account-lifecycle';
import { UserRepository } from '../users/user.repository';
import { Account, UserProfile } from '../users/user.types';
import { DEFAULT_WORKING_HOURS } from '../users/working-hours';
import { AccessTokenService } from './access-token.service';
import { AuthFailureService, ClientContext } from './auth-failure.service';
import { LoginAttempt, LoginThrottleService } from './login-throttle.service';
import { PasswordService } from './password.service';
import { RefreshTokenService } from './refresh-token.service';

export const EMAIL_TAKEN_MESSAGE = 'an account with this email already exists';

/** A signed-in session: the account and a token pair. */
export interface AuthSession {
  user: UserProfile;
  accessToken: string;
  refreshToken: string;
  /** Access token lifetime in seconds. */
  expiresIn: number;
}

/** Inputs are already validated and normalised (email trimmed and lower-cased, zone checked). */
export interface RegisterInput {
  email: string;
  password: string;
  name: string;
  timeZone: string;
}

export interface LoginInput {
  email: string;
  password: string;
}

export interface PasswordChangeInput {
  currentPassword: string;
  /** Already checked against the password policy. */
  newPassword: string;
}

/**
 * Accounts and sessions: register, log in (throttled after failures), refresh (rotating), log out
 * and change the password — the last two end every session of the user.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordService,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly failures: AuthFailureService,
    private readonly throttle: LoginThrottleService,
    private readonly appPasswords: AppPasswordRepository,
    @Optional() private readonly lifecycle?: AccountLifecycle,
  ) {}

  async register(input: RegisterInput): Promise<AuthSession> {
    // Checked first to spare the hashing; the unique index settles a race between two registrations.
    if (await this.users.emailExists(input.email)) throw emailTaken();
    const user = await this.users.insert({
      email: input.email,
      passwordHash: await this.passwords.hash(input.password),
      name: input.name,
      timeZone: input.timeZone,
      workingHours: { ...DEFAULT_WORKING_HOURS, days: [...DEFAULT_WORKING_HOURS.days] },
    });
    if (!user) throw emailTaken();
    // The primary calendar; were this to fail, the calendar list creates it on first use.
    await this.lifecycle
      ?.accountCreated({ id: user.id, email: user.email, name: user.name, timeZone: user.timeZone })
      .catch((err: Error) => this.logger.warn(`primary calendar of a new account: ${err.message}`));
    return this.session(user, (await this.refreshTokens.issue(user.id)).token);
  }

  /**
   * An unknown email and a wrong password take the same time and fail the same way; both count
   * towards the back-off of that email and of the client's address, and a throttled attempt is
   * refused (429) before any password is checked, the same way for both.
   */
  async login(input: LoginInput, client: ClientContext): Promise<AuthSession> {
    const attempt = await this.throttle.check(input.email, client);
    const account = await this.checkCredentials(input, attempt).finally(() => this.throttle.end(attempt));
    const { passwordHash: _hash, ...user } = account;
    return this.session(user, (await this.refreshTokens.issue(user.id)).token);
  }

  /** The account whose password this is, the attempt counted either way; rejects otherwise. */
  private async checkCredentials(input: LoginInput, attempt: LoginAttempt) {
    const account = await this.users.findCredentialsByEmail(input.email);
    const matches = await this.passwords.verify(account?.passwordHash ?? null, input.password);
    if (!account || !matches) {
      await this.throttle.failed(attempt, account?.id);
      if (!account) throw await this.failures.reject('unknown_user', attempt.client);
      throw await this.failures.reject('bad_password', attempt.client, account.id);
    }
    await this.throttle.succeeded(attempt);
    return account;
  }

  /** Trades a refresh token for a new pair; the presented token can never be used again. */
  async refresh(refreshToken: string, client: ClientContext): Promise<AuthSession> {
    const rotation = await this.refreshTokens.rotate(refreshToken);
    if (!rotation.ok) throw await this.failures.reject(rotation.reason, client, rotation.userId);
    const user = await this.users.findAccount(rotation.userId);
    if (!user) throw await this.failures.reject('unknown_user', client, rotation.userId);
    // A logout that revoked every token between the rotation and the read above would leave this
    // access token with the new epoch: the new refresh token is revoked then, so check it last.
    if (!(await this.refreshTokens.isLive(rotation.refreshToken.token))) {
      throw await this.failures.reject('refresh_invalid', client, rotation.userId);
    }
    return this.session(user, rotation.refreshToken.token);
  }

  /**
   * Ends every session of the token's owner: all refresh token families are revoked, then the session
   * epoch moves on so access tokens issued before stop working. An unknown token changes nothing.
   */
  async logout(refreshToken: string): Promise<void> {
    const userId = await this.refreshTokens.ownerOf(refreshToken);
    if (!userId) return;
    await this.refreshTokens.revokeAll(userId);
    await this.users.endSessions(userId);
  }

  /**
   * Changes the password after checking the current one (a wrong one counts towards the login
   * back-off like a failed login), ends every session, revokes every app password, and returns a
   * new session for the caller.
   */
  async changePassword(
    userId: string,
    email: string,
    input: PasswordChangeInput,
    client: ClientContext,
  ): Promise<AuthSession> {
    const attempt = await this.throttle.check(email, client);
    await this.checkCurrentPassword(userId, input.currentPassword, attempt).finally(() =>
      this.throttle.end(attempt),
    );
    const newHash = await this.passwords.hash(input.newPassword);
    // Revoke first, then move the epoch on (see refresh). App passwords go too: one made by whoever
    // had the old password must not outlive it.
    await Promise.all([this.refreshTokens.revokeAll(userId), this.appPasswords.deleteAllOfUser(userId)]);
    const account = await this.users.changePassword(userId, newHash);
    if (!account) throw await this.failures.reject('unknown_user', client, userId);
    return this.session(account, (await this.refreshTokens.issue(userId)).token);
  }

  /** Resolves when `password` is the user's current one, the attempt counted either way; rejects otherwise. */
  private async checkCurrentPassword(userId: string, password: string, attempt: LoginAttempt): Promise<void> {
    const currentHash = await this.users.findPasswordHash(userId);
    if (!currentHash) throw await this.failures.reject('unknown_user', attempt.client, userId);
    if (!(await this.passwords.verify(currentHash, password))) {
      await this.throttle.failed(attempt, userId);
      throw await this.failures.reject('bad_password', attempt.client, userId);
    }
    await this.throttle.succeeded(attempt);
  }

  private session(user: Account, refreshToken: string): AuthSession {
    return {
      user,
      accessToken: this.accessTokens.sign(user.id, user.sessionEpoch),
      refreshToken,
      expiresIn: this.accessTokens.ttlSeconds,
    };
  }
}

const emailTaken = () => new ConflictError(EMAIL_TAKEN_MESSAGE, { field: 'email' });
