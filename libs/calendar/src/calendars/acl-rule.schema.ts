import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { CALENDAR_ROLES, CalendarRole } from './calendar-role';

/**
 * One sharing rule: `email` has `role` on the calendar. Rules are by address, so sharing with an
 * address that has no account yet takes effect when it signs up; `granteeId` is that account's id
 * once known (filled at the grant or the grantee's first access), so a change to the calendar can
 * invalidate the grantee's cached reads.
 */
@Schema({
  collection: 'calendar_acl',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: 'updatedAt' },
})
export class AclRuleDoc {
  _id!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) calendarId!: Types.ObjectId;
  @Prop({ required: true }) email!: string;
  @Prop({ type: Types.ObjectId, default: null }) granteeId!: Types.ObjectId | null;
  @Prop({ type: String, enum: CALENDAR_ROLES, required: true }) role!: CalendarRole;
  createdAt!: Date;
  updatedAt!: Date;
}

export const AclRuleSchema = SchemaFactory.createForClass(AclRuleDoc);
AclRuleSchema.index({ calendarId: 1, email: 1 }, { unique: true });
AclRuleSchema.index({ email: 1 });

export type AclRuleRecord = Omit<AclRuleDoc, never>;
