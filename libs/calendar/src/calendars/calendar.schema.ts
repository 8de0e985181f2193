import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * A calendar. An account's primary calendar has the account's own id as `_id` (created at sign-up,
 * never deleted), so `primary` resolves without a query. `ownerEmail` lets free/busy and sharing
 * find a person's primary calendar by address. Deletion is soft: the events leave every listing at
 * once and are purged by `ops db maintenance` after CALENDAR_RETENTION_DAYS.
 */
@Schema({
  collection: 'calendars',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: 'updatedAt' },
})
export class CalendarDoc {
  _id!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) ownerId!: Types.ObjectId;
  @Prop({ required: true }) ownerEmail!: string;
  @Prop({ required: true }) name!: string;
  @Prop({ type: String, default: null }) description!: string | null;
  @Prop({ type: String, default: null }) color!: string | null;
  @Prop({ required: true }) timeZone!: string;
  @Prop({ default: false }) primary!: boolean;
  /**
   * Reminders (minutes before) of the events on this calendar that have none of their own, and of
   * the meetings its owner is invited to (a primary's) where they set none. Absent on calendars
   * made before it (read as none): no migration needed.
   */
  @Prop({ type: [Number], default: [] }) defaultReminders?: number[];
  @Prop({ type: Date, default: null }) deletedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const CalendarSchema = SchemaFactory.createForClass(CalendarDoc);
CalendarSchema.index({ ownerId: 1, deletedAt: 1 });
CalendarSchema.index({ ownerEmail: 1, primary: 1 });
CalendarSchema.index({ deletedAt: 1 });

export type CalendarRecord = Omit<CalendarDoc, never>;
