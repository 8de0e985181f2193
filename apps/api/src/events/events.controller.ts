import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiTags,
  ApiPreconditionFailedResponse,
  ApiNotFoundResponse,
  ApiForbiddenResponse,
} from '@nestjs/swagger';
import {
  EditScopeQueryDto,
  EventCreateDto,
  EventListQueryDto,
  EventResponseDto,
  EventService,
  EventQueryService,
  EventUpdateDto,
  EventWriteResponseDto,
  OccurrencePageDto,
  TimeZoneQueryDto,
} from '@app/calendar';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';
import { Audited } from '@app/security';
import type { FastifyReply } from 'fastify';
import { Idempotency, IdempotencyContext, IdempotentCreate } from '../http/idempotency.interceptor';

@ApiTags('events')
@Authenticated()
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly events: EventService,
    private readonly queries: EventQueryService,
  ) {}

  @Post()
  @IdempotentCreate()
  @ApiCreatedResponse({ type: EventWriteResponseDto })
  @ApiForbiddenResponse({ description: 'your role on the calendar is below writer' })
  @ApiNotFoundResponse({ description: 'no such calendar, or you have no role on it' })
  async create(
    @CurrentUser() user: AuthUser,
    @Body() body: EventCreateDto,
    @Idempotency() idempotency: IdempotencyContext | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { replayed, ...result } = await this.events.create(user, body, idempotency);
    reply.header('etag', result.event.etag).header('location', `/v1/events/${result.event.id}`);
    if (replayed) reply.header('idempotent-replayed', 'true');
    return result;
  }

  @Get()
  @ApiOkResponse({
    type: OccurrencePageDto,
    description: 'occurrences overlapping [from, to), recurring series expanded, sorted by start',
  })
  @Header('content-type', 'application/json; charset=utf-8')
  list(@CurrentUser() user: AuthUser, @Query() q: EventListQueryDto): Promise<Buffer> {
    return this.queries.pageJson(user, {
      from: new Date(q.from),
      to: new Date(q.to),
      zone: q.timeZone ?? user.timeZone,
      cursor: q.cursor,
      limit: q.limit,
      calendarIds: q.calendarIds,
    });
  }

  @Get(':id')
  @ApiOkResponse({ type: EventResponseDto })
  @ApiNotFoundResponse({ description: 'no such event of yours' })
  async get(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: TimeZoneQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const event = await this.events.get(user, id, q.timeZone);
    reply.header('etag', event.etag);
    return event;
  }

  @Patch(':id')
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'the ETag last read; 412 when the event changed since',
  })
  @ApiOkResponse({ type: EventWriteResponseDto })
  @ApiPreconditionFailedResponse({ description: 'If-Match is stale' })
  async update(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: EditScopeQueryDto,
    @Body() body: EventUpdateDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.events.update(
      user,
      id,
      body,
      { scope: q.scope, occurrenceStart: q.occurrenceStart, ifMatch },
      q.timeZone,
    );
    reply.header('etag', result.event.etag);
    return result;
  }

  @Delete(':id')
  @Audited('event_delete')
  @HttpCode(204)
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiNoContentResponse()
  @ApiPreconditionFailedResponse({ description: 'If-Match is stale' })
  async remove(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: EditScopeQueryDto,
    @Headers('if-match') ifMatch: string | undefined,
  ) {
    await this.events.remove(user, id, { scope: q.scope, occurrenceStart: q.occurrenceStart, ifMatch });
  }
}
