import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { RateLimitStore } from '@app/cache';
import { AppConfig } from '@app/config';
import { ApiThrottlerGuard } from './api-throttler.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { throttlersFor } from './throttle-rules';
import { ThrottleInterceptor } from './throttle.interceptor';

/** The named throttlers (auth, user, assistant) on Redis storage, applied to every route. API only. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RateLimitStore],
      useFactory: (config: AppConfig, store: RateLimitStore) => {
        const throttlers = throttlersFor(config);
        return {
          throttlers,
          storage: new RedisThrottlerStorage(
            store,
            throttlers.map((t) => Number(t.ttl)),
          ),
        };
      },
    }),
  ],
  providers: [ApiThrottlerGuard, { provide: APP_INTERCEPTOR, useClass: ThrottleInterceptor }],
})
export class ThrottleModule {}
