import { Injectable } from '@nestjs/common';
import { ForbiddenError, NotFoundError } from '@app/common';
import { CacheService } from '@app/cache';
import { AppConfig } from '@app/config';
import { parseObjectId } from '@app/database';
import { AclRepository } from './acl.repository';
import { Caller, CalendarRole, higherRole, PRIMARY, roleAtLeast } from './calendar-role';
import { CalendarRepository } from './calendar.repository';
import { CalendarRecord } from './calendar.schema';

/** A caller's role on one calendar, as the permission check found it. */
export interface CalendarGrant {
  /** The calendar's id (`primary` resolved). */
  calendarId: string;
  ownerId: string;
  role: CalendarRole;
}

export interface VisibleCalendar {
  calendar: CalendarRecord;
  role: CalendarRole;
}

const domainOf = (email: string) => email.slice(email.lastIndexOf('@') + 1);

/**
 * The one permission check: every route, tool and protocol asks here for the caller's role on the
 * calendar it touches. No role is `null` (callers answer 404, exactly as for a calendar that does
 * not exist); too low a role is a 403 naming the role needed. Nothing is cached in the process, so
 * a revoked or lowered role holds on the next request on every replica; cached reads stay correct
 * because every role change bumps the grantee's read-cache generation (`invalidateReaders` and the
 * sharing service).
 */
@Injectable()
export class CalendarAccessService {
  private readonly orgDomains: ReadonlySet<string>;

  constructor(
    private readonly calendars: CalendarRepository,
    private readonly acl: AclRepository,
    private readonly cache: CacheService,
    config: AppConfig,
  ) {
    this.orgDomains = new Set(config.orgDomains);
  }

  /** The calendar id a caller means: `primary` is their own primary calendar. */
  static resolveId(caller: Caller, calendarId: string): string {
    return calendarId === PRIMARY ? caller.id : calendarId;
  }

  /** The caller's role on the calendar, or null when they have none (or it does not exist). */
  async roleOn(caller: Caller, calendarId: string): Promise<CalendarGrant | null> {
    const id = CalendarAccessService.resolveId(caller, calendarId);
    // The caller's own primary calendar: no query (its id is the account's).
    if (id === caller.id) return { calendarId: id, ownerId: caller.id, role: 'owner' };
    if (!parseObjectId(id)) return null;
    const email = caller.email.toLowerCase();
    const [calendar, rule] = await Promise.all([this.calendars.findOwnership(id), this.acl.find(id, email)]);
    if (!calendar) return null;
    const ownerId = String(calendar.ownerId);
    if (ownerId === caller.id) return { calendarId: id, ownerId, role: 'owner' };
    let role = rule?.role ?? null;
    if (calendar.primary && this.sameOrganisation(email, calendar.ownerEmail))
      role = higherRole(role, 'freeBusyReader');
    if (!role) return null;
    // Shared before the account existed: remember the account so changes reach its cached reads.
    if (rule && !rule.granteeId) await this.acl.setGrantee(email, caller.id);
    return { calendarId: id, ownerId, role };
  }

  /**
   * The role of an account known only by its id (a feed's creator, a webhook's owner), checked when
   * the feed is fetched or the change delivered, so a revocation holds there too. The account's
   * address comes from its primary calendar (whose id is the account's).
   */
  async roleOfAccount(accountId: string, calendarId: string): Promise<CalendarGrant | null> {
    if (calendarId === accountId) return { calendarId, ownerId: accountId, role: 'owner' };
    const account = await this.calendars.findOwnership(accountId);
    return this.roleOn({ id: accountId, email: account?.ownerEmail ?? '', timeZone: 'UTC' }, calendarId);
  }

  /** The caller's grant when it is at least `needed`; 404 with no role, 403 naming the role needed. */
  async require(
    caller: Caller,
    calendarId: string,
    needed: CalendarRole,
    notFound = 'Calendar not found.',
  ): Promise<CalendarGrant> {
    const grant = await this.roleOn(caller, calendarId);
    if (!grant) throw new NotFoundError(notFound);
    if (!roleAtLeast(grant.role, needed))
      throw new ForbiddenError(
        `This needs the ${needed} role on the calendar (or higher); you have ${grant.role}.`,
      );
    return grant;
  }

  /** Every calendar the caller owns or that is shared with them, primary first, with their role. */
  async visible(caller: Caller): Promise<VisibleCalendar[]> {
    const email = caller.email.toLowerCase();
    const [owned, rules] = await Promise.all([this.calendars.listOwned(caller.id), this.acl.forEmail(email)]);
    const ownedIds = new Set(owned.map((c) => String(c._id)));
    const sharedRules = rules.filter((r) => !ownedIds.has(String(r.calendarId)));
    const shared = await this.calendars.findByIds(sharedRules.map((r) => r.calendarId));
    const roleOf = new Map(sharedRules.map((r) => [String(r.calendarId), r.role]));
    const byName = (a: CalendarRecord, b: CalendarRecord) =>
      a.name.localeCompare(b.name) || String(a._id).localeCompare(String(b._id));
    if (rules.some((r) => !r.granteeId)) await this.acl.setGrantee(email, caller.id);
    return [
      ...owned
        .sort((a, b) => Number(b.primary) - Number(a.primary) || byName(a, b))
        .map((calendar) => ({ calendar, role: 'owner' as const })),
      ...shared.sort(byName).map((calendar) => ({
        calendar,
        role: roleOf.get(String(calendar._id)) as CalendarRole,
      })),
    ];
  }

  /**
   * After a change to the calendar: every cached read of everyone who can see it (its owner, every
   * grantee, and the attendees of the meeting that changed) is stale at once. O(readers of the
   * calendar + attendees); a read stays one Redis round trip.
   */
  async invalidateReaders(
    grant: Pick<CalendarGrant, 'calendarId' | 'ownerId'>,
    /** A meeting's attendees (lower-case; before and after the change): those with accounts see it too. */
    attendeeEmails: readonly string[] = [],
  ): Promise<void> {
    const [grantees, attendees] = await Promise.all([
      this.acl.granteeIds(grant.calendarId),
      // An account's primary calendar has the account's id, so its id is the attendee's.
      attendeeEmails.length
        ? this.calendars.findPrimariesByEmails([...new Set(attendeeEmails)])
        : new Map<string, { _id: unknown }>(),
    ]);
    const ids = new Set([grant.ownerId, ...grantees, ...[...attendees.values()].map((c) => String(c._id))]);
    await Promise.all([...ids].map((id) => this.cache.invalidateUser(id)));
  }

  /** Both addresses in the organisation's domains (ORG_DOMAINS). */
  private sameOrganisation(a: string, b: string): boolean {
    return this.orgDomains.has(domainOf(a)) && this.orgDomains.has(domainOf(b));
  }
}
