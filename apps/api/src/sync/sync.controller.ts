import { Controller, Get, Query } from '@nestjs/common';
import { ApiGoneResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
      'A token older than 30 days, or not ours, answers 410 Gone: drop local state and do a full sync.',
  })
  @ApiOkResponse({ type: SyncResponseDto })
  @ApiGoneResponse({ description: 'the token expired or is invalid: start over with a full sync' })
  run(@CurrentUser() user: AuthUser, @Query() q: SyncQueryDto) {
    return this.sync.sync(user, q.syncToken, q.limit);
  }
}
