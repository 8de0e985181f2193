import { requestContext, requestFields, type LoggedRequest } from './request-context';

const request = (url: string): LoggedRequest => ({
  id: 'req-1',
  method: 'GET',
  url,
  headers: { 'user-agent': 'curl/8', authorization: 'Bearer secret-token' },
});

describe('requestFields (what a log line shows of its request)', () => {
  it('keeps the id, method, path and user agent, never the query or a header with a credential', () => {
    const fields = requestFields(request('/v1/events?from=2026-01-01&token=abc'));
    expect(fields).toEqual({
      requestId: 'req-1',
      req: { method: 'GET', url: '/v1/events', userAgent: 'curl/8' },
    });
    expect(JSON.stringify(fields)).not.toContain('secret-token');
  });

  it("replaces a feed's secret token in the path", () => {
    expect(requestFields(request('/feeds/s3cr3t-feed-token/calendar.ics?x=1')).req.url).toBe(
      '/feeds/[redacted]/calendar.ics',
    );
  });
});

describe('requestContext', () => {
  it('holds the request across awaits of the code it runs, and nothing outside it', async () => {
    const seen = await requestContext.run(request('/v1/me'), async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return requestContext.getStore()?.id;
    });
    expect(seen).toBe('req-1');
    expect(requestContext.getStore()).toBeUndefined();
  });
});
