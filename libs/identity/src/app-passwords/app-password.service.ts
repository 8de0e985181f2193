import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, NotFoundError } from '@app/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthFailureService, ClientContext } from '../auth/auth-failure.service';
import { LoginAttempt, LoginThrottleService } from '../auth/login-throttle.service';
import { UserRepository } from '../users/user.repository';
import { AuthUser } from '../users/user.types';
import { AppPasswordRepository } from './app-password.repository';
import { AppPasswordRecord, AppPasswordScope } from './app-password.schema';

/** At most this many app passwords per account (one per device is plenty). */
export const MAX_APP_PASSWORDS = 50;
/** `lastUsedAt` is written at most this often per password (not on every request of a syncing app). */
const TOUCH_EVERY_MS = 60_000;
/** `ap_<16 hex: lookup prefix>_<43 base64url: 256-bit secret>` */
const FORMAT = /^ap_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const BASIC = /^Basic +([A-Za-z0-9+/=]+) *$/i;
const BEARER_APP_PASSWORD = /^Bearer +(ap_[^\s]+) *$/i;

/**
 * A high-entropy random secret cannot be guessed or brute-forced from its hash, so SHA-256 (as for
 * refresh tokens) is enough; argon2 would add ~50 ms to every request a calendar app makes.
 */
const hashSecret = (secret: string) => createHash('sha256').update(secret).digest();

export interface CreatedAppPassword extends AppPasswordRecord {
  /** Shown once, at creation. */
  password: string;
}

/** Who a Basic-authenticated request is, and what the app password allows. */
export interface AppPasswordCaller {
  user: AuthUser;
  scope: AppPasswordScope;
  appPasswordId: string;
}

/**
 * App passwords: generated secrets for calendar apps (CalDAV over HTTP Basic), never the account
 * password. Verification is one indexed read by the password's prefix, and counts towards the same
 * back-off as logins (per account and per address); every failure is an audited auth failure.
 */
@Injectable()
export class AppPasswordService {
  private readonly logger = new Logger(AppPasswordService.name);

  constructor(
    private readonly repo: AppPasswordRepository,
    private readonly users: UserRepository,
    private readonly throttle: LoginThrottleService,
    private readonly failures: AuthFailureService,
  ) {}

  async create(
    userId: string,
    input: { name: string; scope?: AppPasswordScope },
  ): Promise<CreatedAppPassword> {
    if ((await this.repo.countOfUser(userId)) >= MAX_APP_PASSWORDS)
      throw new ConflictError(`At most ${MAX_APP_PASSWORDS} app passwords per account; revoke one first.`);
    const prefix = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record = await this.repo.insert(userId, {
      name: input.name,
      scope: input.scope ?? 'write',
      prefix,
      secretHash: hashSecret(secret).toString('base64url'),
    });
    return { ...record, password: `ap_${prefix}_${secret}` };
  }

  list(userId: string): Promise<AppPasswordRecord[]> {
    return this.repo.listOfUser(userId);
  }

  async revoke(userId: string, id: string): Promise<void> {
    if (!(await this.repo.delete(userId, id))) throw new NotFoundError('App password not found.');
  }

  /**
   * The caller of an `Authorization: Basic base64(email:app password)` header; null when there is
   * no Basic header at all (the client has not tried yet: answer the challenge). A wrong one is a
   * 401 (UnauthorizedError), a throttled account or address a 429 (RateLimitedError).
   */
  async authenticateBasic(
    authorization: string | undefined,
    client: ClientContext,
  ): Promise<AppPasswordCaller | null> {
    const encoded = authorization?.match(BASIC)?.[1];
    if (!encoded) return null;
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const email = (colon < 0 ? decoded : decoded.slice(0, colon)).trim().toLowerCase();
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    const attempt = await this.throttle.check(email, client);
    try {
      const account = email ? await this.users.findCredentialsByEmail(email) : null;
      const found = account ? await this.verify(password) : null;
      if (!account || !found || found.userId !== account.id) {
        await this.throttle.failed(attempt, account?.id);
        throw await this.failures.reject(account ? 'bad_password' : 'unknown_user', client, account?.id);
      }
      const { id, email: address, name, timeZone, workingHours, role } = account;
      return await this.accepted(attempt, found, { id, email: address, name, timeZone, workingHours, role });
    } finally {
      await this.throttle.end(attempt);
    }
  }

  /**
   * The caller of an `Authorization: Bearer <app password>` header (MCP clients hold one static
   * header; the password names its account, so no email is needed); null when the bearer value is
   * not an app password (an access token: BearerAuthService's). A wrong one is a 401, counted
   * towards the same back-off as Basic, keyed by the password's lookup prefix and the address.
   */
  async authenticateBearer(
    authorization: string | undefined,
    client: ClientContext,
  ): Promise<AppPasswordCaller | null> {
    const password = authorization?.match(BEARER_APP_PASSWORD)?.[1];
    if (!password) return null;
    const attempt = await this.throttle.check(`app-password:${password.slice(0, 19)}`, client);
    try {
      const found = await this.verify(password);
      const account = found ? await this.users.findAuthUser(found.userId) : null;
      if (!found || !account) {
        await this.throttle.failed(attempt, found?.userId);
        throw await this.failures.reject(found ? 'unknown_user' : 'bad_password', client, found?.userId);
      }
      return await this.accepted(attempt, found, account.user);
    } finally {
      await this.throttle.end(attempt);
    }
  }

  /** A sign-in that verified, by Basic or by bearer: clears its back-off, records the use (in the background). */
  private async accepted(
    attempt: LoginAttempt,
    found: AppPasswordRecord,
    user: AuthUser,
  ): Promise<AppPasswordCaller> {
    await this.throttle.succeeded(attempt);
    this.repo
      .touch(found.id, new Date(), TOUCH_EVERY_MS)
      .catch((err: Error) => this.logger.warn(`app password last use not recorded: ${err.message}`));
    return { user, scope: found.scope, appPasswordId: found.id };
  }

  /** The app password this secret is, or null (one read by prefix, then a constant-time compare). */
  private async verify(password: string): Promise<AppPasswordRecord | null> {
    const parts = password.match(FORMAT);
    if (!parts) return null;
    const found = await this.repo.findByPrefix(parts[1]);
    if (!found) return null;
    const expected = Buffer.from(found.secretHash, 'base64url');
    const given = hashSecret(parts[2]);
    return expected.length === given.length && timingSafeEqual(expected, given) ? found : null;
  }
}
