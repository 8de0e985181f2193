import { securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it("works out helmet's headers once: a CSP for a JSON API and /docs, nosniff, no framing, CORP same-site", () => {
    const h = securityHeaders();
    expect(h['content-security-policy'].split(';')).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "script-src 'self'",
      ]),
    );
    expect(h).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'cross-origin-resource-policy': 'same-site',
      'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
    });
    expect(h['x-powered-by']).toBeUndefined();
  });

  it('refuses a malformed policy when the app is built, not on a request', () => {
    expect(() =>
      securityHeaders({
        contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ['self; drop'] } },
      }),
    ).toThrow(/Content-Security-Policy/);
  });
});
