import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * An XML element of a dead property's value, its namespace resolved; attributes as {name, value}
 * objects (FerretDB 1.24 stores no arrays of arrays).
 */
export interface DeadXml {
  ns: string;
  name: string;
  attrs: { name: string; value: string }[];
  text: string;
  children: DeadXml[];
}

/** A dead property (RFC 4918 §4): whatever a client set with PROPPATCH, kept as sent. */
export interface DeadProp {
  ns: string;
  name: string;
  text: string;
  children: DeadXml[];
}

/**
 * A plain WebDAV collection inside a calendar collection (RFC 4791 §4.2 lets a calendar hold
 * collections that are not calendars), or a file in one: `parent` is the path of its collection
 * below the calendar ('' for one directly in the calendar), `name` its own. Nothing here is
 * calendar data: these are WebDAV resources with dead properties, for WebDAV clients (and litmus).
 * The calendar's role governs them; they are purged with the calendar.
 */
@Schema({
  collection: 'dav_files',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: 'updatedAt' },
})
export class DavFileDoc {
  _id!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) calendarId!: Types.ObjectId;
  /** The calendar's owner, whose account the limits count against. */
  @Prop({ type: Types.ObjectId, required: true }) ownerId!: Types.ObjectId;
  @Prop({ type: String, default: '' }) parent!: string;
  @Prop({ required: true }) name!: string;
  @Prop({ default: false }) isCollection!: boolean;
  @Prop({ type: String, default: null }) body!: string | null;
  @Prop({ type: String, default: null }) contentType!: string | null;
  @Prop({ type: String, default: null }) etag!: string | null;
  @Prop({ type: [Object], default: [] }) props!: DeadProp[];
  createdAt!: Date;
  updatedAt!: Date;
}

export const DavFileSchema = SchemaFactory.createForClass(DavFileDoc);
DavFileSchema.index({ calendarId: 1, parent: 1, name: 1 }, { unique: true });
DavFileSchema.index({ ownerId: 1, isCollection: 1 });

export type DavFileRecord = Omit<DavFileDoc, never>;
