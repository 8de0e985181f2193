import type { AssistantMessageRequest, AssistantMessageResponseDto } from '@app/assistant';
import type { EventWriteResponseDto, OccurrencePageDto } from '@app/calendar';
import type { AuthSessionResponse, UserResponse } from '@app/identity';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi, TestResponse } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

// OWASP API4:2023 (unrestricted resource consumption): every size and count the API accepts is
// bounded, and the named throttlers (auth per address, API and assistant per user) answer 429 with
// Retry-After in the API's error shape.

const rateLimited = {
  error: {
    code: 'rate_limited',
    message: expect.stringMatching(/retry after \d+ s/),
    requestId: expect.any(String),
  },
};

function expectRetryAfter(res: TestResponse<ApiErrorBody>): void {
  const seconds = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(120);
}

describe('OWASP API4: size and count limits', () => {
  let api: TestApi;
  let alice: TestUser;

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    alice = await registerUser(api);
  });
  afterAll(() => api?.close());

  const expect400Naming = (res: TestResponse<ApiErrorBody>, field: string, message: RegExp) => {
    expect({ field, status: res.status }).toEqual({ field, status: 400 });
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([{ field, message: expect.stringMatching(message) }]),
    );
  };

  it('refuses a JSON body over 1 MiB with 413 and a clear message', async () => {
    const res = await api.request<ApiErrorBody>('/v1/events', {
      method: 'POST',
      token: alice.token,
      json: { title: 'Big', start: '2026-03-12T10:00', description: 'x'.repeat(1024 * 1024 + 1) },
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/too large/i),
    });
  });

  it('refuses a list window over 366 days and a page over 500 items', async () => {
    const base = '/v1/events?from=2026-01-01T00:00:00Z';
    expect400Naming(
      await api.request<ApiErrorBody>(`${base}&to=2027-01-03T00:00:00Z`, { token: alice.token }),
      'to',
      /at most 366 days after from/,
    );
    expect400Naming(
      await api.request<ApiErrorBody>(`${base}&to=2026-02-01T00:00:00Z&limit=501`, { token: alice.token }),
      'limit',
      /500/,
    );
    const ok = await api.request<OccurrencePageDto>(`${base}&to=2027-01-02T00:00:00Z&limit=500`, {
      token: alice.token,
    });
    expect(ok.status).toBe(200);
  });

  it('caps recurrence expansion: sub-daily rules are refused, a daily rule without end is paged', async () => {
    for (const rule of ['FREQ=MINUTELY', 'FREQ=SECONDLY', 'FREQ=HOURLY;COUNT=100000']) {
      const res = await api.request<ApiErrorBody>('/v1/events', {
        method: 'POST',
        token: alice.token,
        json: { title: 'Too often', start: '2026-03-12T10:00', recurrence: rule },
      });
      expect({ rule, status: res.status }).toEqual({ rule, status: 400 });
      expect(res.body.error.message).toContain('recurrence');
    }
    const daily = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: alice.token,
      json: { title: 'Forever daily', start: '2026-01-01T09:00', recurrence: 'FREQ=DAILY' },
    });
    expect(daily.status).toBe(201);
    const page = await api.request<OccurrencePageDto>(
      '/v1/events?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&limit=50',
      {
        token: alice.token,
      },
    );
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(50);
    expect(page.body.nextCursor).toEqual(expect.any(String));
  });

  it('refuses an iCalendar upload over 2 MB (413) and one with over 5000 events (400)', async () => {
    const ics = (events: number, padding = 0) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//owasp-limits//EN',
        ...Array.from({ length: events }, (_, i) => [
          'BEGIN:VEVENT',
          `UID:limit-${i}@example.com`,
          'DTSTAMP:20260101T000000Z',
          'DTSTART:20260301T100000Z',
          'DTEND:20260301T110000Z',
          `SUMMARY:Event ${i}`,
          'END:VEVENT',
        ]).flat(),
        ...(padding ? [`X-PADDING:${'x'.repeat(padding)}`] : []),
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    const upload = (body: string) =>
      api.request<ApiErrorBody>('/v1/events/import', {
        method: 'POST',
        token: alice.token,
        headers: { 'content-type': 'text/calendar' },
        body,
      });
    const huge = await upload(ics(1, 2 * 1024 * 1024));
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/too large/i),
    });
    const many = await upload(ics(5001));
    expect(many.status).toBe(400);
    expect(many.body.error.message).toMatch(/at most 5000/);
    // Nothing of either was imported.
    const list = await api.request<OccurrencePageDto>(
      '/v1/events?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z',
      {
        token: alice.token,
      },
    );
    expect(list.body.items.filter((e: { title: string }) => e.title.startsWith('Event '))).toEqual([]);
  });

  it('refuses assistant text over 1000 characters, naming the field', async () => {
    const res = await api.request<ApiErrorBody>('/v1/assistant/messages', {
      method: 'POST',
      token: alice.token,
      json: { text: 'x'.repeat(1001) } satisfies AssistantMessageRequest,
    });
    expect400Naming(res, 'text', /1000/);
  });
});

describe('OWASP API4: named throttlers on Redis (auth per address, API and assistant per user)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(
      await testConfig({
        RATE_LIMIT_AUTH_PER_MINUTE: '4',
        RATE_LIMIT_USER_PER_MINUTE: '6',
        RATE_LIMIT_ASSISTANT_PER_MINUTE: '3',
        TRUST_PROXY: 'true',
      }),
    );
  });
  afterAll(() => api?.close());

  // A malformed sign-in (400 from validation) still counts: the throttler runs before the body is
  // validated, and it keeps this test independent of the login back-off for unknown accounts.
  const login = (ip: string) =>
    api.request<ApiErrorBody>('/v1/auth/login', {
      method: 'POST',
      headers: { 'x-forwarded-for': ip },
      json: { email: 'not-an-email', password: 'x' },
    });

  it('limits the auth routes per client address: the 5th sign-in attempt in a minute gets 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login('203.0.113.10')).status);
    expect(statuses).toEqual([400, 400, 400, 400]);
    const refused = await login('203.0.113.10');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(rateLimited);
    expect(refused.body.error.message).toMatch(/sign-in/);
    expectRetryAfter(refused);
    // Register and refresh share the budget; another address has its own.
    const register = await api.request<ApiErrorBody>('/v1/auth/register', {
      method: 'POST',
      headers: { 'x-forwarded-for': '203.0.113.10' },
      json: { email: 'late@example.com', password: 'correct horse battery', name: 'L', timeZone: 'UTC' },
    });
    expect(register.status).toBe(429);
    expect((await login('203.0.113.11')).status).toBe(400);
  });

  it('limits the API per user, not per address: a second user on the same address is unaffected', async () => {
    const ip = '203.0.113.20';
    const register = async (n: number) => {
      const res = await api.request<AuthSessionResponse>('/v1/auth/register', {
        method: 'POST',
        headers: { 'x-forwarded-for': `203.0.113.${30 + n}` },
        json: {
          email: `throttled-${n}-${Date.now()}@example.com`,
          password: 'correct horse battery',
          name: 'T',
          timeZone: 'UTC',
        },
      });
      expect(res.status).toBe(201);
      return res.body.accessToken as string;
    };
    const [first, second] = [await register(1), await register(2)];
    const me = <T = UserResponse>(token: string) =>
      api.request<T>('/v1/me', { token, headers: { 'x-forwarded-for': ip } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await me(first)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const refused = await me<ApiErrorBody>(first);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(rateLimited);
    expect(refused.body.error.message).toMatch(/this account/);
    expectRetryAfter(refused);
    // Any route counts against the same budget.
    expect(
      (await api.request<ApiErrorBody>('/v1/events/000000000000000000000000', { token: first })).status,
    ).toBe(429);
    expect((await me(second)).status).toBe(200);
    // Probes and scrapes are never throttled.
    for (let i = 0; i < 8; i++) expect((await api.request('/health/live')).status).toBe(200);
  });

  it('limits assistant messages per user (RATE_LIMIT_ASSISTANT_PER_MINUTE) and counts the refusal', async () => {
    const res = await api.request<AuthSessionResponse>('/v1/auth/register', {
      method: 'POST',
      headers: { 'x-forwarded-for': '203.0.113.40' },
      json: {
        email: `assistant-${Date.now()}@example.com`,
        password: 'correct horse battery',
        name: 'A',
        timeZone: 'UTC',
      },
    });
    const token = res.body.accessToken as string;
    const say = <T = AssistantMessageResponseDto>() =>
      api.request<T>('/v1/assistant/messages', {
        method: 'POST',
        token,
        json: { text: 'hello' } satisfies AssistantMessageRequest,
      });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await say()).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await say<ApiErrorBody>();
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(rateLimited);
    expect(refused.body.error.message).toMatch(/At most 3 assistant messages a minute/);
    expectRetryAfter(refused);
    const metrics = (await api.request('/metrics')).text;
    expect(metrics).toMatch(
      /assistant_requests_total\{interpreter="none",intent="none",outcome="rate_limited"\} [1-9]/,
    );
    expect(metrics).toMatch(/^rate_limit_hits_total [1-9]/m);
  });
});
