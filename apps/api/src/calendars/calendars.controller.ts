import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  AclListDto,
  AclRuleCreateDto,
  AclRuleResponseDto,
  AclRuleUpdateDto,
  AclService,
  CalendarCreateDto,
  CalendarListDto,
  CalendarResponseDto,
  CalendarService,
  CalendarUpdateDto,
} from '@app/calendar';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';
import { Audited, auditDetail } from '@app/security';
import type { FastifyRequest } from 'fastify';
import { IdempotentCreate } from '../http/idempotency.interceptor';

const CALENDAR_ID = {
  name: 'id',
  description: '`primary` or a calendar id from GET /v1/calendars',
  example: 'primary',
};
const NOT_FOUND = { description: 'no such calendar, or you have no role on it (never a hint which)' };
const FORBIDDEN = { description: 'your role on the calendar is too low; the message names the role needed' };

@ApiTags('calendars')
@Authenticated()
@Controller('v1/calendars')
export class CalendarsController {
  constructor(
    private readonly calendars: CalendarService,
    private readonly acl: AclService,
  ) {}

  @Get()
  @ApiOkResponse({ type: CalendarListDto, description: 'every calendar you own or that is shared with you' })
  async list(@CurrentUser() user: AuthUser) {
    return { items: await this.calendars.list(user) };
  }

  @Post()
  @IdempotentCreate()
  @ApiCreatedResponse({ type: CalendarResponseDto, description: 'a new calendar; you are its owner' })
  create(@CurrentUser() user: AuthUser, @Body() body: CalendarCreateDto) {
    return this.calendars.create(user, body);
  }

  @Get(':id')
  @ApiParam(CALENDAR_ID)
  @ApiOkResponse({ type: CalendarResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.calendars.get(user, id);
  }

  @Patch(':id')
  @ApiParam(CALENDAR_ID)
  @ApiOkResponse({ type: CalendarResponseDto })
  @ApiForbiddenResponse(FORBIDDEN)
  @ApiNotFoundResponse(NOT_FOUND)
  update(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() body: CalendarUpdateDto) {
    return this.calendars.update(user, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Audited('calendar_delete')
  @ApiParam(CALENDAR_ID)
  @ApiNoContentResponse({
    description: 'its events leave every listing at once; purged after the retention period',
  })
  @ApiConflictResponse({ description: 'the primary calendar cannot be deleted' })
  @ApiForbiddenResponse(FORBIDDEN)
  @ApiNotFoundResponse(NOT_FOUND)
  async remove(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    await this.calendars.remove(user, id);
  }

  @Get(':id/acl')
  @ApiParam(CALENDAR_ID)
  @ApiOkResponse({ type: AclListDto, description: 'who the calendar is shared with (owners only)' })
  @ApiForbiddenResponse(FORBIDDEN)
  @ApiNotFoundResponse(NOT_FOUND)
  async listAcl(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return { items: await this.acl.list(user, id) };
  }

  @Post(':id/acl')
  @IdempotentCreate()
  @Audited('acl_grant')
  @ApiParam(CALENDAR_ID)
  @ApiCreatedResponse({
    type: AclRuleResponseDto,
    description: 'shared; an address without an account yet gets it when it signs up',
  })
  @ApiConflictResponse({ description: 'that address already has a rule: change it with PATCH' })
  @ApiForbiddenResponse(FORBIDDEN)
  @ApiNotFoundResponse(NOT_FOUND)
  async grant(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Body() body: AclRuleCreateDto,
    @Req() request: FastifyRequest,
  ) {
    const rule = await this.acl.grant(user, id, body);
    auditDetail(request, `${rule.email} granted ${rule.role}`);
    return rule;
  }

  @Patch(':id/acl/:ruleId')
  @Audited('acl_update')
  @ApiParam(CALENDAR_ID)
  @ApiOkResponse({ type: AclRuleResponseDto })
  @ApiConflictResponse({ description: "the calendar's owner keeps the owner role" })
  @ApiForbiddenResponse(FORBIDDEN)
  @ApiNotFoundResponse(NOT_FOUND)
  async updateAcl(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Param('ruleId') ruleId: string,
    @Body() body: AclRuleUpdateDto,
    @Req() request: FastifyRequest,
  ) {
    const rule = await this.acl.update(user, id, ruleId, body.role);
    auditDetail(request, `${rule.email} now ${rule.role}`);
    return rule;
  }

  @Delete(':id/acl/:ruleId')
  @HttpCode(204)
  @Audited('acl_revoke')
  @ApiParam(CALENDAR_ID)
  @ApiNoContentResponse({ description: 'revoked: the next request on every replica sees it' })
  @ApiConflictResponse({ description: "the calendar's owner keeps the owner role" })
  @ApiForbiddenResponse(FORBIDDEN)
  @ApiNotFoundResponse(NOT_FOUND)
  async revokeAcl(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Param('ruleId') ruleId: string,
    @Req() request: FastifyRequest,
  ) {
    const rule = await this.acl.revoke(user, id, ruleId);
    auditDetail(request, `${rule.email} revoked (was ${rule.role})`);
  }
}
