import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditEventDoc, AuditEventSchema } from './audit/audit-event.schema';
import { AuditRepository } from './audit/audit.repository';
import { AccessTokenService } from './auth/access-token.service';
import { AuthFailureService } from './auth/auth-failure.service';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { BearerAuthService } from './auth/bearer-auth.service';
import { PasswordService } from './auth/password.service';
import { RefreshTokenDoc, RefreshTokenSchema } from './auth/refresh-token.schema';
import { RefreshTokenRepository } from './auth/refresh-token.repository';
import { RefreshTokenService } from './auth/refresh-token.service';
import { MeController } from './users/me.controller';
import { UserDoc, UserSchema } from './users/user.schema';
import { UserRepository } from './users/user.repository';
import { UserService } from './users/user.service';

/**
 * Accounts and authentication: /v1/auth (register, login, refresh, logout) and /v1/me. Other libs
 * import this module and put `@Authenticated()` on their controllers, `@CurrentUser()` on handlers.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: UserDoc.name, schema: UserSchema },
      { name: RefreshTokenDoc.name, schema: RefreshTokenSchema },
      { name: AuditEventDoc.name, schema: AuditEventSchema },
    ]),
  ],
  controllers: [AuthController, MeController],
  providers: [
    UserRepository,
    RefreshTokenRepository,
    AuditRepository,
    PasswordService,
    AccessTokenService,
    RefreshTokenService,
    AuthFailureService,
    BearerAuthService,
    AuthService,
    UserService,
    AuthGuard,
  ],
  exports: [AuthGuard, BearerAuthService, UserService],
})
export class IdentityModule {}
