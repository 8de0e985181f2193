import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerOptions } from '@nestjs/throttler';
import { AppConfig } from '@app/config';
import { normalizeIp } from '@app/common';

export const THROTTLE_WINDOW_MS = 60_000;

/** The named throttlers; each counts in its own bucket, and a request passes only if all allow it. */
export type ThrottlerName = 'auth' | 'user' | 'assistant';

interface ThrottledRequest {
  url?: string;
  ip?: string;
  routeOptions?: { url?: string };
  user?: { id: string };
}

const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<ThrottledRequest>();
export const pathOf = (request: ThrottledRequest): string =>
  request.routeOptions?.url ?? (request.url ?? '').split('?')[0];

export const isAuthRoute = (path: string) => path.startsWith('/v1/auth/');
export const isAssistantRoute = (path: string) => path.startsWith('/v1/assistant/');
/** Probes and scrapes are never throttled (as with the per-address limit). */
export const isExemptRoute = (path: string) =>
  path === '/metrics' || path === '/health' || path.startsWith('/health/');

/** The caller: the authenticated user when the auth guard has run, else the client address. */
export function trackerOf(request: ThrottledRequest, byUser: boolean): string {
  if (byUser && request.user?.id) return `user:${request.user.id}`;
  return `ip:${normalizeIp(request.ip ?? 'unknown')}`;
}

/** What a refusal says, per throttler. */
export const REFUSAL: Record<ThrottlerName, (limit: number, retryAfter: number) => string> = {
  auth: (limit, s) =>
    `Too many sign-in requests from this address (at most ${limit} a minute); retry after ${s} s.`,
  user: (limit, s) => `Too many requests for this account (at most ${limit} a minute); retry after ${s} s.`,
  assistant: (limit, s) => `At most ${limit} assistant messages a minute; retry after ${s} s.`,
};

/**
 * From the configuration (0 turns a throttler off):
 * - `auth`: RATE_LIMIT_AUTH_PER_MINUTE per client address on /v1/auth/* (register, login, refresh, …);
 * - `user`: RATE_LIMIT_USER_PER_MINUTE per user on every other route (per address before sign-in);
 * - `assistant`: RATE_LIMIT_ASSISTANT_PER_MINUTE per user on /v1/assistant/*, on top of `user`.
 * RATE_LIMIT_PER_MINUTE stays the per-address flood limit in front of routing (SecurityHttpHooks).
 */
export function throttlersFor(config: AppConfig): ThrottlerOptions[] {
  const { authPerMinute, userPerMinute, assistantPerMinute } = config.throttle;
  const rule = (
    name: ThrottlerName,
    limit: number,
    applies: (path: string) => boolean,
    byUser: boolean,
  ): ThrottlerOptions => ({
    name,
    ttl: THROTTLE_WINDOW_MS,
    limit,
    skipIf: (context) => limit === 0 || !applies(pathOf(requestOf(context))),
    getTracker: (request) => trackerOf(request as ThrottledRequest, byUser),
    // One bucket per caller across all routes (not the library's per-handler default).
    generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
    setHeaders: false,
  });
  return [
    rule('auth', authPerMinute, isAuthRoute, false),
    rule('user', userPerMinute, (p) => !isAuthRoute(p) && !isExemptRoute(p), true),
    rule('assistant', assistantPerMinute, isAssistantRoute, true),
  ];
}
