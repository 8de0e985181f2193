import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { AssistantMessageDto, AssistantMessageResponseDto, AssistantService } from '@app/assistant';
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
      'list and find_free answer at once; create creates at once; move and cancel return a changeset to confirm ' +
      '(POST /v1/changesets/{id}/confirm). Several matching events: a numbered question, answered by the next message ' +
      '("2", "the 3pm one"). 30 messages a minute.',
  })
  @ApiOkResponse({ type: AssistantMessageResponseDto })
  @ApiTooManyRequestsResponse({ description: 'more than 30 messages in a minute' })
  message(@CurrentUser() user: AuthUser, @Body() body: AssistantMessageDto) {
    return this.assistant.message(user, body.text);
  }
}
