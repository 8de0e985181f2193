import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ActiveUsersService } from './active-users.service';
import { AssistantMemoryStore } from './assistant-memory.store';
import { CacheService } from './cache.service';
import { DenyListStore } from './deny-list.store';
import { IdempotencyStore } from './idempotency.store';
import { RateLimitStore } from './rate-limit.store';
import { RedisConnectionFactory } from './redis-connection.factory';
import { RedisHealthIndicator } from './redis.health';
import { RedisService } from './redis.service';
import { SlotHoldStore } from './slot-hold.store';
import { RedisStatsService } from './redis-stats.service';

/** The Redis connection and everything built on it. Only this lib talks to Redis directly. */
@Global()
@Module({
  imports: [TerminusModule],
  providers: [
    AssistantMemoryStore,
    RedisService,
    CacheService,
    RedisHealthIndicator,
    IdempotencyStore,
    ActiveUsersService,
    RateLimitStore,
    DenyListStore,
    RedisStatsService,
    SlotHoldStore,
    RedisConnectionFactory,
  ],
  exports: [
    AssistantMemoryStore,
    RedisService,
    CacheService,
    RedisHealthIndicator,
    IdempotencyStore,
    ActiveUsersService,
    RateLimitStore,
    DenyListStore,
    RedisStatsService,
    SlotHoldStore,
    RedisConnectionFactory,
  ],
})
export class CacheModule {}
