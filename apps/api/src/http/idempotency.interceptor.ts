import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { InProgressError, UnprocessableError, ValidationError } from '@app/common';
import { IdempotencyStore } from '@app/cache';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';

const HEADER = 'idempotency-key';
const MAX_KEY_LENGTH = 200;
/** A retry that finds the first request still running waits this long for its answer, then gets 409. */
const WAIT_FOR_FIRST_MS = 5000;
const POLL_MS = 50;
/** Response headers a replay repeats. */
const REPLAYED_HEADERS = ['location', 'etag', 'content-type'] as const;

/** What the first response was, kept for 24 h under its key. */
interface StoredResponse {
  status: number;
  headers: Partial<Record<(typeof REPLAYED_HEADERS)[number], string>>;
  body: unknown;
}

/** The key of this request, for a handler that can fall back on it while Redis is down. */
export interface IdempotencyContext {
  key: string;
  /** Redis could not be asked: the handler should check the key it stores with what it creates. */
  unverified: boolean;
}

type IdempotentRequest = FastifyRequest & { user?: { id: string }; idempotency?: IdempotencyContext };

/**
 * `Idempotency-Key` on every POST that creates something — the one mechanism (IdempotencyStore in
 * Redis, 24 h). The same key and request (path, query and body) replays the first response; the
 * same key with another request is 422; a retry while the first is still running waits for its
 * answer (up to 5 s), then gets 409 with Retry-After. While Redis is down the request runs, and the
 * handler is told so (`@Idempotency()`) in case it can check a key stored with the record.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<IdempotentRequest>();
    const header = request.headers[HEADER];
    if (header === undefined || !request.user) return next.handle();
    const key = Array.isArray(header) ? header.join(',') : header;
    if (key.length === 0 || key.length > MAX_KEY_LENGTH)
      throw new ValidationError(`Invalid Idempotency-Key: must be 1 to ${MAX_KEY_LENGTH} characters`, [
        { field: 'Idempotency-Key', message: `must be 1 to ${MAX_KEY_LENGTH} characters` },
      ]);
    return from(this.run(request, http.getResponse<FastifyReply>(), key, next));
  }

  private async run(
    request: IdempotentRequest,
    reply: FastifyReply,
    key: string,
    next: CallHandler,
  ): Promise<unknown> {
    const scope = (request.user as { id: string }).id;
    const fingerprint = IdempotencyStore.fingerprint({ url: request.url, body: request.body ?? null });
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      const claim = await this.store.claim<StoredResponse>(scope, key, fingerprint);
      switch (claim.kind) {
        case 'replay':
          reply.status(claim.response.status).header('idempotent-replayed', 'true');
          for (const [name, value] of Object.entries(claim.response.headers)) reply.header(name, value);
          return claim.response.body;
        case 'mismatch':
          throw new UnprocessableError(
            'This Idempotency-Key was already used with a different request; use a new key for a new request.',
          );
        case 'unavailable':
          request.idempotency = { key, unverified: true };
          return lastValueFrom(next.handle(), { defaultValue: undefined });
        case 'in_progress':
          if (Date.now() >= deadline)
            throw new InProgressError(
              'A request with this Idempotency-Key is still being processed; retry shortly.',
            );
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          continue;
        case 'claimed':
          request.idempotency = { key, unverified: false };
          try {
            const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
            const headers: StoredResponse['headers'] = {};
            for (const name of REPLAYED_HEADERS) {
              const value = reply.getHeader(name);
              if (typeof value === 'string') headers[name] = value;
            }
            await this.store.complete<StoredResponse>(scope, key, fingerprint, {
              status: reply.statusCode,
              headers,
              body,
            });
            return body;
          } catch (err) {
            await this.store.release(scope, key);
            throw err;
          }
      }
    }
  }
}

/** Marks a create route: Idempotency-Key replays its first response for 24 h (documented in Swagger). */
export const IdempotentCreate = (): MethodDecorator =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'replays the first response for 24 h instead of creating again; the same key with another request is 422',
      example: '9b2f6c1e-4a7d-4f0e-8c3b-2d5e6f7a8b9c',
    }),
  );

/** The request's idempotency key and whether Redis could check it (undefined without a key). */
export const Idempotency = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): IdempotencyContext | undefined =>
    ctx.switchToHttp().getRequest<IdempotentRequest>().idempotency,
);
