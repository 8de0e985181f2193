import type { Role } from './roles';
import type { WorkingHours } from './working-hours';

/** Who an account is and when they work: what scheduling with them needs. */
export interface Person {
  id: string;
  email: string;
  name: string;
  timeZone: string;
  workingHours: WorkingHours;
}

/** An account as the owner sees it. */
export interface UserProfile {
  id: string;
  email: string;
  name: string;
  timeZone: string;
  workingHours: WorkingHours;
  createdAt: Date;
}

/**
 * The authenticated caller, as `@CurrentUser()` hands it to a route guarded by `AuthGuard`.
 * Loaded with every request (reused for AUTH_USER_CACHE_MS, forgotten at once on a change made
 * through this process), so a changed zone or working hours apply at once.
 */
export interface AuthUser {
  id: string;
  email: string;
  name: string;
  timeZone: string;
  workingHours: WorkingHours;
  role: Role;
}

/** The caller of a request and the session epoch its access token must carry. */
export interface AuthUserRecord {
  user: AuthUser;
  sessionEpoch: number;
}

/** An account as authentication sees it: the profile plus what decides whether a token still holds. */
export interface Account extends UserProfile {
  role: Role;
  sessionEpoch: number;
}

/** What registration stores. */
export interface NewUser {
  email: string;
  passwordHash: string;
  name: string;
  timeZone: string;
  workingHours: WorkingHours;
}

/** The fields an owner may change. */
export type UserProfilePatch = Partial<Pick<UserProfile, 'name' | 'timeZone' | 'workingHours'>>;
