import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  CHANGESET_OUTCOME_EXAMPLES,
  ChangesetConfirmDto,
  ChangesetOutcomeDto,
  ChangesetResponseDto,
  ChangesetService,
} from '@app/assistant';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';
import { Audited } from '@app/security';
import { IdempotentCreate } from '../http/idempotency.interceptor';

@ApiTags('assistant')
@Authenticated()
@Controller('v1/changesets')
export class ChangesetsController {
  constructor(private readonly changesets: ChangesetService) {}

  @Get(':id')
  @ApiOperation({
    summary: 'A changeset: a preview, or an applied or undone change (kind move, cancel, create or invite)',
  })
  @ApiOkResponse({
    type: ChangesetResponseDto,
    example: CHANGESET_OUTCOME_EXAMPLES.confirmed.value.changeset,
  })
  @ApiNotFoundResponse({ description: 'no such changeset of yours' })
  get(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.changesets.get(user, id);
  }

  @Post(':id/confirm')
  @IdempotentCreate()
  @Audited('changeset_confirm')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Apply a previewed move or cancel (single-use token, valid 5 minutes)',
    description:
      'A bulk cancel ("cancel all my meetings on Friday", target.all in the plan) is one changeset: confirming it ' +
      'removes every event it listed, and one undo restores them all.',
  })
  @ApiOkResponse({ type: ChangesetOutcomeDto, example: CHANGESET_OUTCOME_EXAMPLES.confirmed.value })
  @ApiNotFoundResponse({ description: 'no such changeset of yours, or the token does not match' })
  @ApiGoneResponse({ description: 'the token expired (5 minutes): ask again for a fresh preview' })
  @ApiPreconditionFailedResponse({ description: 'an event changed since the preview; nothing was applied' })
  @ApiConflictResponse({ description: 'already confirmed (a token works once)' })
  confirm(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() body: ChangesetConfirmDto) {
    return this.changesets.confirm(user, id, body.token);
  }

  @Post(':id/undo')
  @Audited('changeset_undo')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revert an applied changeset (within 24 hours, if its events have not changed since)',
    description:
      'A move goes back, a cancel (a bulk one too) is restored, a create is deleted, an invite takes the guests off ' +
      'again — each only while the event is still at the version the change left (ETag), else 412 and nothing reverted. ' +
      'The message "undo" does the same for your latest applied changeset.',
  })
  @ApiOkResponse({ type: ChangesetOutcomeDto, example: CHANGESET_OUTCOME_EXAMPLES.undone.value })
  @ApiNotFoundResponse({ description: 'no such changeset of yours' })
  @ApiGoneResponse({ description: 'applied more than 24 hours ago' })
  @ApiPreconditionFailedResponse({ description: 'an event changed after the apply; nothing was reverted' })
  @ApiConflictResponse({ description: 'not confirmed, or already undone' })
  undo(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.changesets.undo(user, id);
  }
}
