import { hostileQueryKey } from './security-http.hooks';

describe('hostileQueryKey (query-string injection attempts)', () => {
  it.each([
    ['/v1/events?from[$gt]=', 'from[$gt]'],
    ['/v1/events?from=2026-01-01T00:00:00Z&timeZone[$ne]=x', 'timeZone[$ne]'],
    ['/v1/events?$where=1', '$where'],
    ['/v1/events?__proto__[admin]=true', '__proto__[admin]'],
    ['/v1/events?__proto__=x', '__proto__'],
    ['/v1/events?constructor.prototype.admin=1', 'constructor.prototype.admin'],
    ['/v1/events?a.$gt=1', 'a.$gt'],
    ['/v1/events?limit%5B%24gt%5D=0', 'limit[$gt]'],
    // Only percent-decoding reveals these: the no-parse fast path must not let them through.
    ['/v1/events?%5F%5Fproto%5F%5F=x', '__proto__'],
    ['/v1/events?from=1&constructor=x', 'constructor'],
  ])('refuses %s (naming %s)', (url, key) => {
    expect(hostileQueryKey(url)).toBe(key);
  });

  it.each([
    '/v1/events',
    '/v1/events?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00%2B02:00&limit=10',
    '/v1/events/sync?syncToken=abc.def-ghi_',
    '/v1/events?q=%24100%20dinner',
    '/v1/events?from=2026-06-01T00:00:00.000Z&to=2026-06-08T00:00:00.000Z&limit=100',
    '/v1/events?page_size=10&cursor=a_b',
  ])('lets %s through', (url) => {
    expect(hostileQueryKey(url)).toBeUndefined();
  });
});
