import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { parseObjectId } from '@app/database';
import { Model, Types, trusted } from 'mongoose';
import { EventDoc, EventRecord } from '../events/event.schema';

/** A position in the change order of one calendar's events: (updatedAt, _id). */
export interface ChangeKey {
  t: number;
  id: string;
}

/**
 * Read-only queries on the events collection for incremental sync, iCalendar export and import
 * (writes stay in EventRepository). Every method but `anyById` takes the calendar's id.
 */
@Injectable()
export class EventReadRepository {
  constructor(@InjectModel(EventDoc.name) private readonly model: Model<EventDoc>) {}

  /**
   * Events changed at or after `sinceMs`, in change order (updatedAt, then _id), at most `limit`;
   * tombstones only when deleted at or after `tombstonesSinceMs` (null: none). With tombstones, also
   * the events that moved out of the calendar (their `calendarId` is another: for this calendar they
   * are gone). Uses the (calendarId, updatedAt) and (formerCalendarIds, updatedAt) indexes.
   */
  async changedSince(
    calendarId: string,
    sinceMs: number,
    limit: number,
    tombstonesSinceMs: number | null = 0,
    /**
     * The calendar's owner's address (lower-case) when it is their primary calendar, synced by
     * them: the meetings they are invited to are among its changes too, and, with tombstones, those
     * they were taken off (formerAttendeeEmails).
     */
    invitee?: string,
  ): Promise<EventRecord[]> {
    const id = new Types.ObjectId(calendarId);
    const updatedAt = trusted({ $gte: new Date(sinceMs) });
    const live: Record<string, unknown>[] = [
      { calendarId: id },
      ...(invitee ? [{ attendeeEmails: invitee }] : []),
    ];
    const filter: Record<string, unknown> =
      tombstonesSinceMs === null
        ? live.length === 1
          ? { calendarId: id, updatedAt, deletedAt: null }
          : { updatedAt, deletedAt: null, $or: live }
        : {
            updatedAt,
            $or: [
              ...live,
              { formerCalendarIds: id },
              ...(invitee ? [{ formerAttendeeEmails: invitee }] : []),
            ],
          };
    if (tombstonesSinceMs !== null && tombstonesSinceMs > sinceMs) {
      filter.$and = [
        { $or: [{ deletedAt: null }, { updatedAt: trusted({ $gte: new Date(tombstonesSinceMs) }) }] },
      ];
    }
    return this.model.find(filter).sort({ updatedAt: 1, _id: 1 }).limit(limit).lean<EventRecord[]>().exec();
  }

  /**
   * Every live event of the calendar, oldest first; with `invitee` (the owner's address, for their
   * own primary calendar) also the live meetings elsewhere they are invited to.
   */
  async allLive(calendarId: string, invitee?: string): Promise<EventRecord[]> {
    const id = new Types.ObjectId(calendarId);
    return this.model
      .find(
        invitee
          ? { deletedAt: null, $or: [{ calendarId: id }, { attendeeEmails: invitee }] }
          : { calendarId: id, deletedAt: null },
      )
      .sort({ _id: 1 })
      .lean<EventRecord[]>()
      .exec();
  }

  /** Live events of the calendar with one of these iCalendar UIDs. */
  async liveByUids(calendarId: string, uids: string[]): Promise<EventRecord[]> {
    if (uids.length === 0) return [];
    const found: EventRecord[] = [];
    // Bounded $in lists keep each query small.
    for (let i = 0; i < uids.length; i += 500) {
      found.push(
        ...(await this.model
          .find({
            calendarId: new Types.ObjectId(calendarId),
            uid: trusted({ $in: uids.slice(i, i + 500) }),
            deletedAt: null,
          })
          .lean<EventRecord[]>()
          .exec()),
      );
    }
    return found;
  }

  /** Live meetings (in any calendar) that `email` (lower-case) is invited to with one of these UIDs. */
  async invitedByUids(email: string, uids: string[]): Promise<EventRecord[]> {
    if (uids.length === 0) return [];
    const found: EventRecord[] = [];
    for (let i = 0; i < uids.length; i += 500) {
      found.push(
        ...(await this.model
          .find({ attendeeEmails: email, uid: trusted({ $in: uids.slice(i, i + 500) }), deletedAt: null })
          .lean<EventRecord[]>()
          .exec()),
      );
    }
    return found;
  }

  /**
   * The latest change of the calendar's events (tombstones and moves out included), or null when it
   * never had any: two indexed reads, one per index of `changedSince`. What CalDAV's getctag and
   * sync-token properties are made of. With `invitee` (a primary calendar's owner) also the latest
   * change of the meetings they are or were invited to.
   */
  async latestChange(calendarId: string, invitee?: string): Promise<ChangeKey | null> {
    const id = new Types.ObjectId(calendarId);
    const latest = (filter: Record<string, unknown>) =>
      this.model
        .findOne(filter, { _id: 1, updatedAt: 1 })
        .sort({ updatedAt: -1, _id: -1 })
        .lean<{ _id: Types.ObjectId; updatedAt: Date }>()
        .exec();
    const found = (
      await Promise.all([
        latest({ calendarId: id }),
        latest({ formerCalendarIds: id }),
        ...(invitee ? [latest({ attendeeEmails: invitee }), latest({ formerAttendeeEmails: invitee })] : []),
      ])
    )
      .filter((d) => d !== null)
      .map((d) => ({ t: new Date(d.updatedAt).getTime(), id: String(d._id) }))
      .sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : -1));
    return found[0] ?? null;
  }

  /** One event, tombstone or not (a webhook payload for a change published without its record). */
  async anyById(id: string): Promise<EventRecord | null> {
    const _id = parseObjectId(id);
    return _id ? this.model.findOne({ _id }).lean<EventRecord>().exec() : null;
  }
}
