import Fastify from 'fastify';
import { refuseNulInJsonBodies } from './json-body.parser';

describe('refuseNulInJsonBodies', () => {
  const app = Fastify();
  refuseNulInJsonBodies(app);
  app.post('/', async (request) => ({ got: request.body }));
  afterAll(() => app.close());

  const post = (payload: string) =>
    app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload });

  it('refuses a string holding NUL, wherever it is, with a 400 naming where', async () => {
    const refusal = async (payload: string) => {
      const res = await post(payload);
      return [res.statusCode, res.json().message];
    };
    const nul = (where: string) => [400, `${where}: must not contain a NUL character (U+0000)`];
    expect(await refusal('{"title":"Team\\u0000sync"}')).toEqual(nul('title'));
    expect(await refusal('"\\u0000"')).toEqual(nul('body'));
    expect(await refusal('{"a":{"b":["x","\\\\\\u0000"]}}')).toEqual(nul('a.b.1'));
    expect(await refusal('{"ok":"\\\\u0000","k\\u0000":1}')).toEqual(nul('k\u0000'));
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
