import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
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
    summary: 'Your busy times in a window',
    description:
      'Merged busy intervals overlapping [from, to), recurring series expanded, clipped to the window. Busy follows RFC 5545 TRANSP: ' +
      'transparent events never count. All-day events are opaque — busy for their whole local days — unless marked transparent ' +
      '(unlike Google Calendar, which shows new all-day events as free, we follow the stored TRANSP; imported all-day events keep theirs). ' +
      'Slot holds are not events and are not listed here.',
  })
  @ApiOkResponse({ type: FreeBusyResponseDto })
  freeBusy(@CurrentUser() user: AuthUser, @Query() q: FreeBusyQueryDto) {
    return this.availability.freeBusy(user.id, new Date(q.from), new Date(q.to), q.timeZone ?? user.timeZone);
  }

  @Post('slots')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Free slots for a meeting',
    description:
      'Slots of durationMinutes inside your working hours (in your time zone) unless workingHoursOnly is false, clear of busy times ' +
      '(as in free-busy) and of slot holds, each widened by bufferMinutes, never in the past; starts on a stepMinutes grid of your ' +
      'local clock, earliest first. With no slot, `reason` says why (outside_working_hours, fully_booked, window_too_short).',
  })
  @ApiOkResponse({ type: SlotsResponseDto })
  async slots(@CurrentUser() user: AuthUser, @Body() body: SlotQueryDto) {
    return toSlotsResponse(
      await this.availability.findSlots(user, { ...body, from: new Date(body.from), to: new Date(body.to) }),
    );
  }

  @Post('holds')
  @IdempotentCreate()
  @ApiOperation({
    summary: 'Hold a slot for 5 minutes while it is confirmed; held time is left out of further suggestions',
  })
  @ApiCreatedResponse({ type: HoldResponseDto })
  @ApiConflictResponse({ description: 'the time is busy or overlaps another hold' })
  async hold(@CurrentUser() user: AuthUser, @Body() body: HoldCreateDto) {
    return toHoldResponse(await this.availability.hold(user, new Date(body.start), new Date(body.end)));
  }

  @Get('holds')
  @ApiOkResponse({ type: HoldListResponseDto })
  async holds(@CurrentUser() user: AuthUser) {
    return { items: (await this.availability.listHolds(user)).map(toHoldResponse) };
  }

  @Delete('holds/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'released' })
  @ApiNotFoundResponse({ description: 'no such live hold of yours (it may have expired)' })
  async release(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    await this.availability.releaseHold(user, id);
  }
}
