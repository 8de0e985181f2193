import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  AppPasswordCreateDto,
  AppPasswordCreatedResponseDto,
  AppPasswordListResponseDto,
  appPasswordResponse,
  AppPasswordService,
  Authenticated,
  AuthUser,
  CurrentUser,
  MAX_APP_PASSWORDS,
} from '@app/identity';
import { Audited } from '@app/security';
import { IdempotentCreate } from '../http/idempotency.interceptor';

const NOT_FOUND_EXAMPLE = {
  error: {
    code: 'not_found',
    message: 'App password not found.',
    requestId: '5b1f7a52-8f0e-4b8e-9c31-2f6f0d7f4a10',
  },
};

/** App passwords for calendar apps (CalDAV over HTTP Basic at /dav/): create, list, revoke. */
@ApiTags('me')
@Authenticated()
@Controller('v1/me/app-passwords')
export class AppPasswordsController {
  constructor(private readonly appPasswords: AppPasswordService) {}

  @Post()
  @IdempotentCreate()
  @Audited('app_password_create')
  @ApiOperation({
    summary: 'Create an app password for a calendar app',
    description:
      'Calendar apps (Apple Calendar, Thunderbird, DAVx5) sign in to /dav/ with HTTP Basic: your email as the user name and ' +
      'this generated password — never your account password. The password is shown only in this answer; only a hash is ' +
      `kept. \`scope\`: \`write\` (default) or \`read\` (every change over CalDAV is refused). At most ${MAX_APP_PASSWORDS} per account.`,
  })
  @ApiCreatedResponse({ type: AppPasswordCreatedResponseDto, description: 'the password is shown only now' })
  @ApiBadRequestResponse({ description: 'the name is empty or too long, or the scope unknown' })
  @ApiConflictResponse({ description: `the account already has ${MAX_APP_PASSWORDS} app passwords` })
  async create(@CurrentUser() user: AuthUser, @Body() body: AppPasswordCreateDto) {
    const created = await this.appPasswords.create(user.id, body);
    return { ...appPasswordResponse(created), password: created.password };
  }

  @Get()
  @ApiOperation({ summary: 'List your app passwords (never the passwords themselves)' })
  @ApiOkResponse({ type: AppPasswordListResponseDto })
  async list(@CurrentUser() user: AuthUser) {
    return { items: (await this.appPasswords.list(user.id)).map(appPasswordResponse) };
  }

  @Delete(':id')
  @Audited('app_password_revoke')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an app password: the next request signed in with it is refused' })
  @ApiNoContentResponse({ description: 'revoked' })
  @ApiNotFoundResponse({
    description: 'no app password of yours has this id',
    schema: { example: NOT_FOUND_EXAMPLE },
  })
  async revoke(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    await this.appPasswords.revoke(user.id, id);
  }
}
