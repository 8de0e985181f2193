export * from './calendar.module';
export * from './calendars/calendar-role';
export * from './calendars/calendar.dto';
export { CalendarService, toCalendarResponse } from './calendars/calendar.service';
export { AclService, CREATOR_RULE_ID } from './calendars/acl.service';
export { CalendarAccessService } from './calendars/calendar-access.service';
export type { CalendarGrant, VisibleCalendar } from './calendars/calendar-access.service';
export * from './events/event.dto';
export * from './events/event.service';
export * from './events/event-query.service';
export {
  attendeeReminderSeries,
  MeetingPeople,
  type MeetingAccount,
  type ReminderPerson,
} from './events/meeting-people';
export {
  RESPONSE_STATUSES,
  RSVP_RESPONSES,
  type RsvpResponse,
  type ResponseStatus,
} from './events/attendees';
export * from './events/event.mapper';
export type { EventFields } from './events/event.schema';
export * from './time/zone';
export * from './time/local-date';
export * from './time/time-zone.error';
export type { OffsetTransition } from './time/offsets';
export * from './recurrence/types';
export * from './recurrence/rrule';
export { expandOccurrences, MAX_OCCURRENCES_PER_CALL } from './recurrence/expand';
export type { EditScope } from './recurrence/edit';
export * from './availability/availability.dto';
export * from './availability/availability.service';
export type { Interval, WorkingHoursSpec } from './availability/intervals';
export { PeopleDirectory, type DirectoryPerson } from './availability/people-directory';
export * from './contacts/contacts.dto';
export { ContactsService } from './contacts/contacts.service';
export * from './ical/ical.dto';
export { IcsService } from './ical/ics.service';
export { FeedService, toFeedResponse } from './ical/feed.service';
export * from './sync/sync.dto';
export { EventSyncService } from './sync/event-sync.service';
export { SyncTokenCodec, SYNC_TOKEN_MAX_AGE_MS } from './sync/sync-token';
export * from './sync/event-change.publisher';
export { EventReadRepository } from './sync/event-read.repository';
export { ItipOutbox, type ItipSender } from './ical/itip-outbox';
export { planItip, readItipReply, type ItipChange, type ItipMessage, type ItipReplyItem } from './ical/itip';
export type { ItipMethod } from './ical/ics-writer';
export { ItipService } from './ical/itip.service';
export {
  CalendarObjectsService,
  type CalendarObject,
  type DavCalendar,
  type ObjectChanges,
} from './caldav/calendar-objects.service';
export * from './caldav/caldav.errors';
export { DAV_FILE_LIMITS, DavFilesService, type DeadPropOp } from './caldav/dav-files.service';
export type { DavFileRecord, DeadProp, DeadXml } from './caldav/dav-file.schema';
export { calendarTimezone } from './caldav/calendar-timezone';
