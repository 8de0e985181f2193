export * from './identity.module';
export { AuthGuard, type AuthenticatedRequest } from './auth/auth.guard';
export { Authenticated, CurrentUser } from './auth/auth.decorators';
export { BearerAuthService } from './auth/bearer-auth.service';
export {
  AUTH_FAILED_MESSAGE,
  AUTH_FAILURE_REASONS,
  type AuthFailureReason,
} from './auth/auth-failure.service';
export { UserService } from './users/user.service';
export type { AuthUser, UserProfile, UserProfilePatch } from './users/user.types';
export { DEFAULT_WORKING_HOURS, WorkingHoursSchema, type WorkingHours } from './users/working-hours';
export { TimeZoneSchema } from './users/user.validation';
export type {
  AuthLoginRequest,
  AuthRefreshRequest,
  AuthRegisterRequest,
  AuthSessionResponse,
} from './auth/auth.dto';
export type { UserResponse, UserUpdateRequest } from './users/user.dto';
