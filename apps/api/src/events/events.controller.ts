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
  ApiOperation,
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
  InvitationsQueryDto,
  OccurrencePageDto,
  RsvpDto,
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
      responseStatus: q.responseStatus,
    });
  }

  @Post(':id/rsvp')
  @HttpCode(200)
  @ApiOperation({
    summary: "Answer a meeting you are invited to (your own response; the organizer's event shows it)",
    description:
      'For a recurring meeting, `scope=this` (or `thisAndFollowing`) with `occurrenceStart` answers one occurrence ' +
      '(or it and the following ones); the default `all` answers the whole series. Declined occurrences leave your ' +
      'calendar and your free/busy.',
  })
  @ApiOkResponse({ type: EventResponseDto, description: 'the meeting as you see it now' })
  @ApiNotFoundResponse({ description: 'no such meeting, or you are not one of its attendees' })
  async rsvp(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: EditScopeQueryDto,
    @Body() body: RsvpDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const event = await this.events.rsvp(
      user,
      id,
      body,
      { scope: q.scope, occurrenceStart: q.occurrenceStart },
      q.timeZone,
    );
    reply.header('etag', event.etag);
    return event;
  }

  @Get(':id')
  @ApiOkResponse({
    type: EventResponseDto,
    description: 'as an attendee, the meeting on your own calendar, with your responseStatus',
  })
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
  @ApiOperation({
    summary: 'Change an event (scope: this, thisAndFollowing or all); an attendee sets their own reminders',
    description:
      'The organizer (or a writer of the calendar) changes anything; each change of time, place, title or guests raises ' +
      'sequence. An attendee may send only `reminders` (scope all): their own reminders of the meeting, e.g. ' +
      '{"reminders": [10]}; [] for none, null for their primary calendar\'s defaultReminders. Anything else by an attendee is 403.',
  })
  @ApiForbiddenResponse({
    description:
      'below writer on the calendar, or an attendee changing more than their own reminders (only the organizer changes a meeting)',
  })
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
  @ApiNoContentResponse({
    description: 'deleted (cancelled for every attendee); by an attendee: declined, off their calendar only',
    headers: {
      'Invitations-Sent': {
        description:
          'the body is empty, so this says what `invitationsSent` says on create and update: `true` when ' +
          'METHOD:CANCEL (or, for one occurrence, an updated REQUEST) emails were queued to the guests; ' +
          '`false` without SMTP_URL or guests',
        schema: { type: 'string', enum: ['true', 'false'], example: 'true' },
      },
    },
  })
  @ApiPreconditionFailedResponse({ description: 'If-Match is stale' })
  async remove(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: EditScopeQueryDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { invitationsSent } = await this.events.remove(user, id, {
      scope: q.scope,
      occurrenceStart: q.occurrenceStart,
      ifMatch,
    });
    reply.header('invitations-sent', String(invitationsSent));
  }
}

/** How far ahead GET /v1/invitations looks (the listing's window is at most 366 days). */
const INVITATIONS_HORIZON_MS = 365 * 86_400_000;

@ApiTags('events')
@Authenticated()
@Controller('v1/invitations')
export class InvitationsController {
  constructor(private readonly queries: EventQueryService) {}

  @Get()
  @ApiOperation({
    summary: 'Pending invitations: upcoming meetings you have not answered',
    description: 'The same as GET /v1/events?responseStatus=needsAction from now for a year.',
  })
  @ApiOkResponse({ type: OccurrencePageDto })
  @Header('content-type', 'application/json; charset=utf-8')
  list(@CurrentUser() user: AuthUser, @Query() q: InvitationsQueryDto): Promise<Buffer> {
    // A whole minute, so repeats within it share a cache entry.
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    return this.queries.pageJson(user, {
      from,
      to: new Date(from.getTime() + INVITATIONS_HORIZON_MS),
      zone: q.timeZone ?? user.timeZone,
      cursor: q.cursor,
      limit: q.limit,
      responseStatus: 'needsAction',
    });
  }
}
