import type { FastifyInstance, FastifyRequest } from 'fastify';

const COUNTED = Symbol('counted in flight');
type Tracked = FastifyRequest & { [COUNTED]?: boolean };

/**
 * Requests the server has taken and not yet answered — also those whose client has hung up, whose
 * handlers still run. Shutdown waits for them before closing MongoDB and Redis, so no handler has
 * its database closed under it (a 500 and a half-done write, logged to nobody).
 */
export class InFlightRequests {
  private count = 0;
  private waiters: (() => void)[] = [];

  /** Counts from the first onRequest hook to the moment the answer is handed over (onSend). */
  attach(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request: Tracked, _reply, done) => {
      request[COUNTED] = true;
      this.count++;
      done();
    });
    fastify.addHook('onSend', (request: Tracked, _reply, payload, done) => {
      this.finish(request);
      done(null, payload);
    });
    // A safety net for any answer that skips onSend.
    fastify.addHook('onResponse', (request: Tracked, _reply, done) => {
      this.finish(request);
      done();
    });
  }

  get size(): number {
    return this.count;
  }

  /** Resolves true once none are in flight, or false when `timeoutMs` passes first. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(done);
    });
  }

  private finish(request: Tracked): void {
    if (!request[COUNTED]) return;
    request[COUNTED] = false;
    if (--this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }
}
