import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { RateLimitedError } from '@app/common';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { REFUSAL, ThrottlerName } from './throttle-rules';

/**
 * @nestjs/throttler's guard with the API's refusal: RateLimitedError, which the error filter turns
 * into 429 `{error: {code: 'rate_limited', message, requestId}}` with a plain `Retry-After` header
 * (the library would name it `Retry-After-<throttler>`). Refusals count in rate_limit_hits_total; an
 * assistant refusal also as the assistant's `rate_limited` outcome.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @InjectMetric(METRICS.rateLimitHits) private readonly hits: Counter<string>,
    @InjectMetric(METRICS.assistantRequests) private readonly assistantRequests: Counter<string>,
  ) {
    super(options, storage, reflector);
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const name = detail.key.slice(0, detail.key.indexOf(':')) as ThrottlerName;
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    this.hits.inc();
    if (name === 'assistant')
      this.assistantRequests.inc({ interpreter: 'none', intent: 'none', outcome: 'rate_limited' });
    throw new RateLimitedError((REFUSAL[name] ?? REFUSAL.user)(detail.limit, retryAfter), retryAfter);
  }
}
