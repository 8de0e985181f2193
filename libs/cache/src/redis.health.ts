import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RedisService } from './redis.service';

/** Terminus indicator: Redis PING, bounded by a timeout. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly redis: RedisService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async pingCheck<K extends string>(key: K, timeoutMs: number): Promise<HealthIndicatorResult<K>> {
    const check = this.indicators.check(key);
    try {
      const latencyMs = await this.redis.ping(timeoutMs);
      return check.up({ latencyMs: round(latencyMs) });
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
