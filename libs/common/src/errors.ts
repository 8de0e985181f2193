/**
 * Domain errors. Libs throw these, never HTTP exceptions, because the ops CLI reuses the same
 * services: the API maps them to status codes (DomainErrorFilter), the CLI to exit codes.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is wrong: 400. `details` names the fields. */
export class ValidationError extends DomainError {
  readonly code = 'validation_failed';
}
/** Authentication failed: 401 with a generic message. */
export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
}
/** Refused for this caller (e.g. a blocked IP): 403. */
export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}
/** Missing, or not the caller's: 404 (never 403, so existence does not leak). */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}
/** Clashes with existing state (e.g. an email already registered): 409. */
export class ConflictError extends DomainError {
  readonly code = 'conflict';
}
/** Well-formed but not acceptable in this state (an Idempotency-Key reused with another request): 422. */
export class UnprocessableError extends DomainError {
  readonly code = 'unprocessable';
}
/** The same request is still being processed (a concurrent retry with one Idempotency-Key): 409 with Retry-After. */
export class InProgressError extends ConflictError {
  readonly retryAfterSeconds = 1;
}
/** Once valid, no longer (an expired sync token): 410. */
export class GoneError extends DomainError {
  readonly code = 'gone';
}
/** A conditional write whose precondition (If-Match, a changeset's ETags) no longer holds: 412. */
export class PreconditionFailedError extends DomainError {
  readonly code = 'precondition_failed';
}
/** Too many requests: 429. */
export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/** A dependency needed for this request is down: 503. */
export class DependencyUnavailableError extends DomainError {
  readonly code = 'dependency_unavailable';
}
