import { Injectable } from '@nestjs/common';
import { RedisService } from './redis.service';

/** Failed logins of one subject (an account or a client address) since its counter was last reset. */
export interface LoginFailures {
  count: number;
  /** Epoch milliseconds of the latest failure (0 when there is none). */
  lastAt: number;
}

/**
 * Failed-login counters shared by every API replica: a hash `login:fail:<subject>` with the count
 * and the time of the latest failure, expiring `ttlMs` after that failure. Reading several subjects
 * is one pipelined round trip, recording a failure for several is another.
 */
@Injectable()
export class LoginAttemptStore {
  constructor(private readonly redis: RedisService) {}

  /** False while Redis is down: callers use their per-instance fallback without waiting. */
  get available(): boolean {
    return this.redis.isReady;
  }

  async read(subjects: string[]): Promise<LoginFailures[]> {
    const pipeline = this.redis.client.pipeline();
    for (const s of subjects) pipeline.hmget(loginAttemptKey(s), 'count', 'lastAt');
    return unwrap(await pipeline.exec()).map((value) => {
      const [count, lastAt] = value as (string | null)[];
      return { count: Number(count ?? 0), lastAt: Number(lastAt ?? 0) };
    });
  }

  /** Counts one failure for each subject; returns the new counts. */
  async recordFailure(subjects: string[], now: number, ttlMs: number): Promise<LoginFailures[]> {
    const pipeline = this.redis.client.pipeline();
    for (const s of subjects) {
      const key = loginAttemptKey(s);
      pipeline.hincrby(key, 'count', 1).hset(key, 'lastAt', String(now)).pexpire(key, ttlMs);
    }
    const results = unwrap(await pipeline.exec());
    return subjects.map((_, i) => ({ count: Number(results[i * 3]), lastAt: now }));
  }

  async reset(subject: string): Promise<void> {
    await this.redis.client.del(loginAttemptKey(subject));
  }
}

export const loginAttemptKey = (subject: string) => `login:fail:${subject}`;

function unwrap(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('login attempt pipeline returned nothing');
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0] as Error;
  return results.map(([, value]) => value);
}
