import { Injectable } from '@nestjs/common';
import { ConflictError } from '@app/common';
import { UserRepository } from '../users/user.repository';
import { UserProfile } from '../users/user.types';
import { DEFAULT_WORKING_HOURS } from '../users/working-hours';
import { AccessTokenService } from './access-token.service';
import { AuthFailureService, ClientContext } from './auth-failure.service';
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

/** Accounts and sessions: register, log in, refresh (rotating), log out. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordService,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly failures: AuthFailureService,
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
    return this.session(user, (await this.refreshTokens.issue(user.id)).token);
  }

  /** An unknown email and a wrong password take the same time and fail the same way. */
  async login(input: LoginInput, client: ClientContext): Promise<AuthSession> {
    const account = await this.users.findCredentialsByEmail(input.email);
    const matches = await this.passwords.verify(account?.passwordHash ?? null, input.password);
    if (!account) throw await this.failures.reject('unknown_user', client);
    if (!matches) throw await this.failures.reject('bad_password', client, account.id);
    const { passwordHash: _hash, ...user } = account;
    return this.session(user, (await this.refreshTokens.issue(user.id)).token);
  }

  /** Trades a refresh token for a new pair; the presented token can never be used again. */
  async refresh(refreshToken: string, client: ClientContext): Promise<AuthSession> {
    const rotation = await this.refreshTokens.rotate(refreshToken);
    if (!rotation.ok) throw await this.failures.reject(rotation.reason, client, rotation.userId);
    const user = await this.users.findProfile(rotation.userId);
    if (!user) throw await this.failures.reject('unknown_user', client, rotation.userId);
    return this.session(user, rotation.refreshToken.token);
  }

  /** Ends the session: the refresh token's whole family is revoked. */
  async logout(refreshToken: string): Promise<void> {
    await this.refreshTokens.revoke(refreshToken);
  }

  private session(user: UserProfile, refreshToken: string): AuthSession {
    return {
      user,
      accessToken: this.accessTokens.sign(user.id),
      refreshToken,
      expiresIn: this.accessTokens.ttlSeconds,
    };
  }
}

const emailTaken = () => new ConflictError(EMAIL_TAKEN_MESSAGE, { field: 'email' });
