import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ZodResponse, ZodSerializerInterceptor } from 'nestjs-zod';
import { ERROR_EXAMPLES } from './api-errors';
import {
  AuthLoginDto,
  AuthLogoutDto,
  AuthRefreshDto,
  AuthRegisterDto,
  AuthSessionResponseDto,
  sessionResponse,
} from './auth.dto';
import { ClientIp } from './auth.decorators';
import { AuthService } from './auth.service';
import { LOGIN_THROTTLED_MESSAGE } from './login-throttle.service';

const UNAUTHORIZED = {
  description: 'Authentication failed (the same answer whatever the cause)',
  schema: { example: ERROR_EXAMPLES.unauthorized },
};

@ApiTags('auth')
@Controller('v1/auth')
@UseInterceptors(ZodSerializerInterceptor)
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiOperation({ summary: 'Create an account and sign in' })
  @ZodResponse({ status: 201, type: AuthSessionResponseDto, description: 'The new account and a token pair' })
  @ApiBadRequestResponse({
    description: 'A field is invalid; each bad field is named',
    schema: {
      example: ERROR_EXAMPLES.validation('timeZone', 'must be a valid IANA time zone such as Europe/Berlin'),
    },
  })
  @ApiConflictResponse({
    description: 'The email is already registered (compared case-insensitively)',
    schema: { example: ERROR_EXAMPLES.emailTaken },
  })
  async register(@Body() body: AuthRegisterDto) {
    return sessionResponse(await this.auth.register(body));
  }

  @Post('login')
  @ApiOperation({
    summary: 'Sign in with email and password',
    description:
      'After 5 failed attempts for one email (20 for one client address) each further attempt must wait 1, 2, 4, … seconds after the last failure; after 10 (30 per address) the email (address) is locked for 15 minutes. Unknown emails are counted and answered exactly like real ones. A successful sign-in clears the count of its email.',
  })
  @ZodResponse({ status: 200, type: AuthSessionResponseDto, description: 'The account and a token pair' })
  @ApiBadRequestResponse({
    description: 'A field is invalid',
    schema: { example: ERROR_EXAMPLES.validation('email', 'must be a valid email address') },
  })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  @ApiTooManyRequestsResponse({
    description: 'Too many failed attempts for this email or address: wait `Retry-After` seconds',
    schema: { example: ERROR_EXAMPLES.rateLimited(LOGIN_THROTTLED_MESSAGE) },
  })
  async login(@Body() body: AuthLoginDto, @ClientIp() ip: string) {
    return sessionResponse(await this.auth.login(body, { ip }));
  }

  @Post('refresh')
  @ApiOperation({
    summary: 'Trade a refresh token for a new pair',
    description:
      'Refresh tokens are single-use. Presenting one that was already used revokes every token of its family.',
  })
  @ZodResponse({ status: 200, type: AuthSessionResponseDto, description: 'A new token pair' })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  async refresh(@Body() body: AuthRefreshDto, @ClientIp() ip: string) {
    return sessionResponse(await this.auth.refresh(body.refreshToken, { ip }));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out everywhere',
    description:
      "Ends every session of the token's account: all its refresh tokens are revoked and every access token issued before stops working.",
  })
  @ApiNoContentResponse({ description: 'Signed out (also when the token was unknown)' })
  async logout(@Body() body: AuthLogoutDto): Promise<void> {
    await this.auth.logout(body.refreshToken);
  }
}
