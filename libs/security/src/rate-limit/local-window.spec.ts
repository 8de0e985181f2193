import { LocalWindowCounter } from './local-window';

const W = 60_000;

describe('LocalWindowCounter (the per-instance fallback while Redis is down)', () => {
  it('counts per key and fixed window, carrying the last window as `previous`', () => {
    const c = new LocalWindowCounter();
    const t = 100 * W + 1000;
    expect(c.hit('a', W, t)).toEqual({ current: 1, previous: 0 });
    expect(c.hit('a', W, t + 10)).toEqual({ current: 2, previous: 0 });
    expect(c.hit('b', W, t + 20)).toEqual({ current: 1, previous: 0 });
    // Next window: this one's count becomes `previous`.
    expect(c.hit('a', W, t + W)).toEqual({ current: 1, previous: 2 });
    // Two windows later nothing carries over.
    expect(c.hit('b', W, t + 2 * W)).toEqual({ current: 1, previous: 0 });
  });

  it('stays bounded: stale keys are dropped when the table is full', () => {
    const c = new LocalWindowCounter();
    const t = 200 * W;
    for (let i = 0; i < 50_000; i++) c.hit(`old-${i}`, W, t);
    expect(c.size).toBe(50_000);
    c.hit('new', W, t + 3 * W);
    expect(c.size).toBe(1);
    expect(c.hit('new', W, t + 3 * W)).toEqual({ current: 2, previous: 0 });
  });
});
