import type { AuthUserRecord } from '../users/user.types';
import { DEFAULT_WORKING_HOURS } from '../users/working-hours';
import { AUTH_USER_CACHE_MS, AuthUserCache } from './auth-user.cache';

const record = (id: string, sessionEpoch = 0): AuthUserRecord => ({
  user: {
    id,
    email: `${id}@example.test`,
    name: id,
    timeZone: 'Europe/Berlin',
    workingHours: DEFAULT_WORKING_HOURS,
    role: 'user',
  },
  sessionEpoch,
});

describe('AuthUserCache', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-27T09:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('reuses a caller for AUTH_USER_CACHE_MS and no longer, so another replica’s logout holds within that bound', () => {
    const cache = new AuthUserCache();
    cache.set('alice', record('alice', 3));
    jest.advanceTimersByTime(AUTH_USER_CACHE_MS - 1);
    expect(cache.get('alice')).toEqual(record('alice', 3));
    jest.advanceTimersByTime(1);
    expect(cache.get('alice')).toBeUndefined();
    expect(cache.size).toBe(0); // an expired entry is dropped when met, not kept
  });

  it('forgets one caller at once (a change made through this process) and leaves the others', () => {
    const cache = new AuthUserCache();
    cache.set('alice', record('alice'));
    cache.set('bob', record('bob'));
    cache.forget('alice');
    expect(cache.get('alice')).toBeUndefined();
    expect(cache.get('bob')?.user.id).toBe('bob');
  });

  it('a fresh read replaces the entry and restarts its clock', () => {
    const cache = new AuthUserCache();
    cache.set('alice', record('alice', 0));
    jest.advanceTimersByTime(AUTH_USER_CACHE_MS - 10);
    cache.set('alice', record('alice', 1));
    jest.advanceTimersByTime(AUTH_USER_CACHE_MS - 10);
    expect(cache.get('alice')?.sessionEpoch).toBe(1);
  });

  it('stays bounded under many distinct callers: the oldest make room, the newest stay', () => {
    const cache = new AuthUserCache();
    for (let i = 0; i < 10_050; i++) cache.set(`u${i}`, record(`u${i}`));
    expect(cache.size).toBe(10_000);
    expect(cache.get('u0')).toBeUndefined();
    expect(cache.get('u49')).toBeUndefined();
    expect(cache.get('u50')?.user.id).toBe('u50');
    expect(cache.get('u10049')?.user.id).toBe('u10049');
  });
});
