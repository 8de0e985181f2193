import { Logger } from '@nestjs/common';
import { RateLimitStore } from '@app/cache';
import { RateLimitedError } from '@app/common';
import { AuthFailureService } from './auth-failure.service';
import { LoginThrottleService } from './login-throttle.service';
import { redisDown } from '../../../../test/support/redis-down';

/** The per-instance fallback (Redis down): the same rules as the shared counters. */
function throttleWithoutRedis() {
  const failures = { record: jest.fn(() => undefined) } as unknown as AuthFailureService;
  return new LoginThrottleService(new RateLimitStore(redisDown()), failures);
}

describe('LoginThrottleService while Redis is down', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  const client = { ip: '198.51.100.7' };

  it('counts attempts in flight: of 8 begun together, 5 pass the check and 3 must wait', async () => {
    const throttle = throttleWithoutRedis();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => throttle.check('someone@example.com', client)),
    );
    const passed = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(passed).toHaveLength(5);
    expect(refused).toHaveLength(3);
    for (const r of refused) expect(r.reason).toBeInstanceOf(RateLimitedError);
  });

  it('frees the slot when an attempt ends, so attempts one after another are not held up', async () => {
    const throttle = throttleWithoutRedis();
    for (let i = 0; i < 20; i++) {
      const attempt = await throttle.check('someone@example.com', client);
      await throttle.succeeded(attempt);
      await throttle.end(attempt);
      await throttle.end(attempt); // a second end changes nothing
    }
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () => throttle.check('someone@example.com', client)),
    );
    expect(attempts).toHaveLength(5);
  });

  it('after 5 counted failures the next attempt waits 1 s, the ones in flight counting as failures', async () => {
    const throttle = throttleWithoutRedis();
    for (let i = 0; i < 5; i++) {
      const attempt = await throttle.check('guessed@example.com', client);
      await throttle.failed(attempt);
      await throttle.end(attempt);
    }
    await expect(throttle.check('guessed@example.com', client)).rejects.toMatchObject({
      retryAfterSeconds: 1,
    });
  });
});
