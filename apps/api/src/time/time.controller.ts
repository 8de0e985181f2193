import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TimeResolutionDto, TimeResolveDto, TimeResolver } from '@app/assistant';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';

@ApiTags('time')
@Authenticated()
@Controller('v1/time')
export class TimeController {
  constructor(private readonly resolver: TimeResolver) {}

  @Post('resolve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'What a time phrase means ("tomorrow at 3", "next week", "the first Monday of every month")',
    description:
      'The intervals it names in UTC and local time, with flags: ambiguous (and the alternatives), in_dst_gap, ' +
      'in_dst_overlap, in_past, outside_working_hours (yours). Read in your time zone unless timeZone is given.',
  })
  @ApiOkResponse({ type: TimeResolutionDto })
  resolve(@CurrentUser() user: AuthUser, @Body() body: TimeResolveDto) {
    return this.resolver.resolve(body.text, {
      now: new Date(),
      timeZone: body.timeZone ?? user.timeZone,
      workingHours: user.workingHours,
    });
  }
}
