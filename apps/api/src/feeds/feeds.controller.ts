import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { FeedCreateDto, FeedCreatedResponseDto, FeedListResponseDto, FeedService } from '@app/calendar';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';
import { Audited } from '@app/security';
import type { FastifyRequest } from 'fastify';
import { IdempotentCreate } from '../http/idempotency.interceptor';

@ApiTags('icalendar')
@Authenticated()
@Controller('v1/feeds')
export class FeedsController {
  constructor(private readonly feeds: FeedService) {}

  @Post()
  @IdempotentCreate()
  @ApiOperation({
    summary: 'Create a secret subscription URL (iCalendar feed)',
    description:
      'full: your events with details; freebusy: only busy times, titled "Busy", without descriptions, locations or attendees. ' +
      'The URL needs no login — keep it secret; it is shown only in this answer. Revoke it with DELETE. ' +
      'calendarId (default primary) names the calendar served: full needs the reader role on it, freebusy freeBusyReader. ' +
      'The URL serves it only while you keep that role (checked at every fetch; lose it and the URL answers 404). ' +
      'As a reader, private events come in the free/busy form.',
  })
  @ApiCreatedResponse({ type: FeedCreatedResponseDto })
  @ApiForbiddenResponse({ description: 'your role on the calendar is too low for this kind of feed' })
  @ApiNotFoundResponse({ description: 'no such calendar, or you have no role on it' })
  async create(@CurrentUser() user: AuthUser, @Body() body: FeedCreateDto, @Req() req: FastifyRequest) {
    const { feed, path } = await this.feeds.create(user, body);
    return { ...feed, url: `${req.protocol}://${req.host}${path}` };
  }

  @Get()
  @ApiOkResponse({ type: FeedListResponseDto, description: 'your live feeds (never their URLs)' })
  async list(@CurrentUser() user: AuthUser) {
    return { items: await this.feeds.list(user) };
  }

  @Delete(':id')
  @Audited('feed_delete')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'revoked: its URL answers 404 from now on' })
  @ApiNotFoundResponse()
  async revoke(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    await this.feeds.revoke(user, id);
  }
}
