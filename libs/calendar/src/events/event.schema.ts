import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import type { IcsExtras } from '../ical/ics-extras';
import type { Attendee, Organizer } from './attendees';

/** Descriptive fields of an event: copied per occurrence, overridable per occurrence. */
export interface EventFields {
  title: string;
  description?: string | null;
  location?: string | null;
  /** A meeting's guests, each with their own response; an override's list is that occurrence's answers. */
  attendees?: Attendee[];
  reminders?: number[];
  /** RFC 5545 TRANSP: a transparent event does not block time (free/busy, conflicts). */
  transparency?: 'opaque' | 'transparent';
  /** `private`: readers of a shared calendar see the event as busy only (its owner and writers see all). */
  visibility?: 'default' | 'private';
}

@Schema({ _id: false })
export class EventOverrideDoc {
  @Prop({ type: Date, required: true }) originalStart!: Date;
  @Prop() cancelled?: boolean;
  @Prop() allDay?: boolean;
  @Prop({ type: Date }) start?: Date;
  @Prop({ type: Date }) end?: Date;
  @Prop() startDate?: string;
  @Prop() endDate?: string;
  @Prop({ type: Object }) fields?: Partial<EventFields>;
}

/**
 * One event or recurring series. Times are instants in UTC with the event's IANA zone; all-day
 * events also keep their dates. `rangeStart`/`rangeEnd` bound every occurrence (including moved
 * overrides) so a window query is one indexed range scan; `rangeEnd` null means "no end".
 * Deletion is soft (`deletedAt`, a tombstone for incremental sync).
 */
@Schema({
  collection: 'events',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: 'updatedAt' },
})
export class EventDoc {
  _id!: Types.ObjectId;
  /** The calendar the event is in; every read and write is scoped by it (and the caller's role on it). */
  @Prop({ type: Types.ObjectId, required: true }) calendarId!: Types.ObjectId;
  /** The calendar's owner (follows the event when it moves to another owner's calendar). */
  @Prop({ type: Types.ObjectId, required: true }) ownerId!: Types.ObjectId;
  /** Calendars the event moved out of: their syncing clients get it as a tombstone. */
  @Prop({ type: [Types.ObjectId], default: undefined }) formerCalendarIds?: Types.ObjectId[];
  @Prop({ required: true }) title!: string;
  @Prop({ type: String, default: null }) description!: string | null;
  @Prop({ type: String, default: null }) location!: string | null;
  /** The owner of the calendar the meeting was made in (null only for an owner gone before migration 002). */
  @Prop({ type: Object, default: null }) organizer!: Organizer | null;
  @Prop({ type: [Object], default: [] }) attendees!: Attendee[];
  /**
   * Every address in `attendees` and in the overrides' lists, lower-case: "the events I am invited
   * to" is one indexed equality on this top-level array (derived in toState, never written alone).
   */
  @Prop({ type: [String], default: [] }) attendeeEmails!: string[];
  /**
   * Addresses taken off the meeting (in no list any more, lower-case): their syncing clients and
   * webhooks get it as deleted. Kept disjoint from `attendeeEmails` (set with it, by the organizer's edits).
   */
  @Prop({ type: [String], default: undefined }) formerAttendeeEmails?: string[];
  /** iCalendar SEQUENCE: bumped by each organizer change of time, place, title or attendees. */
  @Prop({ type: Number, default: 0 }) sequence!: number;
  @Prop({ type: [Number], default: [] }) reminders!: number[];
  @Prop({ type: String, default: 'opaque' }) transparency!: 'opaque' | 'transparent';
  @Prop({ type: String, default: 'default' }) visibility!: 'default' | 'private';
  @Prop({ type: Date, required: true }) start!: Date;
  @Prop({ type: Date, required: true }) end!: Date;
  @Prop({ required: true }) timeZone!: string;
  @Prop({ default: false }) allDay!: boolean;
  @Prop() startDate?: string;
  @Prop() endDate?: string;
  @Prop({ type: String, default: null }) recurrence!: string | null;
  @Prop({ type: [Date], default: [] }) exdates!: Date[];
  @Prop({ type: [EventOverrideDoc], default: [] }) overrides!: EventOverrideDoc[];
  @Prop({ type: Date, required: true }) rangeStart!: Date;
  @Prop({ type: Date, default: null }) rangeEnd!: Date | null;
  @Prop({ required: true, default: 1 }) version!: number;
  /** iCalendar UID, stable across exports and imports. */
  @Prop({ required: true }) uid!: string;
  @Prop() idempotencyKey?: string;
  /**
   * What a CalDAV client sent that the project does not model (X- properties, its own VALARMs),
   * given back verbatim on read; absent on events never PUT over CalDAV (read as none).
   */
  @Prop({ type: Object, default: undefined }) icalExtras?: IcsExtras | null;
  @Prop({ type: Date, default: null }) deletedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const EventSchema = SchemaFactory.createForClass(EventDoc);
// Window reads: a calendar's live events whose range overlaps [from, to).
EventSchema.index({ calendarId: 1, deletedAt: 1, rangeStart: 1 });
EventSchema.index({ calendarId: 1, uid: 1 });
EventSchema.index({ calendarId: 1, updatedAt: 1 });
EventSchema.index({ formerCalendarIds: 1, updatedAt: 1 }, { sparse: true });
EventSchema.index({ calendarId: 1, idempotencyKey: 1 }, { sparse: true });
// Attendee reads: the live meetings an address is invited to whose range overlaps [from, to).
EventSchema.index({ attendeeEmails: 1, deletedAt: 1, rangeStart: 1 });
// An attendee's sync of their primary calendar: the meetings they are (or were) invited to, in change order.
EventSchema.index({ attendeeEmails: 1, updatedAt: 1 });
EventSchema.index({ formerAttendeeEmails: 1, updatedAt: 1 }, { sparse: true });

/** A lean event document as read from MongoDB. */
export type EventRecord = Omit<EventDoc, never>;
