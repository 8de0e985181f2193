import { Logger } from '@nestjs/common';
import { RateLimitStore } from './rate-limit.store';
import { redisDown } from '../../../test/support/redis-down';

const W = 60_000;

describe('WindowCounter while Redis is down (the per-instance insurance limiter)', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('counts per key and fixed window, carrying the last window as `previous`', async () => {
    const c = new RateLimitStore(redisDown()).windowCounter('unit', W);
    const t = 100 * W + 1000;
    expect(await c.hit('a', t)).toEqual({ current: 1, previous: 0 });
    expect(await c.hit('a', t + 10)).toEqual({ current: 2, previous: 0 });
    expect(await c.hit('b', t + 20)).toEqual({ current: 1, previous: 0 });
    // Next window: this one's count becomes `previous`.
    expect(await c.hit('a', t + W)).toEqual({ current: 1, previous: 2 });
    // Two windows later nothing carries over.
    expect(await c.hit('b', t + 2 * W)).toEqual({ current: 1, previous: 0 });
  });

  it('says once that it counts per instance, not on every request', async () => {
    const c = new RateLimitStore(redisDown()).windowCounter('unit-log', W);
    for (let i = 0; i < 5; i++) await c.hit('a');
    const lines = warn.mock.calls.map((args) => String(args[0]));
    expect(lines).toEqual(['unit-log counted per instance until Redis answers']);
  });

  it('stays bounded: a key is forgotten two windows after its latest hit', async () => {
    jest.useFakeTimers({ now: 200 * W });
    const counter = new RateLimitStore(redisDown()).sharedCounter('unit-ttl', 2 * W);
    for (let i = 0; i < 1000; i++) await counter.hit(`old-${i}`);
    expect(await counter.count('old-0')).toBe(1);
    jest.advanceTimersByTime(2 * W + 1);
    expect(await counter.count('old-0')).toBe(0);
    expect(await counter.count('old-999')).toBe(0);
    expect(await counter.hit('old-0')).toBe(1);
  });
});
