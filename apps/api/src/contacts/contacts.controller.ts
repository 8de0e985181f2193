import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ContactListResponseDto, ContactsQueryDto, ContactsService } from '@app/calendar';
import { AuthUser, Authenticated, CurrentUser } from '@app/identity';

@ApiTags('contacts')
@Authenticated()
@Controller('v1/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ApiOperation({
    summary: 'The people you know: whom you share calendars or meetings with, and whom you invited',
    description:
      'Computed when asked from calendar sharing rules (either way), the meetings you are invited to (organizer and ' +
      'guests) and the guests of your own events. `q` filters by part of a name or address. The assistant resolves ' +
      'names ("invite Sam") against this list. Only who — never an event title or time.',
  })
  @ApiOkResponse({ type: ContactListResponseDto })
  @ApiBadRequestResponse({ description: '`q` longer than 200 characters' })
  async list(@CurrentUser() user: AuthUser, @Query() query: ContactsQueryDto) {
    return { items: await this.contacts.list(user, query.q) };
  }
}
