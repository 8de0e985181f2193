import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';
import { Audited } from '@app/security';
import {
  DeliveryListQueryDto,
  DeliveryListResponseDto,
  DeliveryResponseDto,
  WebhookCreateDto,
  WebhookCreatedResponseDto,
  WebhookListResponseDto,
  WebhookResponseDto,
  WebhookService,
} from '@app/webhooks';
import { IdempotentCreate } from '../http/idempotency.interceptor';

@ApiTags('webhooks')
@Authenticated()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post()
  @IdempotentCreate()
  @ApiOperation({
    summary: 'Subscribe a URL to event changes',
    description:
      'POSTs JSON {id, type, createdAt, data: {event}} for event.created, event.updated and event.deleted, and for ' +
      'event.reminder at each reminder of each occurrence, once (data: {event, occurrence: {originalStart, start, end}, ' +
      'minutesBefore, remindAt, late}; late: sent after its time because no worker ran then — not sent once the occurrence ended; ' +
      "your reminders: an event's own or its calendar's defaultReminders, and as an attendee your own or your primary's defaultReminders), " +
      'event.invited when you are added to a meeting (to your own subscriptions watching your primary; data: {event} as you see it, ' +
      'calendarId your primary, responseStatus yours), and event.responded when an attendee answers a meeting of a watched calendar ' +
      '(data: {event, attendee: {email, name?}, response, comment, scope, occurrenceStart}). Meetings you are invited to reach your ' +
      "primary's subscriptions like its own events (event.deleted once cancelled or you are taken off). Signed in " +
      'X-Calendar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>. Non-2xx answers are retried with ' +
      'exponential backoff for more than 24 hours. The URL must be https and must not resolve to a private, loopback or link-local address. ' +
      'calendarIds names the calendars watched (default: your primary), yours or shared with you: each needs the reader role. A change ' +
      'is delivered only while you still have it (checked at each change and before each attempt; a delivery pending when you lose it ' +
      "is cancelled). As a reader, a private event's body shows it as busy only (title 'Busy', no description, location or attendees).",
  })
  @ApiCreatedResponse({
    type: WebhookCreatedResponseDto,
    description: 'the secret is shown only in this answer',
  })
  @ApiBadRequestResponse({ description: 'the URL is not allowed, or a calendar id is malformed' })
  @ApiForbiddenResponse({
    description: 'your role on a calendar is below reader (the message says so); nothing created',
  })
  @ApiNotFoundResponse({
    description: 'a calendar does not exist or you have no role on it; nothing created',
  })
  create(@CurrentUser() user: AuthUser, @Body() body: WebhookCreateDto) {
    return this.webhooks.create(user, body);
  }

  @Get()
  @ApiOkResponse({ type: WebhookListResponseDto })
  async list(@CurrentUser() user: AuthUser) {
    return { items: await this.webhooks.list(user) };
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookResponseDto })
  @ApiNotFoundResponse()
  get(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.webhooks.get(user, id);
  }

  @Delete(':id')
  @Audited('webhook_delete')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    await this.webhooks.remove(user, id);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({
    type: DeliveryListResponseDto,
    description: 'each delivery with its attempts (status code, latency, error)',
  })
  @ApiNotFoundResponse()
  async deliveries(@CurrentUser() user: AuthUser, @Param('id') id: string, @Query() q: DeliveryListQueryDto) {
    return { items: await this.webhooks.listDeliveries(user, id, q.limit) };
  }

  @Post(':id/deliveries/:deliveryId/replay')
  @IdempotentCreate()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a delivery again (same body, fresh signature, one attempt), as a new delivery',
  })
  @ApiAcceptedResponse({ type: DeliveryResponseDto })
  @ApiNotFoundResponse()
  replay(@CurrentUser() user: AuthUser, @Param('id') id: string, @Param('deliveryId') deliveryId: string) {
    return this.webhooks.replay(user, id, deliveryId);
  }
}
