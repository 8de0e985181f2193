import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { DEFAULT_ROLE, Role, ROLES } from './roles';
import { DEFAULT_WORKING_HOURS, WorkingHours } from './working-hours';

@Schema({ _id: false })
export class WorkingHoursDoc implements WorkingHours {
  @Prop({ type: [Number], required: true }) days!: number[];
  @Prop({ required: true }) start!: string;
  @Prop({ required: true }) end!: string;
}

/** An account. `email` is stored normalised (trimmed, lower-case), so its unique index is case-insensitive. */
@Schema({
  collection: 'users',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: 'updatedAt' },
})
export class UserDoc {
  _id!: Types.ObjectId;
  @Prop({ required: true }) email!: string;
  /** argon2id PHC string; read only by the login path, never returned. */
  @Prop({ required: true }) passwordHash!: string;
  @Prop({ required: true }) name!: string;
  @Prop({ required: true }) timeZone!: string;
  @Prop({
    type: WorkingHoursDoc,
    default: () => ({ ...DEFAULT_WORKING_HOURS, days: [...DEFAULT_WORKING_HOURS.days] }),
  })
  workingHours!: WorkingHoursDoc;
  /** Changed only by `ops users grant-admin | revoke-admin`, never through the API. */
  @Prop({ type: String, enum: ROLES, default: DEFAULT_ROLE }) role!: Role;
  /**
   * Moves on at every logout and password change; access tokens carry the epoch they were issued
   * in, and the auth guard refuses any other, so those end every session at once.
   */
  @Prop({ type: Number, default: 0 }) sessionEpoch!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

export const UserSchema = SchemaFactory.createForClass(UserDoc);
UserSchema.index({ email: 1 }, { unique: true });
