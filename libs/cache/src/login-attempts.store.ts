import { Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { hashTag } from './redis-client';
import { RedisService } from './redis.service';

/** Failed logins of one subject (an account or a client address) since its counter was last reset. */
export interface LoginFailures {
  count: number;
  /** Epoch milliseconds of the latest failure (0 when there is none). */
  lastAt: number;
}

/**
 * Failed-login counters shared by every API replica: a hash `login:fail:{<subject>}` with the count
 * and the time of the latest failure, expiring `ttlMs` after that failure, and beside it the number
 * of attempts in flight (`login:inflight:{<subject>}`), so that attempts sent together cannot all pass
 * the check before the first of them has failed. Beginning attempts for several subjects is one
 * round trip (a pipeline per subject, sent together), recording a failure is another, ending them a third.
 */
@Injectable()
export class LoginAttemptStore {
  constructor(private readonly redis: RedisService) {}

  /** False while Redis is down: callers use their per-instance fallback without waiting. */
  get available(): boolean {
    return this.redis.isReady;
  }

  /**
   * Marks one attempt in flight for each subject and reads its failures, in one round trip; returns,
   * per subject, the failures so far and how many attempts are in flight, this one included. Every
   * `begin` must be followed by an `end` (the in-flight count also expires `inFlightTtlMs` after the
   * latest attempt began, should a process die between the two).
   */
  async begin(
    subjects: string[],
    inFlightTtlMs: number,
  ): Promise<{ failures: LoginFailures; inFlight: number }[]> {
    const results = await this.perSubject(subjects, (pipeline, s) =>
      pipeline
        .incr(inFlightKey(s))
        .pexpire(inFlightKey(s), inFlightTtlMs)
        .hmget(loginAttemptKey(s), 'count', 'lastAt'),
    );
    return results.map(([inFlight, , failures]) => {
      const [count, lastAt] = failures as (string | null)[];
      return {
        failures: { count: Number(count ?? 0), lastAt: Number(lastAt ?? 0) },
        inFlight: Number(inFlight),
      };
    });
  }

  /** The attempts `begin` marked are over (their failures, if any, already recorded). */
  async end(subjects: string[]): Promise<void> {
    await this.perSubject(subjects, (pipeline, s) => pipeline.decr(inFlightKey(s)));
  }

  /** Counts one failure for each subject; returns the new counts. */
  async recordFailure(subjects: string[], now: number, ttlMs: number): Promise<LoginFailures[]> {
    const results = await this.perSubject(subjects, (pipeline, s) => {
      const key = loginAttemptKey(s);
      return pipeline.hincrby(key, 'count', 1).hset(key, 'lastAt', String(now)).pexpire(key, ttlMs);
    });
    return results.map(([count]) => ({ count: Number(count), lastAt: now }));
  }

  async reset(subject: string): Promise<void> {
    await this.redis.client.del(loginAttemptKey(subject));
  }

  /**
   * One pipeline per subject, sent together (auto-pipelining writes them at once): a subject's keys
   * share a hash tag, different subjects' keys may live on different Redis Cluster nodes.
   */
  private perSubject(
    subjects: string[],
    build: (pipeline: ChainableCommander, subject: string) => ChainableCommander,
  ): Promise<unknown[][]> {
    return Promise.all(
      subjects.map(async (s) => unwrap(await build(this.redis.client.pipeline(), s).exec())),
    );
  }
}

export const loginAttemptKey = (subject: string) => `login:fail:${hashTag(subject)}`;
const inFlightKey = (subject: string) => `login:inflight:${hashTag(subject)}`;

function unwrap(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('login attempt pipeline returned nothing');
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0] as Error;
  return results.map(([, value]) => value);
}
