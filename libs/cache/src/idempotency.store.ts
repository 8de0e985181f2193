import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { RedisService } from './redis.service';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** How long a first request may take before a retry with the same key is allowed to run again. */
const PENDING_TTL_SECONDS = 60;

export type IdempotencyClaim<T> =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: T }
  | { kind: 'in_progress' }
  | { kind: 'mismatch' }
  | { kind: 'unavailable' };

interface Stored<T> {
  state: 'pending' | 'done';
  fingerprint: string;
  response?: T;
}

/**
 * Idempotency keys in Redis for 24 h: the first request with a key claims it, later ones replay its
 * response. A key reused with a different request body is refused rather than replayed.
 */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly redis: RedisService) {}

  static fingerprint(body: unknown): string {
    return createHash('sha256')
      .update(JSON.stringify(body ?? null))
      .digest('hex');
  }

  async claim<T>(scope: string, key: string, fingerprint: string): Promise<IdempotencyClaim<T>> {
    if (!this.redis.isReady) return { kind: 'unavailable' };
    const redisKey = this.key(scope, key);
    try {
      const pending: Stored<T> = { state: 'pending', fingerprint };
      const set = await this.redis.client.set(
        redisKey,
        JSON.stringify(pending),
        'EX',
        PENDING_TTL_SECONDS,
        'NX',
      );
      if (set === 'OK') return { kind: 'claimed' };
      const raw = await this.redis.client.get(redisKey);
      if (!raw) return this.claim(scope, key, fingerprint);
      const stored = JSON.parse(raw) as Stored<T>;
      if (stored.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return stored.state === 'done'
        ? { kind: 'replay', response: stored.response as T }
        : { kind: 'in_progress' };
    } catch {
      return { kind: 'unavailable' };
    }
  }

  async complete<T>(scope: string, key: string, fingerprint: string, response: T): Promise<void> {
    const done: Stored<T> = { state: 'done', fingerprint, response };
    await this.redis.client
      .set(this.key(scope, key), JSON.stringify(done), 'EX', IDEMPOTENCY_TTL_SECONDS)
      .catch(() => undefined);
  }

  /** The first request failed: let a retry with the same key run. */
  async release(scope: string, key: string): Promise<void> {
    await this.redis.client.del(this.key(scope, key)).catch(() => undefined);
  }

  private key(scope: string, key: string): string {
    return `idem:${scope}:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
  }
}
