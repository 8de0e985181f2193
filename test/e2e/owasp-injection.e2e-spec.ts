import { getConnectionToken } from '@nestjs/mongoose';
import { trusted, type Connection, type Model } from 'mongoose';
import type { EventResponseDto, EventWriteResponseDto, OccurrencePageDto } from '@app/calendar';
import type { AuthSessionResponse } from '@app/identity';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

// NoSQL injection: operator payloads ({"$gt": ""}, $where, $nor, __proto__, constructor) as login
// fields, ids, query parameters and event bodies get a 4xx, never a match, and change nothing. Behind
// the validation, mongoose's sanitizeFilter is on for the connection (libs/database).

const OPERATORS: unknown[] = [
  { $gt: '' },
  { $ne: null },
  { $regex: '.*' },
  { $where: 'sleep(100) || true' },
  { $nor: [{ email: 'nobody@example.com' }] },
  { $in: ['a', 'b'] },
  ['a', 'b'],
];

describe('NoSQL injection: operator payloads are refused and never match', () => {
  let api: TestApi;
  let alice: TestUser;
  let eventId: string;
  let connection: Connection;

  const modelOf = (collection: string): Model<any> => {
    const model = Object.values(connection.models).find((m) => m.collection.collectionName === collection);
    if (!model) throw new Error(`no model for ${collection}`);
    return model;
  };
  /** What a rejected request must not change: counts and the victim's event, byte for byte. */
  const snapshot = async () => ({
    users: await connection.collection('users').countDocuments(),
    events: await connection.collection('events').countDocuments(),
    refreshTokens: await connection.collection('refresh_tokens').countDocuments(),
    event: JSON.stringify(
      await api
        .request<EventResponseDto>(`/v1/events/${eventId}`, { token: alice.token })
        .then((r) => r.body),
    ),
  });

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    connection = api.app.get<Connection>(getConnectionToken());
    alice = await registerUser(api);
    const created = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: alice.token,
      json: { title: 'Injection target', start: '2026-05-04T10:00' },
    });
    eventId = created.body.event.id;
  });
  afterAll(() => api?.close());

  it('login: operator objects as email or password are 400, never a session', async () => {
    const before = await snapshot();
    let tried = 0;
    for (const op of OPERATORS) {
      for (const json of [
        { email: op, password: 'correct horse battery' },
        { email: alice.email, password: op },
        { email: op, password: op },
      ]) {
        const res = await api.request<ApiErrorBody & Partial<AuthSessionResponse>>('/v1/auth/login', {
          method: 'POST',
          json,
        });
        tried++;
        expect({ json, status: res.status }).toEqual({ json, status: 400 });
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.accessToken).toBeUndefined();
      }
    }
    // Operator-looking strings are just strings: no account has that address.
    const asString = await api.request<ApiErrorBody>('/v1/auth/login', {
      method: 'POST',
      json: { email: alice.email, password: '{"$gt": ""}' },
    });
    expect(asString.status).toBe(401);
    expect(await snapshot()).toEqual(before);
    expect(tried).toBe(OPERATORS.length * 3);
  });

  it('ids: operator, prototype and oversized ids in the path are 404 (or 400), never a match or a 5xx', async () => {
    const before = await snapshot();
    const ids = [
      '{"$gt":""}',
      '{"$ne":null}',
      '$where',
      '$nor',
      '__proto__',
      'constructor',
      'prototype',
      `${eventId}' || '1'=='1`,
      `${eventId}%00`,
      'a'.repeat(300),
    ];
    for (const id of ids) {
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const res = await api.request<ApiErrorBody>(`/v1/events/${encodeURIComponent(id)}`, {
          method,
          token: alice.token,
          ...(method === 'PATCH' ? { json: { title: 'hijacked' } } : {}),
        });
        expect({ id, method, status: res.status }).toEqual({ id, method, status: 404 });
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('query parameters: bracketed operators and prototype keys are refused, naming the parameter', async () => {
    const window = 'from=2026-05-01T00:00:00Z&to=2026-05-08T00:00:00Z';
    for (const query of [
      'from[$gt]=&to[$gt]=',
      `${window}&timeZone[$ne]=x`,
      `${window}&limit[$gt]=0`,
      `${window}&__proto__[admin]=true`,
      `${window}&constructor[prototype][admin]=true`,
      `from=${encodeURIComponent('{"$gt":""}')}&to=2026-05-08T00:00:00Z`,
    ]) {
      const res = await api.request<ApiErrorBody>(`/v1/events?${query}`, { token: alice.token });
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.error.code).toBe('validation_failed');
    }
    const ok = await api.request<OccurrencePageDto>(`/v1/events?${window}`, { token: alice.token });
    expect(ok.body.items.map((e: { title: string }) => e.title)).toEqual(['Injection target']);
  });

  it('event bodies: operators, __proto__ and constructor keys are 400 and change nothing', async () => {
    const before = await snapshot();
    const bodies: string[] = [
      JSON.stringify({ title: { $gt: '' }, start: '2026-05-04T10:00' }),
      JSON.stringify({ title: 'x', start: { $where: 'true' } }),
      JSON.stringify({ title: 'x', start: '2026-05-04T10:00', $set: { ownerId: 'x' } }),
      JSON.stringify({ title: 'x', start: '2026-05-04T10:00', $nor: [{ title: 'y' }] }),
      '{"title":"x","start":"2026-05-04T10:00","__proto__":{"ownerId":"000000000000000000000000"}}',
      '{"title":"x","start":"2026-05-04T10:00","constructor":{"prototype":{"isAdmin":true}}}',
    ];
    for (const body of bodies) {
      for (const [method, path] of [
        ['POST', '/v1/events'],
        ['PATCH', `/v1/events/${eventId}`],
      ]) {
        const res = await api.request<ApiErrorBody>(path, {
          method,
          token: alice.token,
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect({ body, method, status: res.status }).toEqual({ body, method, status: 400 });
        expect(res.body.error.message.length).toBeGreaterThan(0);
      }
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });

  // mongoose 8.24.10's sanitizeFilter recurses into $and/$or/$nor (the $nor bypass is fixed) and
  // Query#countDocuments applies it (it casts its conditions through _castConditions): with it on,
  // an operator that slips into a filter is compared literally with $eq, and $where is refused.
  it('the connection sanitizes filters: countDocuments, $nor and $where cannot be abused (mongoose 8.24.10)', async () => {
    expect((await import('mongoose')).version).toBe('8.24.10');
    const users = modelOf('users');
    const everyone = await connection.collection('users').countDocuments();
    expect(everyone).toBeGreaterThan(0);
    // Unsanitized, each of these would count every user; sanitized, the operator object is compared
    // literally ({$eq: {$gt: ''}}), which a string path cannot even be cast to.
    const literal = /Cast to (string|ObjectId) failed for value "\{ '\$(gt|exists|ne|regex)'/;
    await expect(users.countDocuments({ email: { $gt: '' } })).rejects.toThrow(literal);
    await expect(users.countDocuments({ $nor: [{ email: { $exists: false } }] })).rejects.toThrow(literal);
    await expect(users.countDocuments({ $or: [{ _id: { $ne: null } }] })).rejects.toThrow(literal);
    await expect(
      users
        .find({ email: { $regex: '.*' } })
        .lean()
        .exec(),
    ).rejects.toThrow(literal);
    // Control: the same $nor without sanitization (a trusted filter) does count everyone.
    expect(await users.countDocuments(trusted({ $nor: [{ email: trusted({ $exists: false }) }] }))).toBe(
      everyone,
    );
    await expect(users.countDocuments({ $where: 'true' })).rejects.toThrow(/\$where is not allowed/);
    await expect(users.find({ $expr: { $eq: [1, 1] } }).exec()).rejects.toThrow(/\$expr is not allowed/);
    // The application's own range queries still work: they mark their operators as trusted.
    const list = await api.request<OccurrencePageDto>(
      '/v1/events?from=2026-05-01T00:00:00Z&to=2026-05-08T00:00:00Z',
      {
        token: alice.token,
      },
    );
    expect(list.body.items).toHaveLength(1);
  });
});
