import { Body, Controller, HttpCode, Ip, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
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
import { AuthService } from './auth.service';

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
  @ApiOperation({ summary: 'Sign in with email and password' })
  @ZodResponse({ status: 200, type: AuthSessionResponseDto, description: 'The account and a token pair' })
  @ApiBadRequestResponse({
    description: 'A field is invalid',
    schema: { example: ERROR_EXAMPLES.validation('email', 'must be a valid email address') },
  })
  @ApiUnauthorizedResponse(UNAUTHORIZED)
  async login(@Body() body: AuthLoginDto, @Ip() ip: string) {
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
  async refresh(@Body() body: AuthRefreshDto, @Ip() ip: string) {
    return sessionResponse(await this.auth.refresh(body.refreshToken, { ip }));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Sign out',
    description: 'Revokes the refresh token and its whole family. Access tokens expire on their own.',
  })
  @ApiNoContentResponse({ description: 'Signed out (also when the token was unknown)' })
  async logout(@Body() body: AuthLogoutDto): Promise<void> {
    await this.auth.logout(body.refreshToken);
  }
}
