import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { FeedService } from '@app/calendar';
import type { FastifyReply } from 'fastify';

/** The subscription URLs themselves: no login, the secret token is the credential. */
@ApiTags('icalendar')
@Controller('feeds')
export class PublicFeedController {
  constructor(private readonly feeds: FeedService) {}

  @Get(':file')
  @ApiOperation({ summary: 'An iCalendar feed by its secret URL (no login)' })
  @ApiProduces('text/calendar')
  @ApiOkResponse({ description: 'text/calendar', schema: { type: 'string' } })
  @ApiNotFoundResponse({
    description: "unknown or revoked, or its creator no longer has the role it needs on the feed's calendar",
  })
  async feed(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!file.endsWith('.ics')) throw new NotFoundException('Feed not found.');
    const text = await this.feeds.render(file.slice(0, -4));
    reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('cache-control', 'private, max-age=300')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex');
    return text;
  }
}
