import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheService } from './cache.service';
import { RedisHealthIndicator } from './redis.health';
import { RedisService } from './redis.service';

/** The Redis connection and everything built on it. Only this lib talks to Redis directly. */
@Global()
@Module({
  imports: [TerminusModule],
  providers: [RedisService, CacheService, RedisHealthIndicator],
  exports: [RedisService, CacheService, RedisHealthIndicator],
})
export class CacheModule {}
