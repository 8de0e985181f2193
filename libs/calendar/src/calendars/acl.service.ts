import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationError } from '@app/common';
import { CacheService } from '@app/cache';
import { AclRepository } from './acl.repository';
import { AclRuleRecord } from './acl-rule.schema';
import { CalendarAccessService, CalendarGrant } from './calendar-access.service';
import { AclRuleResponse } from './calendar.dto';
import { Caller, CalendarRole } from './calendar-role';
import { CalendarRepository } from './calendar.repository';

/** The calendar's creator: listed first, and never removed or lowered (the last owner stays). */
export const CREATOR_RULE_ID = 'owner';

const toRule = (r: AclRuleRecord): AclRuleResponse => ({ id: String(r._id), email: r.email, role: r.role });

/**
 * Sharing: the calendar's access rules. Only owners read or change them. A grant, change or
 * revocation bumps the grantee's read cache at once, so the next request on any replica sees it.
 */
@Injectable()
export class AclService {
  constructor(
    private readonly acl: AclRepository,
    private readonly calendars: CalendarRepository,
    private readonly access: CalendarAccessService,
    private readonly cache: CacheService,
  ) {}

  async list(caller: Caller, calendarId: string): Promise<AclRuleResponse[]> {
    const grant = await this.access.require(caller, calendarId, 'owner');
    const [creator, rules] = await Promise.all([
      this.creatorEmail(grant, caller),
      this.acl.list(grant.calendarId),
    ]);
    return [{ id: CREATOR_RULE_ID, email: creator, role: 'owner' }, ...rules.map(toRule)];
  }

  async grant(
    caller: Caller,
    calendarId: string,
    input: { email: string; role: CalendarRole },
  ): Promise<AclRuleResponse> {
    const grant = await this.access.require(caller, calendarId, 'owner');
    const email = input.email.trim().toLowerCase();
    if (email === caller.email.toLowerCase())
      throw new ValidationError('Invalid email: you cannot share a calendar with yourself', [
        { field: 'email', message: 'is your own address' },
      ]);
    if (email === (await this.creatorEmail(grant, caller)))
      throw new ValidationError("Invalid email: that is the calendar's owner, who already has every right", [
        { field: 'email', message: "is the calendar's owner" },
      ]);
    const account = (await this.calendars.findPrimariesByEmails([email])).get(email);
    const rule = await this.acl.insert({
      calendarId: grant.calendarId,
      email,
      role: input.role,
      granteeId: account ? String(account.ownerId) : null,
    });
    if (!rule) {
      const existing = await this.acl.find(grant.calendarId, email);
      throw new ConflictError(
        `${email} already has a rule on this calendar (id ${String(existing?._id)}); change its role with PATCH.`,
      );
    }
    await this.touchGrantee(rule);
    return toRule(rule);
  }

  async update(
    caller: Caller,
    calendarId: string,
    ruleId: string,
    role: CalendarRole,
  ): Promise<AclRuleResponse> {
    const grant = await this.access.require(caller, calendarId, 'owner');
    this.refuseCreator(ruleId);
    const rule = await this.acl.updateRole(grant.calendarId, ruleId, role);
    if (!rule) throw new NotFoundError('Rule not found.');
    await this.touchGrantee(rule);
    return toRule(rule);
  }

  /** Removes the rule; answers what it was. */
  async revoke(caller: Caller, calendarId: string, ruleId: string): Promise<AclRuleResponse> {
    const grant = await this.access.require(caller, calendarId, 'owner');
    this.refuseCreator(ruleId);
    const rule = await this.acl.delete(grant.calendarId, ruleId);
    if (!rule) throw new NotFoundError('Rule not found.');
    await this.touchGrantee(rule);
    return toRule(rule);
  }

  private refuseCreator(ruleId: string): void {
    if (ruleId === CREATOR_RULE_ID)
      throw new ConflictError(
        "The calendar's owner keeps the owner role: that rule cannot be changed or removed.",
      );
  }

  private async creatorEmail(grant: CalendarGrant, caller: Caller): Promise<string> {
    if (grant.ownerId === caller.id) return caller.email.toLowerCase();
    const calendar = await this.calendars.findOwnership(grant.calendarId);
    if (!calendar) throw new NotFoundError('Calendar not found.');
    return calendar.ownerEmail;
  }

  /** The grantee's cached reads (their calendar list and events) change with the rule. */
  private async touchGrantee(rule: AclRuleRecord): Promise<void> {
    if (rule.granteeId) await this.cache.invalidateUser(String(rule.granteeId));
  }
}
