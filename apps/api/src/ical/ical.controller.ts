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
} from '@nestjs/swagger';
import { IcsImportQueryDto, IcsImportResultDto, IcsService } from '@app/calendar';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';
import type { FastifyReply } from 'fastify';
import { IdempotentCreate } from '../http/idempotency.interceptor';

@ApiTags('icalendar')
@Authenticated()
@Controller('v1')
export class IcalController {
  constructor(private readonly ics: IcsService) {}

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
}

/** Sends iCalendar text as a download (set after the text is made, so an error answers JSON). */
function icsAttachment(reply: FastifyReply, text: string): string {
  reply
    .header('content-type', 'text/calendar; charset=utf-8')
    .header('content-disposition', 'attachment; filename="calendar.ics"');
  return text;
}
