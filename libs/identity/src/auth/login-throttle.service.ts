import { Injectable, Logger } from '@nestjs/common';
import { LoginAttemptStore, LoginFailures } from '@app/cache';
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

/** Entries the per-instance fallback keeps while Redis is down. */
const MEMORY_LIMIT = 10_000;
/** How long an attempt counts as in flight at most, should its process die before `end` (a login takes well under 1 s). */
const IN_FLIGHT_TTL_MS = 30_000;

/** What `check` learned, handed back to `succeeded` / `failed` and, always, `end`. */
export interface LoginAttempt {
  email: string;
  client: ClientContext;
  accountFailures: number;
  /** Where the attempt is counted in flight until `end`; null once ended. */
  inFlightIn: 'redis' | 'memory' | null;
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
 * failures, then a 15-minute lock (see login-throttle.policy). Counters live in Redis, so every
 * replica sees the same ones; while Redis is down each instance counts in memory. Accounts are keyed
 * by a hash of the normalised email whether or not the account exists, so a throttled unknown email
 * and a throttled real one get the same 429.
 */
@Injectable()
export class LoginThrottleService {
  private readonly logger = new Logger(LoginThrottleService.name);
  private readonly memory = new Map<string, LoginFailures>();
  /** Attempts in flight per subject while Redis is down (entries leave at zero). */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly store: LoginAttemptStore,
    private readonly failures: AuthFailureService,
  ) {}

  /**
   * Throws RateLimitedError (429, Retry-After) while the account or the address must wait; else
   * counts the attempt in flight until `end`, which the caller must reach (try/finally).
   */
  async check(email: string, client: ClientContext): Promise<LoginAttempt> {
    const subjects = this.subjects(email, client);
    const { states, where } = await this.begin(subjects);
    const attempt: LoginAttempt = {
      email,
      client,
      accountFailures: states[0].failures.count,
      inFlightIn: where,
    };
    const now = Date.now();
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
    const where = attempt.inFlightIn;
    attempt.inFlightIn = null;
    if (!where) return;
    const keys = this.subjects(attempt.email, attempt.client).map((s) => s.key);
    if (where === 'redis') {
      await this.store.end(keys).catch((err: Error) => this.logger.warn(`login counters: ${err.message}`));
      return;
    }
    for (const key of keys) {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    }
  }

  /** Counts a failed attempt; the attempt that starts a lock is logged and audited. */
  async failed(attempt: LoginAttempt, userId?: string): Promise<void> {
    const subjects = this.subjects(attempt.email, attempt.client);
    const counts = await this.write(subjects);
    for (const [i, s] of subjects.entries()) {
      if (counts[i].count !== s.policy.lockAfter) continue;
      this.logger.warn(
        `login locked: ${s.lockReason === 'ip_locked' ? 'address' : 'account'} for ${blockDurationMs(counts[i].count, s.policy) / 1000} s after ${counts[i].count} failed attempts`,
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
    this.memory.delete(account.key);
    if (!this.store.available) return;
    await this.store
      .reset(account.key)
      .catch((err: Error) => this.logger.warn(`login counters: ${err.message}`));
  }

  private subjects(email: string, client: ClientContext): [Subject, Subject] {
    const account = createHash('sha256').update(email).digest('base64url');
    return [
      { key: `acct:${account}`, policy: ACCOUNT_THROTTLE, lockReason: 'account_locked' },
      { key: `ip:${client.ip || 'unknown'}`, policy: IP_THROTTLE, lockReason: 'ip_locked' },
    ];
  }

  /** Counts the attempt in flight and reads the failures, in Redis or else in this instance's memory. */
  private async begin(subjects: Subject[]): Promise<{ states: SubjectState[]; where: 'redis' | 'memory' }> {
    if (this.store.available) {
      try {
        const keys = subjects.map((s) => s.key);
        return { states: await this.store.begin(keys, IN_FLIGHT_TTL_MS), where: 'redis' };
      } catch (err) {
        this.logger.warn(`login counters: ${(err as Error).message}; counting in memory`);
      }
    }
    const now = Date.now();
    const states = subjects.map((s) => {
      const entry = this.memory.get(s.key);
      const inFlight = (this.inFlight.get(s.key) ?? 0) + 1;
      this.inFlight.set(s.key, inFlight);
      const failures = entry && entry.lastAt + s.policy.lockMs > now ? entry : { count: 0, lastAt: 0 };
      return { failures, inFlight };
    });
    return { states, where: 'memory' };
  }

  private async write(subjects: Subject[]): Promise<LoginFailures[]> {
    const now = Date.now();
    if (this.store.available) {
      try {
        const ttlMs = Math.max(...subjects.map((s) => s.policy.lockMs));
        return await this.store.recordFailure(
          subjects.map((s) => s.key),
          now,
          ttlMs,
        );
      } catch (err) {
        this.logger.warn(`login counters: ${(err as Error).message}; counting in memory`);
      }
    }
    const counts = subjects.map((s) => {
      const entry = this.memory.get(s.key);
      const count = entry && entry.lastAt + s.policy.lockMs > now ? entry.count + 1 : 1;
      this.memory.delete(s.key); // re-inserted last: the map stays ordered by latest failure
      this.memory.set(s.key, { count, lastAt: now });
      return { count, lastAt: now };
    });
    this.prune(now);
    return counts;
  }

  /** Keeps the fallback bounded: expired entries go first, then the least recently failed. */
  private prune(now: number): void {
    if (this.memory.size <= MEMORY_LIMIT) return;
    const ttl = Math.max(ACCOUNT_THROTTLE.lockMs, IP_THROTTLE.lockMs);
    for (const [key, entry] of this.memory) if (entry.lastAt + ttl <= now) this.memory.delete(key);
    for (const key of this.memory.keys()) {
      if (this.memory.size <= MEMORY_LIMIT) break;
      this.memory.delete(key);
    }
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
