import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '@app/audit';
import { AdminController } from './admin/admin.controller';
import { AppPasswordRepository } from './app-passwords/app-password.repository';
import { AppPasswordDoc, AppPasswordSchema } from './app-passwords/app-password.schema';
import { AppPasswordService } from './app-passwords/app-password.service';
import { AuthUserCache } from './auth/auth-user.cache';
import { AccessTokenService } from './auth/access-token.service';
import { AuthFailureService } from './auth/auth-failure.service';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { BearerAuthService } from './auth/bearer-auth.service';
import { LoginThrottleService } from './auth/login-throttle.service';
import { PasswordService } from './auth/password.service';
import { RefreshTokenDoc, RefreshTokenSchema } from './auth/refresh-token.schema';
import { RefreshTokenRepository } from './auth/refresh-token.repository';
import { RefreshTokenService } from './auth/refresh-token.service';
import { RolesGuard } from './auth/roles.guard';
import { MeController } from './users/me.controller';
import { UserAdminService } from './users/user-admin.service';
import { UserDoc, UserSchema } from './users/user.schema';
import { UserRepository } from './users/user.repository';
import { UserService } from './users/user.service';

/**
 * Accounts and authentication: /v1/auth (register, login, refresh, logout), /v1/me and the
 * admin-only /v1/admin. Other libs import this module and put `@Authenticated()` on their
 * controllers, `@CurrentUser()` on handlers.
 */
@Module({
  imports: [
    AuditModule,
    MongooseModule.forFeature([
      { name: UserDoc.name, schema: UserSchema },
      { name: RefreshTokenDoc.name, schema: RefreshTokenSchema },
      { name: AppPasswordDoc.name, schema: AppPasswordSchema },
    ]),
  ],
  controllers: [AuthController, MeController, AdminController],
  providers: [
    AuthUserCache,
    UserRepository,
    RefreshTokenRepository,
    PasswordService,
    AccessTokenService,
    RefreshTokenService,
    AuthFailureService,
    LoginThrottleService,
    BearerAuthService,
    AuthService,
    UserService,
    AuthGuard,
    RolesGuard,
    AppPasswordRepository,
    AppPasswordService,
  ],
  exports: [AuthGuard, RolesGuard, BearerAuthService, UserService, AppPasswordService],
})
export class IdentityModule {}

/**
 * What the ops CLI needs of identity: who is an administrator. No controllers, no tokens, no
 * password hashing.
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: UserDoc.name, schema: UserSchema }])],
  providers: [AuthUserCache, UserRepository, UserAdminService],
  exports: [UserAdminService],
})
export class IdentityAdminModule {}
