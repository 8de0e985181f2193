import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * A security-relevant event. Identity writes `auth_failure` events; the security lib reads them
 * (by time, and by IP over time) to find suspicious clients.
 */
@Schema({ collection: 'audit_events', versionKey: false })
export class AuditEventDoc {
  _id!: Types.ObjectId;
  @Prop({ required: true }) type!: string;
  @Prop({ required: true }) ip!: string;
  @Prop({ required: true }) reason!: string;
  @Prop({ type: Date, required: true }) at!: Date;
  @Prop({ type: Types.ObjectId }) userId?: Types.ObjectId;
}

export const AuditEventSchema = SchemaFactory.createForClass(AuditEventDoc);
AuditEventSchema.index({ at: 1 });
AuditEventSchema.index({ ip: 1, at: 1 });
