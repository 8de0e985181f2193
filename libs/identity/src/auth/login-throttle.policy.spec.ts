import { ACCOUNT_THROTTLE, blockDurationMs, IP_THROTTLE, retryAfterSeconds } from './login-throttle.policy';

describe('login throttle policy', () => {
  it('lets the first five account failures pass, then doubles the wait, then locks for 15 minutes', () => {
    const waits = Array.from({ length: 12 }, (_, n) => blockDurationMs(n, ACCOUNT_THROTTLE) / 1000);
    expect(waits).toEqual([0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 900, 900]);
  });

  it('allows an address more failures than an account before slowing it', () => {
    expect(blockDurationMs(19, IP_THROTTLE)).toBe(0);
    expect(blockDurationMs(20, IP_THROTTLE)).toBe(1000);
    expect(blockDurationMs(29, IP_THROTTLE)).toBe(512_000);
    expect(blockDurationMs(30, IP_THROTTLE)).toBe(900_000);
    expect(blockDurationMs(200, IP_THROTTLE)).toBe(900_000);
  });

  it('counts Retry-After in whole seconds from the latest failure', () => {
    const last = 1_000_000;
    expect(retryAfterSeconds(7, last, ACCOUNT_THROTTLE, last)).toBe(4);
    expect(retryAfterSeconds(7, last, ACCOUNT_THROTTLE, last + 3001)).toBe(1);
    expect(retryAfterSeconds(7, last, ACCOUNT_THROTTLE, last + 4000)).toBe(0);
    expect(retryAfterSeconds(4, last, ACCOUNT_THROTTLE, last)).toBe(0);
    expect(retryAfterSeconds(10, last, ACCOUNT_THROTTLE, last + 60_000)).toBe(840);
  });
});
