import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AclRepository } from './calendars/acl.repository';
import { AclRuleDoc, AclRuleSchema } from './calendars/acl-rule.schema';
import { AclService } from './calendars/acl.service';
import { CalendarAccessService } from './calendars/calendar-access.service';
import { CalendarRepository } from './calendars/calendar.repository';
import { CalendarDoc, CalendarSchema } from './calendars/calendar.schema';
import { CalendarService } from './calendars/calendar.service';
import { EventQueryService } from './events/event-query.service';
import { EventRepository } from './events/event.repository';
import { EventDoc, EventSchema } from './events/event.schema';
import { EventService } from './events/event.service';
import { MeetingPeople } from './events/meeting-people';
import { AvailabilityService } from './availability/availability.service';
import { ContactsService } from './contacts/contacts.service';
import { CalendarObjectsService } from './caldav/calendar-objects.service';
import { DavFileRepository } from './caldav/dav-file.repository';
import { DavFileDoc, DavFileSchema } from './caldav/dav-file.schema';
import { DavFilesService } from './caldav/dav-files.service';
import { FeedDoc, FeedSchema } from './ical/feed.schema';
import { FeedRepository } from './ical/feed.repository';
import { FeedService } from './ical/feed.service';
import { IcsService } from './ical/ics.service';
import { ItipOutbox } from './ical/itip-outbox';
import { ItipService } from './ical/itip.service';
import { EventChangePublisher } from './sync/event-change.publisher';
import { EventReadRepository } from './sync/event-read.repository';
import { EventSyncService } from './sync/event-sync.service';

/**
 * Calendars and their sharing (the one permission check, CalendarAccessService). Events: storage, recurrence-aware reads and writes; availability (free/busy, slots, holds); the people a user knows (contacts);
 * iCalendar export, import and feeds; incremental sync; change notifications for listeners.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: EventDoc.name, schema: EventSchema },
      { name: FeedDoc.name, schema: FeedSchema },
      { name: CalendarDoc.name, schema: CalendarSchema },
      { name: AclRuleDoc.name, schema: AclRuleSchema },
      { name: DavFileDoc.name, schema: DavFileSchema },
    ]),
  ],
  providers: [
    CalendarRepository,
    AclRepository,
    CalendarAccessService,
    CalendarService,
    AclService,
    EventRepository,
    EventService,
    EventQueryService,
    MeetingPeople,
    EventChangePublisher,
    EventReadRepository,
    EventSyncService,
    AvailabilityService,
    ContactsService,
    IcsService,
    FeedRepository,
    FeedService,
    ItipOutbox,
    ItipService,
    CalendarObjectsService,
    DavFileRepository,
    DavFilesService,
  ],
  exports: [
    CalendarAccessService,
    CalendarService,
    AclService,
    EventService,
    EventQueryService,
    MeetingPeople,
    EventChangePublisher,
    EventReadRepository,
    EventSyncService,
    AvailabilityService,
    ContactsService,
    IcsService,
    FeedService,
    ItipOutbox,
    ItipService,
    CalendarObjectsService,
    DavFilesService,
  ],
})
export class CalendarModule {}
