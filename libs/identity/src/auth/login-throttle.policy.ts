/**
 * How failed logins slow down further attempts: the first `freeFailures` cost nothing; after that
 * the subject must wait 2^(n − freeFailures) seconds after its n-th failure (1 s, 2 s, 4 s, …),
 * and from `lockAfter` failures on it is locked for `lockMs`. Counters expire `lockMs` after the
 * latest failure, so a lock ends with a clean slate.
 */
export interface ThrottlePolicy {
  freeFailures: number;
  lockAfter: number;
  lockMs: number;
}

const FIFTEEN_MINUTES_MS = 15 * 60_000;

/** Per account (by normalised email, whether or not the account exists). */
export const ACCOUNT_THROTTLE: ThrottlePolicy = {
  freeFailures: 5,
  lockAfter: 10,
  lockMs: FIFTEEN_MINUTES_MS,
};

/** Per client address: higher, since several people can share one address. */
export const IP_THROTTLE: ThrottlePolicy = { freeFailures: 20, lockAfter: 30, lockMs: FIFTEEN_MINUTES_MS };

/** How long after its latest failure a subject with `failures` failures must wait (0: not at all). */
export function blockDurationMs(failures: number, policy: ThrottlePolicy): number {
  if (failures >= policy.lockAfter) return policy.lockMs;
  if (failures < policy.freeFailures) return 0;
  return Math.min(2 ** (failures - policy.freeFailures) * 1000, policy.lockMs);
}

/** Whole seconds until the subject may try again (0: now). */
export function retryAfterSeconds(
  failures: number,
  lastFailureAt: number,
  policy: ThrottlePolicy,
  now: number,
): number {
  const until = lastFailureAt + blockDurationMs(failures, policy);
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}
