/**
 * What an account may do beyond its own data. Every account is a `user`; an `admin` may also call
 * the /v1/admin routes. The role is never taken from a request body: only `ops users grant-admin`
 * and `ops users revoke-admin` change it.
 */
export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const DEFAULT_ROLE: Role = 'user';

/** A stored value as a role; anything unknown (or missing, on accounts older than roles) is `user`. */
export function toRole(value: unknown): Role {
  return value === 'admin' ? 'admin' : DEFAULT_ROLE;
}
