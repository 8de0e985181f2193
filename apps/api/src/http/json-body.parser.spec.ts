import Fastify from 'fastify';
import { refuseNulInJsonBodies } from './json-body.parser';

describe('refuseNulInJsonBodies', () => {
  const app = Fastify();
  refuseNulInJsonBodies(app);
  app.post('/', async (request) => ({ got: request.body }));
  afterAll(() => app.close());

  const post = (payload: string) =>
    app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload });

  it('refuses a string holding NUL, wherever it is, with a 400 that says so', async () => {
    for (const payload of ['{"title":"Team\\u0000sync"}', '["\\u0000"]', '{"a":{"b":["x","\\\\\\u0000"]}}']) {
      const res = await post(payload);
      expect([res.statusCode, res.json().message]).toEqual([
        400,
        'the body contains a NUL character (\\u0000), which no field accepts',
      ]);
    }
  });

  it('passes the text "\\u0000" (an escaped backslash) and ordinary JSON through', async () => {
    expect((await post('{"title":"\\\\u0000"}')).json()).toEqual({ got: { title: '\\u0000' } });
    expect((await post('{"title":"Team sync","n":1}')).json()).toEqual({ got: { title: 'Team sync', n: 1 } });
  });

  it('keeps the default parser’s refusals (prototype poisoning, broken JSON)', async () => {
    expect((await post('{"__proto__":{"admin":true}}')).statusCode).toBe(400);
    expect((await post('{"title":')).statusCode).toBe(400);
  });
});
