import { Body, Controller, Get, HttpCode, Patch, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ZodResponse, ZodSerializerInterceptor } from 'nestjs-zod';
import { ERROR_EXAMPLES } from '../auth/api-errors';
import { Authenticated, ClientIp, CurrentUser } from '../auth/auth.decorators';
import { AuthSessionResponseDto, sessionResponse } from '../auth/auth.dto';
import { AuthService } from '../auth/auth.service';
import { LOGIN_THROTTLED_MESSAGE } from '../auth/login-throttle.service';
import { COMMON_PASSWORD_MESSAGE } from '../auth/password-policy';
import { PasswordChangeDto, userResponse, UserResponseDto, UserUpdateDto } from './user.dto';
import { UserService } from './user.service';
import { AuthUser } from './user.types';

@ApiTags('me')
@Controller('v1/me')
@Authenticated()
@UseInterceptors(ZodSerializerInterceptor)
export class MeController {
  constructor(
    private readonly users: UserService,
    private readonly auth: AuthService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The caller’s account' })
  @ZodResponse({ status: 200, type: UserResponseDto, description: 'The account' })
  async get(@CurrentUser() user: AuthUser) {
    return userResponse(await this.users.getProfile(user.id));
  }

  @Patch()
  @ApiOperation({
    summary: 'Change name, time zone or working hours',
    description: 'Only the given fields change; `workingHours` is replaced as a whole.',
  })
  @ZodResponse({ status: 200, type: UserResponseDto, description: 'The updated account' })
  @ApiBadRequestResponse({
    description: 'A field is invalid; each bad field is named',
    schema: { example: ERROR_EXAMPLES.validation('workingHours.end', 'must be later than start') },
  })
  async update(@CurrentUser() user: AuthUser, @Body() body: UserUpdateDto) {
    return userResponse(await this.users.updateProfile(user.id, body));
  }

  @Post('password')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Change the password and end every session',
    description:
      'Checks the current password, then stores the new one (8 to 128 characters, any characters, not a commonly used password). Every refresh token of the account is revoked and every access token issued before stops working; the response is a new token pair for this client.',
  })
  @ZodResponse({ status: 200, type: AuthSessionResponseDto, description: 'A new session for the caller' })
  @ApiBadRequestResponse({
    description: 'The new password breaks the policy (too short, too long or too common); the field is named',
    schema: { example: ERROR_EXAMPLES.validation('newPassword', COMMON_PASSWORD_MESSAGE) },
  })
  @ApiUnauthorizedResponse({
    description: 'The current password is wrong (the same answer as any authentication failure)',
    schema: { example: ERROR_EXAMPLES.unauthorized },
  })
  @ApiTooManyRequestsResponse({
    description: 'Too many wrong passwords for this account or address: wait `Retry-After` seconds',
    schema: { example: ERROR_EXAMPLES.rateLimited(LOGIN_THROTTLED_MESSAGE) },
  })
  async changePassword(
    @CurrentUser() user: AuthUser,
    @Body() body: PasswordChangeDto,
    @ClientIp() ip: string,
  ) {
    return sessionResponse(await this.auth.changePassword(user.id, user.email, body, { ip }));
  }
}
