import { getConnectionToken } from '@nestjs/mongoose';
import type { EventResponseDto, EventWriteResponseDto } from '@app/calendar';
import type { AuthSessionResponse } from '@app/identity';
import fc from 'fast-check';
import type { Connection } from 'mongoose';
import { createHash } from 'node:crypto';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi, TestResponse } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

/**
 * Property-based bad input (fast-check): thousands of generated malformed and hostile requests
 * against the event, auth, import and assistant endpoints of the real API on the real FerretDB and
 * Redis. Every one must be refused with a 4xx whose JSON error message names the problem (the
 * field, or the line of an iCalendar file), never a 5xx, and must leave the database as it was.
 * Rate limits are off so the generated requests reach validation; the run is seeded from
 * FC_SEED when set (fast-check prints the seed of a failing run).
 */

const RUNS = {
  eventCreate: 400,
  eventPatch: 250,
  eventList: 300,
  register: 200,
  login: 100,
  refresh: 60,
  malformedBody: 120,
  icsImport: 200,
  assistant: 150,
  timeResolve: 150,
} as const;
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const runs = <Ts>(numRuns: number): fc.Parameters<Ts> => ({
  numRuns,
  ...(seed !== undefined ? { seed } : {}),
});

// ── Hostile building blocks ─────────────────────────────────────────────────────────────────────

/** Own `__proto__` / `constructor` keys, as a JSON body carries them (an object literal would not). */
const protoPoison = JSON.parse('{"__proto__": {"isAdmin": true, "ownerId": "x"}}') as object;
const constructorPoison = JSON.parse('{"constructor": {"prototype": {"isAdmin": true}}}') as object;

/** MongoDB operators and prototype keys where a value is expected. */
const operatorObject = fc.constantFrom<unknown>(
  { $gt: '' },
  { $ne: null },
  { $where: 'sleep(1000) || true' },
  { $nor: [{ ownerId: null }] },
  { $regex: '.*', $options: 'si' },
  { $in: ['a', 'b'] },
  { $expr: { $eq: [1, 1] } },
  protoPoison,
  constructorPoison,
  { toString: 'x', valueOf: 1 },
);

const hugeString = fc.constantFrom('x'.repeat(10_001), 'é'.repeat(100_000), 'a'.repeat(300_000));
const nullBytes = fc.constantFrom('\u0000', 'Team\u0000sync', '\u0000$gt', 'a\u0000'.repeat(50));

/** Not a string: numbers out of range, booleans, null, arrays, objects, operators. */
const nonString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 2 ** 53),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  operatorObject,
);

/** Strings that are not times of any accepted shape, or are that shape but no real date. */
const badTime = fc.oneof(
  fc.constantFrom(
    '',
    'yesterday',
    'next tuesday',
    '2026-02-30',
    '2026-02-30T10:00',
    '2026-13-01T10:00',
    '2026-00-10T10:00',
    '2026-01-01T25:00',
    '2026-01-01T10:61',
    '2026-01-32',
    '2026-04-31T00:00:00Z',
    '2026-01-01T10:00:00+25:00',
    '2026-01-01T10:00:00+14:99',
    '0000-00-00T00:00',
    '+275760-09-13T00:00:00Z',
    '99999-01-01T00:00',
    '1e10',
    'NaN',
    '2026-01-01 10:00',
    '2026-01-01T10:00:00.1234567891Z ',
    '\u0000',
    '２０２６-０１-０１',
  ),
  fc.string({ maxLength: 30 }).filter((s) => !/^\d{4}-\d{2}-\d{2}/.test(s)),
  nullBytes,
  hugeString,
  nonString,
);

const badZone = fc.oneof(
  fc.constantFrom(
    '',
    'Mars/Olympus_Mons',
    'Europe/Berlin\u0000',
    '../../etc/passwd',
    'UTC+25',
    'GMT+99',
    'Etc/GMT+15',
    'Europe/',
    '/',
    'Europe/Berlin; DROP TABLE events',
    'America/New York',
  ),
  fc.stringMatching(/^[A-Z][a-z]{2,8}\/[A-Z][a-z]{2,8}x$/),
  nullBytes,
  hugeString,
  nonString,
);

const badRecurrence = fc.oneof(
  fc.constantFrom(
    '',
    'FREQ=SECONDLY',
    'FREQ=DAILY;COUNT=-1',
    'FREQ=DAILY;COUNT=0',
    'FREQ=DAILY;COUNT=1e9',
    'FREQ=DAILY;INTERVAL=0',
    'FREQ=DAILY;INTERVAL=-3',
    'FREQ=WEEKLY;BYDAY=XX',
    'FREQ=WEEKLY;BYDAY=MO,,TU',
    'FREQ=MONTHLY;BYMONTHDAY=32',
    'FREQ=YEARLY;BYMONTH=13',
    'FREQ=DAILY;UNTIL=garbage',
    'FREQ=DAILY;UNTIL=20261301T000000Z',
    'FREQ=DAILY;COUNT=5;UNTIL=20260101T000000Z',
    'RRULE:FREQ=DAILY\nEXDATE:garbage',
    'FREQ=DAILY;BYSETPOS=400',
    'FREQ=HOURLY;BYHOUR=25',
    'FREQ=MINUTELY;BYMINUTE=60',
    'FREQ=DAILY;WKST=XX',
    'FREQ=',
    ';;;',
  ),
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/FREQ=/i.test(s)),
  nullBytes,
  hugeString,
  fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), operatorObject),
);

const badEmail = fc.oneof(
  fc.constantFrom('', 'not-an-email', '@example.com', 'a@', 'a@b', 'a b@example.com', 'a@@example.com'),
  fc.string({ maxLength: 30 }).filter((s) => !s.includes('@')),
  nullBytes,
  hugeString,
  nonString,
);

/** For each event field, values it must refuse. */
const badEventField: Record<string, fc.Arbitrary<unknown>> = {
  title: fc.oneof(
    fc.constantFrom('', '   ', '\t\n'),
    fc.string({ minLength: 201, maxLength: 400 }).filter((s) => s.trim().length > 200),
    hugeString,
    nonString,
  ),
  description: fc.oneof(
    hugeString,
    nonString.filter((v) => v !== null),
  ),
  location: fc.oneof(
    fc.constant('l'.repeat(501)),
    hugeString,
    nonString.filter((v) => v !== null),
  ),
  start: badTime,
  end: badTime,
  timeZone: badZone,
  recurrence: badRecurrence,
  allDay: fc.oneof(fc.constantFrom('true', 'false', 0, 1, 'yes', ''), fc.constant(null), operatorObject),
  transparency: fc.oneof(fc.constantFrom('OPAQUE', 'busy', '', 'free'), nonString),
  attendees: fc.oneof(
    fc.array(badEmail, { minLength: 1, maxLength: 3 }),
    fc.constant(Array.from({ length: 201 }, (_, i) => `a${i}@example.com`)),
    fc.oneof(fc.string(), fc.integer(), fc.constant(null), operatorObject),
  ),
  reminders: fc.oneof(
    fc.array(fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 40_321 })), { minLength: 1, maxLength: 3 }),
    fc.array(fc.double({ min: 0.1, max: 0.9, noNaN: true }), { minLength: 1, maxLength: 3 }),
    fc.constant(Array.from({ length: 6 }, () => 5)),
    fc.array(fc.oneof(fc.string(), fc.constant(null), operatorObject), { minLength: 1, maxLength: 3 }),
    fc.oneof(fc.string(), fc.integer(), fc.constant(null), operatorObject),
  ),
  exdates: fc.oneof(
    fc.array(badTime, { minLength: 1, maxLength: 3 }),
    fc.oneof(fc.string(), fc.integer(), fc.constant(null), operatorObject),
  ),
};

/** Keys a body may never set (mass assignment), operators and prototype keys. */
const forbiddenKey = fc.constantFrom(
  'ownerId',
  '_id',
  'id',
  'createdAt',
  'updatedAt',
  'version',
  'deletedAt',
  'roles',
  'isAdmin',
  'passwordHash',
  '$where',
  '$gt',
  '$nor',
  'constructor',
  'prototype',
  'a.b',
);

const validEvent = {
  title: 'Bad input base',
  start: '2026-05-04T09:00',
  end: '2026-05-04T10:00',
  timeZone: 'Europe/Berlin',
};

interface BadBody {
  /** What the message must mention (a field or key name), when there is one to name. */
  names?: string;
  body: unknown;
}

/** A valid event with exactly one thing wrong: a bad field value, a forbidden key, or no object at all. */
const badEventBody = (base: Record<string, unknown>): fc.Arbitrary<BadBody> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(...Object.keys(badEventField))
        .chain((field) =>
          badEventField[field].map((value) => ({ names: field, body: { ...base, [field]: value } })),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(forbiddenKey, fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), operatorObject))
        .map(([key, value]) => ({ names: key, body: { ...base, [key]: value } })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<BadBody>(
        { body: { ...base, ...protoPoison } },
        { body: { ...base, ...constructorPoison } },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constant(null),
          fc.integer(),
          fc.string({ maxLength: 20 }),
          fc.array(fc.jsonValue(), { maxLength: 3 }),
        )
        .map((body) => ({ body })),
    },
  );

// ── The harness ─────────────────────────────────────────────────────────────────────────────────

describe('bad and hostile input (property-based, fast-check)', () => {
  let api: TestApi;
  let db: Connection;
  let alice: TestUser;
  let importer: TestUser;
  let talkers: TestUser[];
  let aliceEventId: string;
  let sent = 0;

  beforeAll(async () => {
    api = await startTestApi(
      await testConfig({
        RATE_LIMIT_PER_MINUTE: '0',
        RATE_LIMIT_AUTH_PER_MINUTE: '0',
        RATE_LIMIT_USER_PER_MINUTE: '0',
        RATE_LIMIT_ASSISTANT_PER_MINUTE: '0',
      }),
    );
    db = api.app.get<Connection>(getConnectionToken());
    alice = await registerUser(api, { timeZone: 'Europe/Berlin' });
    importer = await registerUser(api, { timeZone: 'America/New_York' });
    talkers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => registerUser(api)));
    const created = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: alice.token,
      json: validEvent,
    });
    expect(created.status).toBe(201);
    aliceEventId = created.body.event.id;
    const series = await api.request('/v1/events', {
      method: 'POST',
      token: alice.token,
      json: { ...validEvent, title: 'Weekly', recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=20' },
    });
    expect(series.status).toBe(201);
  });
  afterAll(async () => {
    process.stdout.write(`bad-input: ${sent} generated requests sent\n`);
    await api?.close();
  });

  /** Every collection a request could change (the audit log, written on purpose, aside). */
  async function snapshot(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of ['events', 'users', 'refresh_tokens', 'changesets', 'feeds', 'webhooks']) {
      const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
      out[name] = `${docs.length}:${createHash('sha256').update(JSON.stringify(docs)).digest('hex')}`;
    }
    return out;
  }

  /** Sends a request; `T` is the body the caller reads (`ApiErrorBody`, a refusal, unless named). */
  async function send<T = ApiErrorBody>(
    method: string,
    path: string,
    opts: { token?: string; json?: unknown; body?: string; contentType?: string } = {},
  ): Promise<TestResponse<T>> {
    sent++;
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = 'application/json';
    }
    if (opts.body !== undefined) body = opts.body;
    if (opts.contentType) headers['content-type'] = opts.contentType;
    return api.request<T>(path, { method, token: opts.token, headers, body });
  }

  /** A refusal: a 4xx with an `{error: {code, message}}` body whose message names `names`, when given. */
  function expectRefusal(res: TestResponse<unknown>, names?: string): void {
    const context = `${res.status} ${res.text.slice(0, 300)}`;
    if (res.status < 400 || res.status >= 500) throw new Error(`expected a 4xx, got ${context}`);
    const message: unknown = (res.body as ApiErrorBody | undefined)?.error?.message;
    if (typeof message !== 'string' || message.trim() === '')
      throw new Error(`a refusal without an error message: ${context}`);
    if (typeof (res.body as ApiErrorBody).error.code !== 'string')
      throw new Error(`a refusal without an error code: ${context}`);
    if (names && !message.includes(names))
      throw new Error(`the message does not name "${names}": ${context}`);
    if (/\bat .+\(.+:\d+:\d+\)|node_modules|MongoServerError|Cast to/.test(res.text))
      throw new Error(`internals leak into the refusal: ${context}`);
  }

  /**
   * Sends a JSON body that must be refused. A body with a `__proto__` or `constructor.prototype`
   * key anywhere is refused whole by the JSON parser, which then names that instead of a field.
   */
  async function expectRefused<T = ApiErrorBody>(
    method: string,
    path: string,
    token: string | undefined,
    json: unknown,
    names?: string,
  ) {
    const text = JSON.stringify(json) ?? '';
    // As a key only: "__proto__" as a field's value is a bad value like any other, named by its field.
    const poisoned = text.includes('"__proto__":')
      ? '__proto__'
      : /"constructor":\{"prototype"/.test(text)
        ? 'constructor.prototype'
        : undefined;
    const res = await send<T>(method, path, { token, json });
    expectRefusal(res, poisoned ?? names);
    return res;
  }

  /** No 5xx; when refused, a proper refusal (and the caller checks the database). */
  function expectNoServerError(res: TestResponse<unknown>): void {
    if (res.status >= 500) throw new Error(`server error ${res.status}: ${res.text.slice(0, 300)}`);
    if (res.status >= 400) expectRefusal(res);
  }

  /** Runs a property whose every request must be refused, then checks nothing changed. */
  async function refusedBatch<Ts extends [unknown, ...unknown[]]>(
    numRuns: number,
    property: fc.IAsyncProperty<Ts>,
  ): Promise<void> {
    const before = await snapshot();
    await fc.assert(property, runs(numRuns));
    expect(await snapshot()).toEqual(before);
  }

  // ── events ──────────────────────────────────────────────────────────────────────────────────

  it(`POST /v1/events refuses bad fields, forbidden keys and operators (${RUNS.eventCreate} generated requests)`, async () => {
    await refusedBatch(
      RUNS.eventCreate,
      fc.asyncProperty(badEventBody(validEvent), async ({ body, names }) => {
        await expectRefused('POST', '/v1/events', alice.token, body, names);
      }),
    );
  });

  it(`PATCH /v1/events/:id refuses bad fields, bad ids and bad scopes (${RUNS.eventPatch} generated requests)`, async () => {
    const badId = fc.oneof(
      fc.constantFrom('$gt', '%24where', '000000000000000000000000', 'null', 'undefined', '..%2F..', '%00'),
      fc.stringMatching(/^[0-9a-f]{24}$/),
      fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
      fc.constant('x'.repeat(2000)),
    );
    const badScope = fc.oneof(
      fc.constantFrom('scope=sometimes', 'scope=this', 'scope=thisAndFollowing&occurrenceStart=tomorrow'),
      fc.constantFrom(
        'scope[$ne]=all',
        'timeZone=Mars%2FBase',
        'occurrenceStart=2026-02-30T10:00:00Z&scope=this',
      ),
    );
    const request = fc.oneof(
      {
        weight: 3,
        arbitrary: badEventBody({ title: 'patched' })
          // On PATCH (not POST), `reminders: null` is valid: back to the calendar's defaultReminders.
          .filter((b) => !(b.names === 'reminders' && (b.body as { reminders?: unknown }).reminders === null))
          .map((b) => ({ ...b, id: aliceEventId, query: '' })),
      },
      {
        weight: 1,
        arbitrary: badId.map((id) => ({ id, query: '', body: { title: 'x' } as unknown, names: undefined })),
      },
      {
        weight: 1,
        arbitrary: badScope.map((query) => ({
          id: aliceEventId,
          query,
          body: { title: 'x' } as unknown,
          names: undefined,
        })),
      },
      {
        weight: 1,
        arbitrary: fc.constant({ id: aliceEventId, query: '', body: {} as unknown, names: undefined }),
      },
    );
    await refusedBatch(
      RUNS.eventPatch,
      fc.asyncProperty(request, async ({ id, query, body, names }) => {
        const path = `/v1/events/${id}${query ? `?${query}` : ''}`;
        await expectRefused('PATCH', path, alice.token, body, names);
      }),
    );
  });

  it(`GET /v1/events refuses bad windows, limits, cursors and zones (${RUNS.eventList} generated requests)`, async () => {
    const valid = { from: '2026-05-04T00:00:00Z', to: '2026-05-11T00:00:00Z' };
    // Query values stay under the URL size Node accepts (16 KB of headers); one oversized URL below.
    const badQueryTime = badTime.filter((v): v is string => typeof v === 'string' && v.length < 4000);
    const badParam: Record<string, fc.Arbitrary<string>> = {
      from: fc.oneof(badQueryTime, fc.constant('2026-05-11T00:00:01Z')),
      to: fc.oneof(
        badQueryTime,
        fc.constantFrom(
          '2026-05-03T00:00:00Z',
          '2026-05-04T00:00:00Z',
          '2027-06-01T00:00:00Z',
          '9999-12-31T23:59:59Z',
        ),
      ),
      limit: fc.oneof(
        fc.constantFrom('0', '-1', '501', '1e309', 'abc', '1.5', '', 'NaN', 'Infinity'),
        fc.integer({ min: 501 }).map(String),
        fc.integer({ max: 0 }).map(String),
      ),
      cursor: fc.oneof(
        fc.string({ minLength: 1, maxLength: 120 }),
        fc.constant('c'.repeat(201)),
        fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')),
        fc.constantFrom(
          Buffer.from('{"$gt":""}').toString('base64url'),
          Buffer.from('{"__proto__":{"x":1}}').toString('base64url'),
          Buffer.from('[1e400,"a"]').toString('base64url'),
        ),
      ),
      timeZone: badZone.filter((v): v is string => typeof v === 'string' && v.length < 5000),
    };
    const request = fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .constantFrom(...Object.keys(badParam))
          .chain((name) => badParam[name].map((value) => ({ name, params: { ...valid, [name]: value } }))),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          { name: 'from', params: { to: valid.to } },
          { name: 'to', params: { from: valid.from } },
        ),
      },
    );
    await refusedBatch(
      RUNS.eventList,
      fc.asyncProperty(request, async ({ name, params }) => {
        const qs = new URLSearchParams(params as Record<string, string>).toString();
        expectRefusal(await send('GET', `/v1/events?${qs}`, { token: alice.token }), name);
      }),
    );
    // An oversized URL is refused by the HTTP server itself (431), before any route runs.
    const huge = await send('GET', `/v1/events?from=${'9'.repeat(20_000)}&to=${valid.to}`, {
      token: alice.token,
    });
    expect(huge.status).toBe(431);
    // Repeated and bracketed parameters are refused too.
    for (const qs of [
      `from=${valid.from}&from=${valid.from}&to=${valid.to}`,
      `from[$gt]=&to=${valid.to}`,
      `from=${valid.from}&to=${valid.to}&limit=1&limit=2`,
    ])
      expectRefusal(await send('GET', `/v1/events?${qs}`, { token: alice.token }));
  });

  it(`refuses malformed bodies: broken JSON, wrong content types, oversized (${RUNS.malformedBody} generated requests)`, async () => {
    const raw = fc.oneof(
      fc.string({ maxLength: 200 }).filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      }),
      fc.constantFrom(
        '{"title": "a",}',
        '{"title": "a"',
        "{'title': 'a'}",
        '{"title": NaN}',
        '\u0000{}',
        '{"a":1}{"b":2}',
      ),
      fc.constant(`{"title":"${'x'.repeat(1_100_000)}","start":"2026-05-04T09:00"}`),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
    );
    const route = fc.constantFrom(
      ['POST', '/v1/events'],
      ['PATCH', '/v1/events/:id'],
      ['POST', '/v1/auth/register'],
      ['POST', '/v1/auth/login'],
      ['POST', '/v1/assistant/messages'],
      ['POST', '/v1/time/resolve'],
    );
    await refusedBatch(
      RUNS.malformedBody,
      fc.asyncProperty(route, raw, contentType, async ([method, path], body, type) => {
        const res = await send(method, path.replace(':id', aliceEventId), {
          token: alice.token,
          body,
          contentType: type,
        });
        expectRefusal(res);
      }),
    );
  });

  // ── auth ────────────────────────────────────────────────────────────────────────────────────

  it(`POST /v1/auth/register refuses bad fields, mass assignment and operators (${RUNS.register} generated requests)`, async () => {
    const base = {
      email: 'bad-input@example.com',
      password: 'correct horse battery',
      name: 'B',
      timeZone: 'UTC',
    };
    const badField: Record<string, fc.Arbitrary<unknown>> = {
      email: badEmail,
      password: fc.oneof(
        fc.string({ maxLength: 7 }),
        fc.constant('p'.repeat(100_000)),
        nonString,
        operatorObject,
      ),
      name: fc.oneof(fc.constantFrom(''), hugeString, nonString),
      timeZone: badZone,
    };
    const body = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .constantFrom(...Object.keys(badField))
          .chain((f) => badField[f].map((v) => ({ names: f, body: { ...base, [f]: v } as unknown }))),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(forbiddenKey, fc.oneof(fc.constant(['admin']), fc.constant(true), operatorObject))
          .map(([k, v]) => ({ names: k, body: { ...base, [k]: v } as unknown })),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom<unknown>(null, [], 'x', 42, { ...base, ...protoPoison })
          .map((b) => ({ names: undefined as string | undefined, body: b })),
      },
    );
    await refusedBatch(
      RUNS.register,
      fc.asyncProperty(body, async ({ body, names }) => {
        await expectRefused('POST', '/v1/auth/register', undefined, body, names);
      }),
    );
  });

  it(`POST /v1/auth/login refuses malformed credentials and operator payloads (${RUNS.login} generated requests)`, async () => {
    const body = fc.oneof(
      badEmail.map((email) => ({ names: 'email', body: { email, password: 'whatever-it-is' } as unknown })),
      fc
        .oneof(fc.constant(''), fc.constant('p'.repeat(129)), nonString, operatorObject)
        .map((password) => ({ names: 'password', body: { email: alice.email, password } as unknown })),
      operatorObject.map((op) => ({
        names: undefined as string | undefined,
        body: { email: op, password: op },
      })),
      forbiddenKey.map((k) => ({ names: k, body: { email: alice.email, password: 'x', [k]: 1 } })),
    );
    await refusedBatch(
      RUNS.login,
      fc.asyncProperty(body, async ({ body, names }) => {
        const res = await expectRefused<AuthSessionResponse | undefined>(
          'POST',
          '/v1/auth/login',
          undefined,
          body,
          names,
        );
        // A malformed login is a 400 about its shape, never a session.
        expect(res.body?.accessToken).toBeUndefined();
      }),
    );
  });

  it(`POST /v1/auth/refresh refuses bad and forged refresh tokens (${RUNS.refresh} generated requests)`, async () => {
    const token = fc.oneof(
      fc.string({ minLength: 1, maxLength: 100 }),
      fc.constant('r'.repeat(513)),
      fc.constant(''),
      nonString,
      fc.constant(alice.refreshToken.slice(0, -2) + 'xx'),
      fc.constant(`${alice.refreshToken}\u0000`),
    );
    await refusedBatch(
      RUNS.refresh,
      fc.asyncProperty(token, async (refreshToken) => {
        const res = await send('POST', '/v1/auth/refresh', { json: { refreshToken } });
        expectRefusal(res);
        expect([400, 401, 429]).toContain(res.status);
      }),
    );
  });

  // ── iCalendar import ───────────────────────────────────────────────────────────────────────

  it(`POST /v1/events/import: broken files are refused whole, naming the line or UID (${RUNS.icsImport} generated requests)`, async () => {
    const vevent = (uid: string, extra: string[] = []) => [
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20260101T000000Z',
      'DTSTART;TZID=Europe/Berlin:20260504T090000',
      'DTEND;TZID=Europe/Berlin:20260504T100000',
      'SUMMARY:Imported',
      ...extra,
      'END:VEVENT',
    ];
    const calendar = (events: string[][]) => [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//bad-input//EN',
      ...events.flat(),
      'END:VCALENDAR',
    ];
    const badLine = fc.constantFrom(
      'DTSTART;TZID=Mars/Olympus:20260504T090000',
      'DTSTART;TZID=Europe/Berlin:20260230T090000',
      'DTSTART:garbage',
      'DTSTART:2026',
      'DTEND:20260504T',
      'RRULE:FREQ=SECONDLY;INTERVAL=0',
      'RRULE:FREQ=WEEKLY;BYDAY=XX',
      'RRULE:FREQ=DAILY;UNTIL=garbage',
      'RRULE:FREQ=DAILY;COUNT=-5',
      'RRULE:garbage',
      'EXDATE:notadate',
      'RECURRENCE-ID:garbage',
      'DURATION:P-garbage',
      `SUMMARY:${'s'.repeat(300_000)}`,
      `DESCRIPTION:${'d'.repeat(1_000_000)}`,
      'ATTENDEE:not-an-email',
      'UID:',
      'UID:{"$gt":""}',
      'SUMMARY:\u0000',
      'BEGIN:VALARM',
      'END:VCALENDAR',
      'no colon at all',
      ':',
    );
    const broken = fc.oneof(
      // a valid file cut short somewhere inside
      fc.integer({ min: 1, max: 200 }).map((cut) => {
        const text = calendar([vevent('cut-1'), vevent('cut-2')]).join('\r\n');
        return { text: text.slice(0, Math.max(1, Math.floor((text.length * cut) / 210))), mustRefuse: true };
      }),
      // one bad line in the second of two events: nothing of the first may be imported either
      fc.tuple(badLine, fc.nat(5)).map(([line, at]) => {
        const second = vevent('bad-2');
        second.splice(1 + Math.min(at, second.length - 2), 0, line);
        return { text: calendar([vevent('ok-1'), second]).join('\r\n'), mustRefuse: false };
      }),
      // garbage, binary, JSON and operator objects sent as text/calendar
      fc
        .oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
          fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
          fc.constantFrom('{"$where":"1"}', 'BEGIN:VCALENDAR', 'END:VCALENDAR', '\u0000'.repeat(1000)),
        )
        .map((text) => ({ text, mustRefuse: true })),
      // lines of random bytes between valid ones
      fc.array(fc.string({ minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 5 }).map((lines) => {
        const v = vevent('noise-1');
        v.splice(3, 0, ...lines.map((l) => l.replace(/[\r\n]/g, ' ')));
        return { text: calendar([v]).join('\r\n'), mustRefuse: false };
      }),
      // too large (the import limit is 2 MB)
      fc.constant({
        text: calendar([vevent('big', [`DESCRIPTION:${'b'.repeat(2_200_000)}`])]).join('\r\n'),
        mustRefuse: true,
      }),
    );
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(broken, async ({ text, mustRefuse }) => {
        const before = await snapshot();
        const res = await send('POST', '/v1/events/import', {
          token: importer.token,
          body: text,
          contentType: 'text/calendar',
        });
        if (mustRefuse) expectRefusal(res);
        else expectNoServerError(res);
        if (res.status >= 400) {
          refused++;
          const message = String(res.body.error.message);
          if (
            res.status === 400 &&
            text.includes('BEGIN:VEVENT') &&
            !/line \d+|UID|VCALENDAR|VEVENT|calendar/i.test(message)
          )
            throw new Error(`an import refusal that names neither line nor UID: ${message}`);
          expect(await snapshot()).toEqual(before);
        }
      }),
      runs(RUNS.icsImport),
    );
    expect(refused).toBeGreaterThan(RUNS.icsImport / 2);
  });

  // ── assistant ───────────────────────────────────────────────────────────────────────────────

  it(`POST /v1/assistant/messages: bad bodies refused, hostile text never a 5xx (${RUNS.assistant} generated requests)`, async () => {
    const badBody = fc.oneof(
      fc
        .oneof(fc.constantFrom('', '   '), fc.constant('m'.repeat(1001)), hugeString, nonString)
        .map((text) => ({
          body: { text } as unknown,
          names: 'text',
        })),
      forbiddenKey.map((k) => ({ body: { text: 'what is on tomorrow', [k]: 1 } as unknown, names: k })),
      fc.constantFrom<unknown>(null, [], {}, 'list my week').map((body) => ({ body, names: undefined })),
    );
    const half = Math.floor(RUNS.assistant / 2);
    await refusedBatch(
      half,
      fc.asyncProperty(badBody, async ({ body, names }) => {
        await expectRefused('POST', '/v1/assistant/messages', alice.token, body, names);
      }),
    );

    // Valid but hostile text goes through the interpreter: answered or refused, never a 5xx, and a
    // refusal changes nothing. Spread over users (30 messages a minute each).
    const hostileText = fc
      .oneof(
        fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }),
        fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
        fc.constantFrom(
          'cancel {"$gt":""}',
          'move $where to tomorrow',
          'delete everything where ownerId != me',
          'list __proto__ constructor prototype',
          'move my 3pm to 31 February at 25:99',
          'what is on 9999-99-99 in Mars/Olympus',
          'cancel my meeting\u0000 and all others',
          'schedule lunch every 0 days forever',
          '"); db.events.drop(); //',
          '{{7*7}} ${7*7} <script>alert(1)</script>',
        ),
      )
      .filter((t) => t.trim().length > 0 && t.trim().length <= 1000);
    let i = 0;
    await fc.assert(
      fc.asyncProperty(hostileText, async (text) => {
        const user = talkers[i++ % talkers.length];
        const before = await snapshot();
        const res = await send('POST', '/v1/assistant/messages', { token: user.token, json: { text } });
        expectNoServerError(res);
        if (res.status >= 400) expect(await snapshot()).toEqual(before);
      }),
      runs(RUNS.assistant - half),
    );
  });

  it(`POST /v1/time/resolve: bad bodies refused, hostile phrases never a 5xx (${RUNS.timeResolve} generated requests)`, async () => {
    const body = fc.oneof(
      fc.oneof(fc.constantFrom('', ' '), fc.constant('t'.repeat(401)), hugeString, nonString).map((text) => ({
        body: { text } as unknown,
        names: 'text' as string | undefined,
        mustRefuse: true,
      })),
      badZone.map((timeZone) => ({
        body: { text: 'tomorrow at 3', timeZone } as unknown,
        names: 'timeZone',
        mustRefuse: true,
      })),
      forbiddenKey.map((k) => ({
        body: { text: 'tomorrow', [k]: 1 } as unknown,
        names: k,
        mustRefuse: true,
      })),
      fc
        .oneof(
          fc.string({ minLength: 1, maxLength: 120, unit: 'grapheme' }),
          fc.constantFrom(
            '31 February at 25:00',
            'the 0th Monday of every month',
            'every -1 weeks',
            'in 99999999999 years',
            'yesterday at 2:30 in the DST gap',
            '9999-12-31T23:59:59Z plus one day',
            '\u0000tomorrow',
          ),
        )
        .filter((t) => t.trim().length > 0 && t.trim().length <= 400)
        .map((text) => ({ body: { text } as unknown, names: undefined, mustRefuse: false })),
    );
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(body, async ({ body, names, mustRefuse }) => {
        if (mustRefuse) await expectRefused('POST', '/v1/time/resolve', alice.token, body, names);
        else expectNoServerError(await send('POST', '/v1/time/resolve', { token: alice.token, json: body }));
      }),
      runs(RUNS.timeResolve),
    );
    // Resolving a phrase never writes anything.
    expect(await snapshot()).toEqual(before);
  });

  it('still serves the users it was attacked with afterwards', async () => {
    const res = await api.request<EventResponseDto>(`/v1/events/${aliceEventId}`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.title).toBe(validEvent.title);
    expect(sent).toBeGreaterThan(1500);
  });
});
