import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DomainError, InProgressError, RateLimitedError } from '@app/common';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '@app/database';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodValidationException } from 'nestjs-zod';
import { ZodError } from 'zod';

const STATUS: Record<string, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  unprocessable: 422,
  rate_limited: 429,
  dependency_unavailable: 503,
  database_unavailable: 503,
};

/** Retry-After on a 503 for an unavailable database: about one reconnect attempt of the driver. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/** Fastify's JSON parser refuses prototype-poisoning keys with the same words as broken JSON. */
const FASTIFY_INVALID_JSON = "Body is not valid JSON but content-type is set to 'application/json'";
const INVALID_JSON =
  'The body is not valid JSON, or has a __proto__ key or a constructor.prototype key (refused).';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string; errorId?: string };
}

/**
 * Maps every error to one body shape, `{error: {code, message, details, requestId}}`. Domain errors
 * keep their message; validation errors name each bad field; anything unexpected answers 500 with
 * an error id and is logged in full (never sent to the client).
 */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest & { id?: string }>();
    const requestId = String(request.id ?? '');
    const [status, body] = this.toResponse(exception, requestId);
    if (exception instanceof RateLimitedError || exception instanceof InProgressError)
      reply.header('retry-after', String(exception.retryAfterSeconds));
    if (status === 503 && body.error.code === 'database_unavailable')
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    reply.status(status).send(body);
  }

  private toResponse(exception: unknown, requestId: string): [number, ErrorBody] {
    if (!(exception instanceof DomainError) && isDatabaseUnavailable(exception)) {
      // An outage, not a bug: 503 telling the client to retry; the driver's words stay in the log.
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      exception = new DatabaseUnavailableError();
    }
    if (exception instanceof ZodValidationException) {
      return [400, validationBody(exception.getZodError() as ZodError, requestId)];
    }
    if (exception instanceof ZodError) return [400, validationBody(exception, requestId)];
    if (exception instanceof DomainError) {
      const status = STATUS[exception.code] ?? 400;
      return [
        status,
        {
          error: {
            code: exception.code,
            message: exception.message,
            ...(exception.details !== undefined ? { details: exception.details } : {}),
            requestId,
          },
        },
      ];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : String((response as { message?: unknown }).message ?? exception.message);
      return [
        status,
        {
          error: {
            code: codeFor(status),
            message: message === FASTIFY_INVALID_JSON ? INVALID_JSON : message,
            requestId,
          },
        },
      ];
    }
    const fastifyError = exception as { statusCode?: number; message?: string; code?: string };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500) {
      // Fastify's own refusals: a malformed JSON body, a body too large, an unsupported media type.
      return [
        fastifyError.statusCode,
        {
          error: { code: codeFor(fastifyError.statusCode), message: String(fastifyError.message), requestId },
        },
      ];
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'unhandled error');
    return [
      HttpStatus.INTERNAL_SERVER_ERROR,
      {
        error: {
          code: 'internal',
          message: 'Something went wrong; quote the error id when reporting it.',
          errorId,
          requestId,
        },
      },
    ];
  }
}

function validationBody(error: ZodError, requestId: string): ErrorBody {
  const details = error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  const fields = [...new Set(details.map((d) => d.field))];
  return {
    error: {
      code: 'validation_failed',
      message: `Invalid ${fields.join(', ')}: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
      details,
      requestId,
    },
  };
}

function codeFor(status: number): string {
  return (
    Object.entries(STATUS).find(([, s]) => s === status)?.[0] ??
    (status === 413
      ? 'payload_too_large'
      : status === 415
        ? 'unsupported_media_type'
        : status >= 500
          ? 'internal'
          : 'bad_request')
  );
}
