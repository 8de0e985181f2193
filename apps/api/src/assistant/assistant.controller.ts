import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import {
  ASSISTANT_MESSAGE_EXAMPLES,
  ASSISTANT_REPLY_EXAMPLES,
  AssistantMessageDto,
  AssistantMessageResponseDto,
  AssistantService,
} from '@app/assistant';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';
import { IdempotentCreate } from '../http/idempotency.interceptor';

@ApiTags('assistant')
@Authenticated()
@Controller('v1/assistant')
export class AssistantController {
  constructor(private readonly assistant: AssistantService) {}

  @Post('messages')
  @IdempotentCreate()
  @HttpCode(200)
  @ApiOperation({
    summary: 'A plain-language request about your calendar',
    description:
      'list, find_free and check ("am I free Thursday at 2?": yes or no first, then the nearest free times; with people, ' +
      '"is Sam free at 3?", their free/busy too, who is busy, and whose calendar you cannot see) answer at ' +
      'once; create and invite act at once and return the applied changeset; move (to a time, or by a shift) and ' +
      'cancel (one event, or every matching one in a named span, at most 50) return a changeset to confirm ' +
      '(POST /v1/changesets/{id}/confirm); undo reverts your latest applied changeset. People are named by address or ' +
      'by the name of a contact (GET /v1/contacts). Several matching events or people: a numbered question, answered by ' +
      'the next message ("2", "the 3pm one"). "it" means the event just discussed (15 minutes): "move it to 4", "make it ' +
      '30 minutes" (plan.durationMinutes: the start stays), "invite Sam too". Plan version 2 adds event.attendees, ' +
      'attendees, shift, target.all and the intents check, invite and undo (docs/assistant-contract.md). A retry with the same ' +
      'Idempotency-Key replays the first answer. 30 messages a minute.',
  })
  @ApiBody({ type: AssistantMessageDto, examples: ASSISTANT_MESSAGE_EXAMPLES })
  @ApiOkResponse({ type: AssistantMessageResponseDto, examples: ASSISTANT_REPLY_EXAMPLES })
  @ApiTooManyRequestsResponse({ description: 'more than 30 messages in a minute' })
  message(@CurrentUser() user: AuthUser, @Body() body: AssistantMessageDto) {
    return this.assistant.message(user, body.text);
  }
}
