import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { EventSyncService, SyncQueryDto, SyncResponseDto } from '@app/calendar';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';

@ApiTags('events')
@Authenticated()
@Controller('v1/events')
export class SyncController {
  constructor(private readonly sync: EventSyncService) {}

  @Get('sync')
  @ApiOperation({
    summary: 'Incremental sync',
    description:
      'Without syncToken: every live event (a full sync) and a nextSyncToken. With it: the events created or changed since, deleted ' +
      'ones as tombstones {id, uid, deleted: true}, and a new token. While hasMore, call again at once with nextSyncToken. ' +
      'An item may come again (it changed once more, or it changed within seconds of the last sync): apply items by id. ' +
      'A token older than 30 days, or not ours, answers 410 Gone: drop local state and do a full sync. ' +
      'One calendar per token (calendarId, default primary; needs the reader role, checked on every call): a token used with ' +
      "another calendarId answers 400 naming the calendar it belongs to. As a reader, private events come as busy only (title 'Busy', no details).",
  })
  @ApiOkResponse({ type: SyncResponseDto })
  @ApiGoneResponse({ description: 'the token expired or is invalid: start over with a full sync' })
  @ApiBadRequestResponse({ description: 'the token belongs to another calendar than calendarId' })
  @ApiForbiddenResponse({ description: 'you can only see free/busy of this calendar (needs reader)' })
  @ApiNotFoundResponse({ description: 'no such calendar, or you have no role on it (any more)' })
  run(@CurrentUser() user: AuthUser, @Query() q: SyncQueryDto) {
    return this.sync.sync(user, q);
  }
}
