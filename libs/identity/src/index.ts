export * from './identity.module';
export { AuthGuard, type AuthenticatedRequest } from './auth/auth.guard';
export { AdminOnly, Authenticated, CurrentUser } from './auth/auth.decorators';
export { RolesGuard } from './auth/roles.guard';
export { ROLES, type Role } from './users/roles';
export { UserAdminService, type RoleChange } from './users/user-admin.service';
export { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from './auth/access-token.service';
export { LOGIN_THROTTLED_MESSAGE, loginAttemptKey } from './auth/login-throttle.service';
export { ACCOUNT_THROTTLE, IP_THROTTLE } from './auth/login-throttle.policy';
export { COMMON_PASSWORD_MESSAGE } from './auth/password-policy';
export { BearerAuthService } from './auth/bearer-auth.service';
export { AUTH_USER_CACHE_MS } from './auth/auth-user.cache';
export {
  AUTH_FAILED_MESSAGE,
  AUTH_FAILURE_REASONS,
  type AuthFailureReason,
} from './auth/auth-failure.service';
export { UserService } from './users/user.service';
export { AccountLifecycle, type CreatedAccount } from './users/account-lifecycle';
export type { AuthUser, Person, UserProfile, UserProfilePatch } from './users/user.types';
export { DEFAULT_WORKING_HOURS, WorkingHoursSchema, type WorkingHours } from './users/working-hours';
export { TimeZoneSchema } from './users/user.validation';
export type {
  AuthLoginRequest,
  AuthRefreshRequest,
  AuthRegisterRequest,
  AuthSessionResponse,
} from './auth/auth.dto';
export type { PasswordChangeRequest, UserResponse, UserUpdateRequest } from './users/user.dto';
export type { AuditEventListQuery, AuditEventListResponse } from './admin/admin.dto';
export {
  AppPasswordService,
  MAX_APP_PASSWORDS,
  type AppPasswordCaller,
  type CreatedAppPassword,
} from './app-passwords/app-password.service';
export { APP_PASSWORD_SCOPES, type AppPasswordScope } from './app-passwords/app-password.schema';
export * from './app-passwords/app-password.dto';
