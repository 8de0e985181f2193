import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ActiveUsersService } from './active-users.service';
import { CacheService } from './cache.service';
import { IdempotencyStore } from './idempotency.store';
import { RedisHealthIndicator } from './redis.health';
import { RedisService } from './redis.service';

/** The Redis connection and everything built on it. Only this lib talks to Redis directly. */
@Global()
@Module({
  imports: [TerminusModule],
  providers: [RedisService, CacheService, RedisHealthIndicator, IdempotencyStore, ActiveUsersService],
  exports: [RedisService, CacheService, RedisHealthIndicator, IdempotencyStore, ActiveUsersService],
})
export class CacheModule {}
