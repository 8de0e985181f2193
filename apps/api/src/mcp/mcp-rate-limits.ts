import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import { RateLimitedError } from '@app/common';
import { AppConfig } from '@app/config';
import { REFUSAL, THROTTLE_WINDOW_MS } from '@app/security';

/**
 * The per-user throttlers of the REST routes, for /mcp (a raw route the Nest throttler guard never
 * sees): the same buckets (`<throttler>:user:<id>` on the same storage), so REST and MCP calls count
 * together — `user` for every MCP request, `assistant` for each ask_assistant.
 */
@Injectable()
export class McpRateLimits {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  /** Throws RateLimitedError (429) naming the wait when the caller is over the limit. */
  async hit(userId: string, name: 'user' | 'assistant'): Promise<void> {
    const limit =
      name === 'user' ? this.config.throttle.userPerMinute : this.config.throttle.assistantPerMinute;
    if (limit === 0) return;
    const record = await this.storage.increment(`${name}:user:${userId}`, THROTTLE_WINDOW_MS, limit, 0, name);
    if (record.isBlocked)
      throw new RateLimitedError(REFUSAL[name](limit, record.timeToBlockExpire), record.timeToBlockExpire);
  }
}
