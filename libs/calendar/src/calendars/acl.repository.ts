import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { parseObjectId } from '@app/database';
import { Model, Types, trusted } from 'mongoose';
import { AclRuleDoc, AclRuleRecord } from './acl-rule.schema';
import { CalendarRole } from './calendar-role';

/** What the permission check reads of a rule. */
export type AclMatch = Pick<AclRuleRecord, '_id' | 'calendarId' | 'role' | 'granteeId'>;
const MATCH = { _id: 1, calendarId: 1, role: 1, granteeId: 1 } as const;

/** The only code that touches `calendar_acl`. Every method names the calendar or the grantee's address. */
@Injectable()
export class AclRepository {
  constructor(@InjectModel(AclRuleDoc.name) private readonly model: Model<AclRuleDoc>) {}

  async list(calendarId: string): Promise<AclRuleRecord[]> {
    return this.model
      .find({ calendarId: new Types.ObjectId(calendarId) })
      .sort({ createdAt: 1, _id: 1 })
      .lean<AclRuleRecord[]>()
      .exec();
  }

  /** The rule giving `email` a role on the calendar, if any. */
  async find(calendarId: string, email: string): Promise<AclMatch | null> {
    return this.model
      .findOne({ calendarId: new Types.ObjectId(calendarId), email }, MATCH)
      .lean<AclMatch>()
      .exec();
  }

  /** Every rule naming this address: the calendars shared with it. */
  async forEmail(email: string): Promise<AclMatch[]> {
    return this.model.find({ email }, MATCH).lean<AclMatch[]>().exec();
  }

  /** Inserts a rule; null when the address already has one on this calendar (the unique index). */
  async insert(rule: {
    calendarId: string;
    email: string;
    role: CalendarRole;
    granteeId: string | null;
  }): Promise<AclRuleRecord | null> {
    try {
      const doc = await this.model.create({
        calendarId: new Types.ObjectId(rule.calendarId),
        email: rule.email,
        role: rule.role,
        granteeId: rule.granteeId ? new Types.ObjectId(rule.granteeId) : null,
      });
      return doc.toObject() as AclRuleRecord;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return null;
      throw err;
    }
  }

  async updateRole(calendarId: string, ruleId: string, role: CalendarRole): Promise<AclRuleRecord | null> {
    const _id = parseObjectId(ruleId);
    if (!_id) return null;
    return this.model
      .findOneAndUpdate(
        { _id, calendarId: new Types.ObjectId(calendarId) },
        { $set: { role } },
        { new: true },
      )
      .lean<AclRuleRecord>()
      .exec();
  }

  async findById(calendarId: string, ruleId: string): Promise<AclRuleRecord | null> {
    const _id = parseObjectId(ruleId);
    if (!_id) return null;
    return this.model
      .findOne({ _id, calendarId: new Types.ObjectId(calendarId) })
      .lean<AclRuleRecord>()
      .exec();
  }

  async delete(calendarId: string, ruleId: string): Promise<AclRuleRecord | null> {
    const _id = parseObjectId(ruleId);
    if (!_id) return null;
    return this.model
      .findOneAndDelete({ _id, calendarId: new Types.ObjectId(calendarId) })
      .lean<AclRuleRecord>()
      .exec();
  }

  /** The accounts holding a rule on the calendar (those known to have an account). */
  async granteeIds(calendarId: string): Promise<string[]> {
    const docs = await this.model
      .find(
        { calendarId: new Types.ObjectId(calendarId), granteeId: trusted({ $ne: null }) },
        { granteeId: 1 },
      )
      .lean<{ granteeId: Types.ObjectId }[]>()
      .exec();
    return docs.map((d) => String(d.granteeId));
  }

  /** Records the account behind a rule's address (at its first access or its sign-up). */
  async setGrantee(email: string, granteeId: string): Promise<void> {
    await this.model
      .updateMany({ email, granteeId: null }, { $set: { granteeId: new Types.ObjectId(granteeId) } })
      .exec();
  }
}
