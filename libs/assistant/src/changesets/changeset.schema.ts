import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * previewed → confirmed → undone; previewed → expired (token too old), stale (an event changed) or
 * discarded (declined when the MCP client was asked to confirm).
 */
export const CHANGESET_STATES = [
  'previewed',
  'applying',
  'confirmed',
  'undoing',
  'undone',
  'expired',
  'stale',
  'discarded',
] as const;
export type ChangesetState = (typeof CHANGESET_STATES)[number];
/**
 * move, cancel and edit (other fields of an event, the MCP server's update_event) are previewed and
 * confirmed; create and invite are applied at once and recorded already confirmed, so every change
 * the assistant makes can be undone the same way.
 */
export const CHANGESET_KINDS = ['move', 'cancel', 'edit', 'create', 'invite'] as const;
export type ChangesetKind = (typeof CHANGESET_KINDS)[number];

/** An event's timing: instants, plus the dates of an all-day event (end exclusive). */
@Schema({ _id: false })
export class ChangesetTimingDoc {
  @Prop({ required: true }) allDay!: boolean;
  @Prop({ type: Date, required: true }) start!: Date;
  @Prop({ type: Date, required: true }) end!: Date;
  @Prop() startDate?: string;
  @Prop() endDate?: string;
}
const ChangesetTimingSchema = SchemaFactory.createForClass(ChangesetTimingDoc);

/** One event (or one occurrence of a series) the changeset touches. */
@Schema({ _id: false })
export class ChangesetItemDoc {
  @Prop({ required: true }) eventId!: string;
  @Prop({ required: true }) title!: string;
  @Prop({ required: true }) recurring!: boolean;
  /** The occurrence had been moved or edited before (an override of its series). */
  @Prop({ default: false }) overridden!: boolean;
  /** `this` with `occurrenceStart` for an occurrence of a series, `all` for a single event. */
  @Prop({ type: String, required: true, enum: ['this', 'all'] }) scope!: 'this' | 'all';
  @Prop({ type: Date, default: null }) occurrenceStart!: Date | null;
  /** The timing before the change; null for a create (there was no event). */
  @Prop({ type: ChangesetTimingSchema, default: null }) before!: ChangesetTimingDoc | null;
  /** The new timing of a move (a create's and an invite's timing); null for a cancel. */
  @Prop({ type: ChangesetTimingSchema, default: null }) after!: ChangesetTimingDoc | null;
  /** invite: the attendee addresses before and after (undo puts the first list back). */
  @Prop({ type: [String], default: undefined }) attendeesBefore?: string[];
  @Prop({ type: [String], default: undefined }) attendeesAfter?: string[];
  /**
   * edit: the event fields it sets (as PATCH /v1/events/{id} takes them) and their values before,
   * which undo sets back; the timing, when it changes too, is in before/after as for a move.
   */
  @Prop({ type: Object, default: undefined }) fieldsBefore?: Record<string, unknown>;
  @Prop({ type: Object, default: undefined }) fieldsAfter?: Record<string, unknown>;
  /** The event's version (ETag) at preview: confirming requires it unchanged (If-Match). */
  @Prop({ required: true }) previewVersion!: number;
  /** The version the apply produced: undoing requires it unchanged. */
  @Prop({ type: Number, default: null }) appliedVersion!: number | null;
}
const ChangesetItemSchema = SchemaFactory.createForClass(ChangesetItemDoc);

@Schema({ _id: false })
export class ChangesetConflictDoc {
  @Prop({ required: true }) seriesId!: string;
  @Prop({ required: true }) title!: string;
  @Prop({ required: true }) start!: string;
  @Prop({ required: true }) end!: string;
}
const ChangesetConflictSchema = SchemaFactory.createForClass(ChangesetConflictDoc);

/** Who asked what, and how it was understood: the changeset's audit record. */
@Schema({ _id: false })
export class ChangesetRequestDoc {
  @Prop({ required: true }) text!: string;
  @Prop({ type: String, required: true }) interpreter!: 'offline' | 'llm';
  @Prop({ type: String, default: null }) model!: string | null;
  @Prop({ type: [String], default: [] }) toolCallIds!: string[];
  @Prop({ type: String, default: null }) fallbackReason!: string | null;
  @Prop({ type: Object, required: true }) plan!: Record<string, unknown>;
}
const ChangesetRequestSchema = SchemaFactory.createForClass(ChangesetRequestDoc);

/**
 * A previewed change (move or cancel) waiting for confirmation: the matched events with their
 * before/after timing, the conflicts the change would cause, and the SHA-256 of a single-use
 * confirmation token (never the token) that expires after 5 minutes. Once applied it can be undone
 * for 24 hours, as long as the events have not changed since.
 */
@Schema({
  collection: 'changesets',
  versionKey: false,
  timestamps: { createdAt: 'createdAt', updatedAt: 'updatedAt' },
})
export class ChangesetDoc {
  _id!: Types.ObjectId;
  @Prop({ type: Types.ObjectId, required: true }) ownerId!: Types.ObjectId;
  @Prop({ type: String, required: true, enum: CHANGESET_KINDS }) kind!: ChangesetKind;
  @Prop({ type: String, required: true, enum: CHANGESET_STATES }) state!: ChangesetState;
  @Prop({ required: true }) tokenHash!: string;
  @Prop({ type: Date, required: true }) expiresAt!: Date;
  @Prop({ type: [ChangesetItemSchema], required: true }) items!: ChangesetItemDoc[];
  @Prop({ type: [ChangesetConflictSchema], default: [] }) conflicts!: ChangesetConflictDoc[];
  /** How many occurrences the change touches. */
  @Prop({ required: true }) occurrences!: number;
  @Prop({ required: true }) summary!: string;
  @Prop({ type: ChangesetRequestSchema, required: true }) request!: ChangesetRequestDoc;
  @Prop({ type: Date, default: null }) confirmedAt!: Date | null;
  @Prop({ type: Date, default: null }) undoUntil!: Date | null;
  @Prop({ type: Date, default: null }) undoneAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const ChangesetSchema = SchemaFactory.createForClass(ChangesetDoc);
ChangesetSchema.index({ ownerId: 1, createdAt: -1 });
// The latest applied changeset (the assistant's "undo").
ChangesetSchema.index({ ownerId: 1, state: 1, confirmedAt: -1 });

export type ChangesetRecord = Omit<ChangesetDoc, never>;
