import Fastify from 'fastify';
import { InFlightRequests } from './in-flight';

describe('InFlightRequests', () => {
  it('counts a request from its arrival until it is answered, errors and refusals included', async () => {
    const app = Fastify();
    const inFlight = new InFlightRequests();
    inFlight.attach(app);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    app.get('/slow', async () => {
      await gate;
      return { ok: true };
    });
    app.get('/fails', async () => {
      throw new Error('boom');
    });
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/refused') return reply.code(503).send({ refused: true });
    });

    const slow = app.inject('/slow');
    await new Promise((r) => setTimeout(r, 20));
    expect(inFlight.size).toBe(1);
    expect((await app.inject('/fails')).statusCode).toBe(500);
    expect((await app.inject('/refused')).statusCode).toBe(503);
    expect((await app.inject('/nowhere')).statusCode).toBe(404);
    expect(inFlight.size).toBe(1); // only the slow one is still running

    let drained = false;
    const waiting = inFlight.drained(5000).then((d) => (drained = d));
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    release();
    expect((await slow).json()).toEqual({ ok: true });
    expect(await waiting).toBe(true);
    expect(inFlight.size).toBe(0);
    await app.close();
  });

  it('gives up waiting after the timeout and says so', async () => {
    const app = Fastify();
    const inFlight = new InFlightRequests();
    inFlight.attach(app);
    app.get('/stuck', () => new Promise(() => undefined));
    void app.inject('/stuck');
    await new Promise((r) => setTimeout(r, 20));
    expect(await inFlight.drained(50)).toBe(false);
    expect(inFlight.size).toBe(1);
    expect(await new InFlightRequests().drained(50)).toBe(true); // none: at once
    await app.close();
  });
});
