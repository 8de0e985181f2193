import type { RedisService } from '@app/cache';

/**
 * For unit specs: a Redis connection that is down (reconnecting). Any round trip fails the test;
 * counters built on it must answer from their in-memory insurance limiter without trying one.
 */
export const redisDown = (): RedisService =>
  ({
    client: {
      status: 'reconnecting',
      defineCommand: () => undefined,
      rlflxIncr: () => {
        throw new Error('no round trip may be tried while Redis is not ready');
      },
      multi: () => {
        throw new Error('no round trip may be tried while Redis is not ready');
      },
    },
  }) as unknown as RedisService;
