import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import {
  EventResponseDto,
  IcsImportQueryDto,
  IcsImportResultDto,
  IcsService,
  ItipService,
} from '@app/calendar';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';
import type { FastifyReply } from 'fastify';
import { IdempotentCreate } from '../http/idempotency.interceptor';

@ApiTags('icalendar')
@Authenticated()
@Controller('v1')
export class IcalController {
  constructor(
    private readonly ics: IcsService,
    private readonly itip: ItipService,
  ) {}

  @Get('calendar.ics')
  @ApiOperation({
    summary: 'Export your calendar (RFC 5545)',
    description:
      'Every event with UID, DTSTART/DTEND with TZID and a VTIMEZONE per zone used (all-day: VALUE=DATE), RRULE, EXDATE, changed ' +
      'occurrences as RECURRENCE-ID events, TRANSP, LOCATION, DESCRIPTION, ATTENDEE and a VALARM per reminder.',
  })
  @ApiProduces('text/calendar')
  @ApiOkResponse({ description: 'text/calendar', schema: { type: 'string' } })
  async export(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) reply: FastifyReply) {
    const text = await this.ics.exportFor(user);
    return icsAttachment(reply, text);
  }

  @Get('calendars/:id/calendar.ics')
  @ApiOperation({
    summary: 'Export one calendar (RFC 5545)',
    description:
      'The calendar as GET /v1/calendar.ics exports yours, by your role on it: reader or higher gets every event (as a reader, ' +
      'private events in the free/busy form: times only, SUMMARY "Busy", hashed UID, no details); a freeBusyReader gets the ' +
      'whole calendar in the free/busy form. The role is checked on every request.',
  })
  @ApiParam({
    name: 'id',
    description: '`primary` or a calendar id from GET /v1/calendars',
    example: 'primary',
  })
  @ApiProduces('text/calendar')
  @ApiOkResponse({ description: 'text/calendar', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'no such calendar, or you have no role on it (never a hint which)' })
  async exportOne(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const text = await this.ics.exportFor(user, id);
    return icsAttachment(reply, text);
  }

  @Post('events/import')
  @IdempotentCreate()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import an iCalendar file',
    description:
      'Imports the VEVENTs of a text/calendar body (at most 2 MB), idempotent by UID: a new UID is created, a known one updated when ' +
      'its content changed, else reported as skipped (unchanged). All or nothing: a malformed file or event answers 400 naming the ' +
      'line or UID and imports nothing. Floating times and all-day dates are read in your time zone. calendarId (default ' +
      'primary) names the calendar to import into; it needs the writer role.',
  })
  @ApiConsumes('text/calendar')
  @ApiBody({
    schema: { type: 'string', example: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…\r\nEND:VCALENDAR\r\n' },
  })
  @ApiOkResponse({ type: IcsImportResultDto })
  @ApiBadRequestResponse({ description: 'malformed iCalendar; details name the line or UID' })
  @ApiForbiddenResponse({ description: 'your role on the calendar is below writer (the message says so)' })
  @ApiNotFoundResponse({ description: 'no such calendar, or you have no role on it' })
  import(@CurrentUser() user: AuthUser, @Query() q: IcsImportQueryDto, @Body() body: unknown) {
    if (typeof body !== 'string')
      throw new UnsupportedMediaTypeException('Send the file as Content-Type: text/calendar.');
    return this.ics.importCalendar(user, body, q.calendarId);
  }

  @Post('itip')
  @HttpCode(200)
  @ApiOperation({
    summary: "Apply a guest's emailed answer (iTIP REPLY, RFC 5546) to your meeting",
    description:
      'Guests get invitations by email (METHOD:REQUEST, when SMTP_URL is set); their mail client answers the organizer with a ' +
      "METHOD:REPLY. Post that calendar part here, as the organizer (or a writer of the meeting's calendar), as " +
      'Content-Type text/calendar (or JSON `{"ics": "…"}`): the ATTENDEE\'s PARTSTAT (ACCEPTED, DECLINED or TENTATIVE) and ' +
      'COMMENT become their response, for the whole meeting or, with RECURRENCE-ID, one occurrence — the same as their own ' +
      'POST /v1/events/{id}/rsvp. A body that is not iCalendar answers 400; another METHOD, a UID that is not one of your ' +
      'meetings, or an ATTENDEE who is not its guest answers 422; nothing is changed then.',
  })
  @ApiConsumes('text/calendar', 'application/json')
  @ApiBody({
    schema: {
      type: 'string',
      example:
        'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Mail//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n' +
        'UID:6650c0ffee@calendar-assistant\r\nDTSTAMP:20261205T090000Z\r\nSEQUENCE:0\r\n' +
        'ORGANIZER:mailto:alex@example.com\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:chris@elsewhere.example\r\n' +
        'END:VEVENT\r\nEND:VCALENDAR\r\n',
    },
  })
  @ApiOkResponse({ type: EventResponseDto, description: 'the meeting as you (the organizer) see it now' })
  @ApiBadRequestResponse({ description: 'the body is not iCalendar (the message says why)' })
  @ApiUnsupportedMediaTypeResponse({ description: 'neither text/calendar nor JSON {"ics": "…"}' })
  @ApiUnprocessableEntityResponse({
    description:
      'METHOD is not REPLY, no meeting of yours has the UID, or the ATTENDEE is not its guest; nothing changed',
  })
  applyReply(@CurrentUser() user: AuthUser, @Body() body: unknown) {
    const text =
      typeof body === 'string'
        ? body
        : body && typeof body === 'object' && typeof (body as { ics?: unknown }).ics === 'string'
          ? (body as { ics: string }).ics
          : undefined;
    if (text === undefined)
      throw new UnsupportedMediaTypeException(
        'Send the REPLY as Content-Type: text/calendar, or as JSON {"ics": "BEGIN:VCALENDAR…"}.',
      );
    return this.itip.applyReply(user, text);
  }
}

/** Sends iCalendar text as a download (set after the text is made, so an error answers JSON). */
function icsAttachment(reply: FastifyReply, text: string): string {
  reply
    .header('content-type', 'text/calendar; charset=utf-8')
    .header('content-disposition', 'attachment; filename="calendar.ics"');
  return text;
}
