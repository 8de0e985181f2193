import { Body, Controller, Get, HttpCode, Post, Res, UnsupportedMediaTypeException } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { IcsImportResultDto, IcsService } from '@app/calendar';
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
    reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('content-disposition', 'attachment; filename="calendar.ics"');
    return this.ics.exportCalendar(user.id, 'full', { timeZone: user.timeZone });
  }

  @Post('events/import')
  @IdempotentCreate()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import an iCalendar file',
    description:
      'Imports the VEVENTs of a text/calendar body (at most 2 MB), idempotent by UID: a new UID is created, a known one updated when ' +
      'its content changed, else reported as skipped (unchanged). All or nothing: a malformed file or event answers 400 naming the ' +
      'line or UID and imports nothing. Floating times and all-day dates are read in your time zone.',
  })
  @ApiConsumes('text/calendar')
  @ApiBody({
    schema: { type: 'string', example: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…\r\nEND:VCALENDAR\r\n' },
  })
  @ApiOkResponse({ type: IcsImportResultDto })
  @ApiBadRequestResponse({ description: 'malformed iCalendar; details name the line or UID' })
  import(@CurrentUser() user: AuthUser, @Body() body: unknown) {
    if (typeof body !== 'string')
      throw new UnsupportedMediaTypeException('Send the file as Content-Type: text/calendar.');
    return this.ics.importCalendar(user, body);
  }
}
