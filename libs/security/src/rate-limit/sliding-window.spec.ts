import { decide, retryAfterMs, slidingWindowEstimate } from './sliding-window';

const W = 60_000;

describe('sliding-window rate limit', () => {
  it('allows up to the limit in a fresh window and refuses the next request', () => {
    const at = 10 * W + 5000;
    for (let n = 1; n <= 5; n++)
      expect(decide({ current: n, previous: 0, limit: 5, windowMs: W, now: at })).toEqual({ allowed: true });
    const refused = decide({ current: 6, previous: 0, limit: 5, windowMs: W, now: at });
    expect(refused.allowed).toBe(false);
    // The current window alone is full: wait for the next one (55 s) plus the decay of this one.
    expect(!refused.allowed && refused.retryAfterMs).toBe(55_000 + Math.ceil(W * (1 - 4 / 6)));
  });

  it('weights the previous window by the part of it still inside the sliding window', () => {
    expect(slidingWindowEstimate({ current: 2, previous: 10, windowMs: W, now: 7 * W + W / 4 })).toBe(
      2 + 7.5,
    );
    // Just after a boundary, the last window still counts almost fully: no double burst.
    expect(decide({ current: 1, previous: 5, limit: 5, windowMs: W, now: 8 * W + 100 }).allowed).toBe(false);
    expect(decide({ current: 1, previous: 5, limit: 5, windowMs: W, now: 8 * W + W / 2 }).allowed).toBe(true);
  });

  it('computes a retry time after which the request is allowed', () => {
    const cases = [
      { current: 1, previous: 5, limit: 5, now: 8 * W + 100 },
      { current: 3, previous: 9, limit: 5, now: 3 * W + 20_000 },
      { current: 7, previous: 0, limit: 5, now: 4 * W + 59_000 },
      { current: 1, previous: 1, limit: 1, now: 2 * W },
    ];
    for (const c of cases) {
      const input = { ...c, windowMs: W };
      const wait = retryAfterMs(input);
      expect(wait).toBeGreaterThan(0);
      const later = c.now + wait;
      const windowsLater = Math.floor(later / W) - Math.floor(c.now / W);
      const next =
        windowsLater === 0
          ? { current: c.current + 1, previous: c.previous }
          : { current: 1, previous: windowsLater === 1 ? c.current : 0 };
      expect(decide({ ...next, limit: c.limit, windowMs: W, now: later }).allowed).toBe(true);
      // …and not a second earlier.
      const early = later - 1000;
      const w2 = Math.floor(early / W) - Math.floor(c.now / W);
      const before =
        w2 === 0
          ? { current: c.current + 1, previous: c.previous }
          : { current: 1, previous: w2 === 1 ? c.current : 0 };
      expect(decide({ ...before, limit: c.limit, windowMs: W, now: early }).allowed).toBe(false);
    }
  });
});
