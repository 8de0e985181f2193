import { Injectable, Logger } from '@nestjs/common';
import { rateLimitKey, RateLimitStore, SharedCounter } from '@app/cache';
import { RateLimitedError } from '@app/common';
import { createHash } from 'node:crypto';
import { AuthFailureService, ClientContext } from './auth-failure.service';
import {
  ACCOUNT_THROTTLE,
  blockDurationMs,
  IP_THROTTLE,
  retryAfterSeconds,
  ThrottlePolicy,
} from './login-throttle.policy';

/** The one answer to a throttled login, whether or not the account exists. */
export const LOGIN_THROTTLED_MESSAGE = 'too many failed sign-in attempts; wait before trying again';

/** The counter of failed logins per subject (`acct:<hash>` or `ip:<address>`). */
const LOGIN_FAILURES = 'login-fail';
/** The Redis key of a subject's failed-login count. */
export const loginAttemptKey = (subject: string) => rateLimitKey(LOGIN_FAILURES, subject);
/** How long an attempt counts as in flight at most, should its process die before `end` (a login takes well under 1 s). */
const IN_FLIGHT_TTL_MS = 30_000;
/** A subject's failures are forgotten this long after its latest one (a lock ends with a clean slate). */
const FAILURES_TTL_MS = Math.max(ACCOUNT_THROTTLE.lockMs, IP_THROTTLE.lockMs);

/** What `check` learned, handed back to `succeeded` / `failed` and, always, `end`. */
export interface LoginAttempt {
  email: string;
  client: ClientContext;
  accountFailures: number;
  /** Whether the attempt still counts as in flight (until `end`). */
  inFlight: boolean;
}

/** Failed logins of one subject (an account or a client address) since its counter was last reset. */
interface LoginFailures {
  count: number;
  /** Epoch milliseconds of the latest failure (0 when there is none). */
  lastAt: number;
}

/** One subject as `check` finds it: its failures, and the attempts in flight (this one included). */
interface SubjectState {
  failures: LoginFailures;
  inFlight: number;
}

interface Subject {
  key: string;
  policy: ThrottlePolicy;
  lockReason: 'account_locked' | 'ip_locked';
}

/**
 * Slows password guessing per account and per client address: exponential back-off after a few
 * failures, then a 15-minute lock (see login-throttle.policy). Two rate-limiter-flexible counters
 * (SharedCounter) per subject: its failures, whose key lives 15 minutes after the latest failure (so
 * the time of that failure is the key's remaining life), and its attempts in flight (30 s after the
 * latest began, should a process die before `end`). They live in
 * Redis, so every replica sees the same ones; while Redis is down or slow their insurance limiter
 * counts in this instance's memory. Accounts are keyed by a hash of the normalised email whether or
 * not the account exists, so a throttled unknown email and a throttled real one get the same 429.
 */
@Injectable()
export class LoginThrottleService {
  private readonly logger = new Logger(LoginThrottleService.name);
  private readonly failureCounts: SharedCounter;
  private readonly inFlight: SharedCounter;

  constructor(
    store: RateLimitStore,
    private readonly failures: AuthFailureService,
  ) {
    // No 100 ms bound: a slow Redis must not split one subject's count between Redis and memory.
    this.failureCounts = store.sharedCounter(LOGIN_FAILURES, FAILURES_TTL_MS, { boundMs: 0 });
    this.inFlight = store.sharedCounter('login-inflight', IN_FLIGHT_TTL_MS, { boundMs: 0 });
  }

  /**
   * Throws RateLimitedError (429, Retry-After) while the account or the address must wait; else
   * counts the attempt in flight until `end`, which the caller must reach (try/finally).
   */
  async check(email: string, client: ClientContext): Promise<LoginAttempt> {
    const subjects = this.subjects(email, client);
    const now = Date.now();
    const states = await Promise.all(subjects.map((s) => this.begin(s.key, now)));
    const attempt: LoginAttempt = {
      email,
      client,
      accountFailures: states[0].failures.count,
      inFlight: true,
    };
    const wait = Math.max(...subjects.map((s, i) => waitSeconds(states[i], s.policy, now)));
    if (wait > 0) {
      await this.end(attempt);
      this.failures.record('login_throttled', client);
      throw new RateLimitedError(LOGIN_THROTTLED_MESSAGE, wait);
    }
    return attempt;
  }

  /** The attempt is over: it no longer counts as in flight. Safe to call twice. */
  async end(attempt: LoginAttempt): Promise<void> {
    if (!attempt.inFlight) return;
    attempt.inFlight = false;
    await Promise.all(this.subjects(attempt.email, attempt.client).map((s) => this.inFlight.release(s.key)));
  }

  /** Counts a failed attempt; the attempt that starts a lock is logged and audited. */
  async failed(attempt: LoginAttempt, userId?: string): Promise<void> {
    const subjects = this.subjects(attempt.email, attempt.client);
    const counts = await Promise.all(subjects.map((s) => this.failureCounts.hit(s.key)));
    for (const [i, s] of subjects.entries()) {
      if (counts[i] !== s.policy.lockAfter) continue;
      this.logger.warn(
        `login locked: ${s.lockReason === 'ip_locked' ? 'address' : 'account'} for ${blockDurationMs(counts[i], s.policy) / 1000} s after ${counts[i]} failed attempts`,
      );
      this.failures.record(
        s.lockReason,
        attempt.client,
        s.lockReason === 'account_locked' ? userId : undefined,
      );
    }
  }

  /** A successful login clears the account's counter (the address keeps its own). */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    if (attempt.accountFailures === 0) return;
    const [account] = this.subjects(attempt.email, attempt.client);
    await this.failureCounts.reset(account.key);
  }

  private subjects(email: string, client: ClientContext): [Subject, Subject] {
    const account = createHash('sha256').update(email).digest('base64url');
    return [
      { key: `acct:${account}`, policy: ACCOUNT_THROTTLE, lockReason: 'account_locked' },
      { key: `ip:${client.ip || 'unknown'}`, policy: IP_THROTTLE, lockReason: 'ip_locked' },
    ];
  }

  /** Counts the attempt in flight and reads the subject's failures (two single-key operations). */
  private async begin(key: string, now: number): Promise<SubjectState> {
    const [inFlight, failures] = await Promise.all([this.inFlight.hit(key), this.failureCounts.state(key)]);
    // The failures' key lives FAILURES_TTL_MS after the latest failure: what is left dates it.
    const lastAt = failures.count > 0 ? now - (FAILURES_TTL_MS - failures.msLeft) : 0;
    return { failures: { count: failures.count, lastAt }, inFlight };
  }
}

/**
 * Whole seconds a subject must wait before this attempt, counting the other attempts in flight as
 * failures about to happen now: ten wrong passwords sent at once meet the back-off just as ten sent
 * one after another would, instead of all passing the check before the first has failed.
 */
function waitSeconds({ failures, inFlight }: SubjectState, policy: ThrottlePolicy, now: number): number {
  const others = Math.max(0, inFlight - 1);
  if (others === 0) return retryAfterSeconds(failures.count, failures.lastAt, policy, now);
  return retryAfterSeconds(failures.count + others, now, policy, now);
}
