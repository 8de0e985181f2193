import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
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
  AvailabilityService,
  FreeBusyQueryDto,
  FreeBusyResponseDto,
  HoldCreateDto,
  HoldListResponseDto,
  HoldResponseDto,
  SlotQueryDto,
  SlotsResponseDto,
  toHoldResponse,
  toSlotsResponse,
} from '@app/calendar';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';
import { IdempotentCreate } from '../http/idempotency.interceptor';

@ApiTags('availability')
@Authenticated()
@Controller('v1/availability')
export class AvailabilityController {
  constructor(private readonly availability: AvailabilityService) {}

  @Get('free-busy')
  @ApiOperation({
    summary: 'Busy times of people (default: yours) in a window',
    description:
      "For each address in `emails` (default: yours; at most 50), the merged busy intervals of that person's primary calendar " +
      'overlapping [from, to), recurring series expanded, clipped to the window — busy intervals only, never a title, id, location ' +
      'or attendee. A person whose primary calendar you cannot see at least as freeBusyReader (a sharing rule, or ORG_DOMAINS) ' +
      'gets `{email, error: "notVisible"}`, the same whether or not the account exists. Without `emails` your own busy time is also ' +
      'at the top level (`busy`), as before. Busy follows RFC 5545 TRANSP: ' +
      'transparent events never count. All-day events are opaque — busy for their whole local days — unless marked transparent ' +
      '(unlike Google Calendar, which shows new all-day events as free, we follow the stored TRANSP; imported all-day events keep theirs). ' +
      'Slot holds are not events and are not listed here.',
  })
  @ApiOkResponse({ type: FreeBusyResponseDto })
  @ApiBadRequestResponse({
    description: 'a bad window, a malformed address or more than 50 of them; the message names the field',
  })
  freeBusy(@CurrentUser() user: AuthUser, @Query() q: FreeBusyQueryDto) {
    return this.availability.freeBusy(
      user,
      new Date(q.from),
      new Date(q.to),
      q.timeZone ?? user.timeZone,
      q.emails,
    );
  }

  @Post('slots')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Free slots for a meeting, yours or with other people',
    description:
      "Slots of durationMinutes where you and every attendee are free: inside everyone's working hours, each in their own time zone " +
      "(unless workingHoursOnly is false), clear of everyone's busy times (as in free-busy) and slot holds (a hold naming an attendee " +
      'blocks them too), each widened by bufferMinutes, never in the past; starts on a stepMinutes grid of your local clock. Ranked ' +
      'best first with `reasons` ("inside everyone\'s working hours", "Priya\'s 17:30 is late" — the last hour of someone\'s day; ' +
      "outside someone's hours ranks last), earliest first among equals. An attendee whose primary calendar you cannot see even as " +
      'freeBusyReader is named in `notVisible` and left out. With no slot, `reason` says why (outside_working_hours, fully_booked, ' +
      'window_too_short).',
  })
  @ApiOkResponse({ type: SlotsResponseDto })
  @ApiBadRequestResponse({
    description:
      'a bad window or duration, a malformed attendee address or more than 50; the message names the field',
  })
  async slots(@CurrentUser() user: AuthUser, @Body() body: SlotQueryDto) {
    return toSlotsResponse(
      await this.availability.findSlots(user, { ...body, from: new Date(body.from), to: new Date(body.to) }),
    );
  }

  @Post('holds')
  @IdempotentCreate()
  @ApiOperation({
    summary: 'Hold a slot for 5 minutes while it is confirmed; held time is left out of further suggestions',
    description:
      'With `attendees`, the time is held for them too: it is left out of their slots, whoever searches, until the hold lapses or ' +
      "you release it. Each attendee's primary calendar must be visible to you (at least freeBusyReader).",
  })
  @ApiCreatedResponse({ type: HoldResponseDto })
  @ApiBadRequestResponse({
    description: 'a bad time, or an attendee you cannot see (the message names `attendees`)',
  })
  @ApiConflictResponse({
    description: 'the time is busy for you or an attendee, or overlaps another hold of yours or theirs',
  })
  async hold(@CurrentUser() user: AuthUser, @Body() body: HoldCreateDto) {
    return toHoldResponse(
      await this.availability.hold(user, new Date(body.start), new Date(body.end), {
        attendees: body.attendees,
      }),
    );
  }

  @Get('holds')
  @ApiOkResponse({
    type: HoldListResponseDto,
    description: 'your own live holds (not those others made naming you)',
  })
  async holds(@CurrentUser() user: AuthUser) {
    return { items: (await this.availability.listHolds(user)).map(toHoldResponse) };
  }

  @Delete('holds/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'released' })
  @ApiNotFoundResponse({
    description: 'no such live hold made by you (it may have expired; an attendee cannot release it)',
  })
  async release(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    await this.availability.releaseHold(user, id);
  }
}
