import { Body, Controller, Get, Patch, UseInterceptors } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodResponse, ZodSerializerInterceptor } from 'nestjs-zod';
import { ERROR_EXAMPLES } from '../auth/api-errors';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import { userResponse, UserResponseDto, UserUpdateDto } from './user.dto';
import { UserService } from './user.service';
import { AuthUser } from './user.types';

@ApiTags('me')
@Controller('v1/me')
@Authenticated()
@UseInterceptors(ZodSerializerInterceptor)
export class MeController {
  constructor(private readonly users: UserService) {}

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
}
