import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '@app/common';
import { createHash, randomBytes } from 'node:crypto';
import { CalendarAccessService } from '../calendars/calendar-access.service';
import { CalendarRole, PRIMARY, roleAtLeast } from '../calendars/calendar-role';
import type { CalendarOwner } from '../events/event.service';
import { FeedRepository } from './feed.repository';
import type { FeedRecord } from './feed.schema';
import type { FeedKind, FeedResponse } from './ical.dto';
import { IcsService } from './ics.service';

export const MAX_FEEDS_PER_USER = 20;
/** lastUsedAt is written at most this often per feed (calendar apps poll feeds constantly). */
const TOUCH_EVERY_MS = 3600_000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The role a feed's creator needs on its calendar, at creation and at every fetch. */
const NEEDED: Record<FeedKind, CalendarRole> = { full: 'reader', freebusy: 'freeBusyReader' };

/** The calendar a feed serves (feeds made before calendars: the creator's primary, whose id is theirs). */
const calendarOf = (r: FeedRecord) => String(r.calendarId ?? r.ownerId);

/**
 * Secret, revocable iCalendar subscription feeds: a random 32-byte token in the URL (base64url),
 * only its SHA-256 stored. `full` feeds carry everything, `freebusy` feeds only busy times. A feed
 * serves one calendar, and only while its creator still has the role it needs there (checked at
 * every fetch, so a revoked share ends the feed like a revoked feed: 404). A creator who is only a
 * reader gets private events in the free/busy form, as in their own export.
 */
@Injectable()
export class FeedService {
  constructor(
    private readonly feeds: FeedRepository,
    private readonly ics: IcsService,
    private readonly access: CalendarAccessService,
  ) {}

  /** Creates a feed; the returned `path` holds the token and is never shown again. */
  async create(
    owner: CalendarOwner,
    input: { kind: FeedKind; name?: string; calendarId?: string },
  ): Promise<{ feed: FeedResponse; path: string }> {
    const grant = await this.access.require(owner, input.calendarId ?? PRIMARY, NEEDED[input.kind]);
    if ((await this.feeds.countActive(owner.id)) >= MAX_FEEDS_PER_USER) {
      throw new ConflictError(`At most ${MAX_FEEDS_PER_USER} feeds: revoke one you no longer use first.`);
    }
    const token = randomBytes(32).toString('base64url');
    const record = await this.feeds.insert(owner.id, {
      calendarId: grant.calendarId,
      kind: input.kind,
      name: input.name ?? null,
      tokenHash: hashToken(token),
    });
    return { feed: toFeedResponse(record), path: `/feeds/${token}.ics` };
  }

  async list(owner: CalendarOwner): Promise<FeedResponse[]> {
    return (await this.feeds.listActive(owner.id)).map(toFeedResponse);
  }

  async revoke(owner: CalendarOwner, id: string): Promise<void> {
    if (!(await this.feeds.revoke(owner.id, id, new Date()))) throw new NotFoundError('Feed not found.');
  }

  /** The iCalendar text behind a feed token; 404 for an unknown or revoked one (no hint which). */
  async render(token: string, now = new Date()): Promise<string> {
    const feed = TOKEN.test(token) ? await this.feeds.findActiveByTokenHash(hashToken(token)) : null;
    if (!feed) throw new NotFoundError('Feed not found.');
    const grant = await this.access.roleOfAccount(String(feed.ownerId), calendarOf(feed));
    if (!grant || !roleAtLeast(grant.role, NEEDED[feed.kind])) throw new NotFoundError('Feed not found.');
    if (!feed.lastUsedAt || now.getTime() - feed.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      await this.feeds.touch(feed._id, now).catch(() => undefined);
    }
    // A feed of the creator's own primary calendar carries the meetings they are invited to, as their export does.
    const own = grant.calendarId === String(feed.ownerId);
    return this.ics.exportCalendar(grant.calendarId, feed.kind, {
      now,
      privateAsBusy: grant.role === 'reader',
      invitee: own ? ((await this.ics.ownerEmail(grant.calendarId)) ?? undefined) : undefined,
    });
  }
}

export function toFeedResponse(r: FeedRecord): FeedResponse {
  return {
    id: String(r._id),
    calendarId: calendarOf(r),
    kind: r.kind,
    name: r.name ?? null,
    createdAt: new Date(r.createdAt).toISOString(),
    lastUsedAt: r.lastUsedAt ? new Date(r.lastUsedAt).toISOString() : null,
  };
}
