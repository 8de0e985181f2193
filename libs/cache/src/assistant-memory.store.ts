import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from './redis.service';

/** The event a user's last assistant request referred to ("move it to 4pm" means this one). */
export interface RememberedEvent {
  eventId: string;
  /** The occurrence's original start (RECURRENCE-ID) for a recurring series, else null. */
  occurrenceStart: string | null;
  title: string;
}

/** How long "it" keeps pointing at the last referenced event. */
export const LAST_EVENT_TTL_SECONDS = 15 * 60;
/** How long a "which one did you mean?" question waits for its answer. */
export const PENDING_CHOICE_TTL_SECONDS = 10 * 60;

/**
 * The assistant's short per-user memory in Redis: the last referenced event (15 minutes) and a
 * pending disambiguation question (10 minutes). Memory is a convenience: while Redis is down,
 * reads find nothing and writes are dropped, and the assistant asks again instead.
 */
@Injectable()
export class AssistantMemoryStore {
  private readonly logger = new Logger(AssistantMemoryStore.name);

  constructor(private readonly redis: RedisService) {}

  rememberEvent(userId: string, event: RememberedEvent): Promise<void> {
    return this.put(lastEventKey(userId), event, LAST_EVENT_TTL_SECONDS);
  }

  lastEvent(userId: string): Promise<RememberedEvent | null> {
    return this.read<RememberedEvent>(lastEventKey(userId));
  }

  /** Stores the open question (candidates and the plan waiting for the answer). */
  savePendingChoice<T>(userId: string, pending: T): Promise<void> {
    return this.put(pendingKey(userId), pending, PENDING_CHOICE_TTL_SECONDS);
  }

  pendingChoice<T>(userId: string): Promise<T | null> {
    return this.read<T>(pendingKey(userId));
  }

  async clearPendingChoice(userId: string): Promise<void> {
    if (!this.redis.isReady) return;
    await this.redis.client
      .del(pendingKey(userId))
      .catch((err: Error) => this.logger.debug(`del: ${err.message}`));
  }

  private async put(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    if (!this.redis.isReady) return;
    await this.redis.client
      .set(key, JSON.stringify(value), 'EX', ttlSeconds)
      .catch((err: Error) => this.logger.debug(`set: ${err.message}`));
  }

  private async read<T>(key: string): Promise<T | null> {
    if (!this.redis.isReady) return null;
    try {
      const raw = await this.redis.client.get(key);
      return raw ? (JSON.parse(raw) as T) : null;
    } catch (err) {
      this.logger.debug(`get: ${(err as Error).message}`);
      return null;
    }
  }
}

const lastEventKey = (userId: string) => `assistant:last-event:${userId}`;
const pendingKey = (userId: string) => `assistant:pending-choice:${userId}`;
