import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { parseObjectId } from '@app/database';
import { Model, trusted } from 'mongoose';
import { AuthUserCache } from '../auth/auth-user.cache';
import { Role, toRole } from './roles';
import { UserDoc } from './user.schema';
import {
  Account,
  AuthUser,
  AuthUserRecord,
  NewUser,
  Person,
  UserProfile,
  UserProfilePatch,
} from './user.types';
import { WorkingHours } from './working-hours';

const AUTH_USER_FIELDS = {
  email: 1,
  name: 1,
  timeZone: 1,
  workingHours: 1,
  role: 1,
  sessionEpoch: 1,
} as const;
const PROFILE_FIELDS = { email: 1, name: 1, timeZone: 1, workingHours: 1, createdAt: 1 } as const;
const ACCOUNT_FIELDS = { ...AUTH_USER_FIELDS, createdAt: 1 } as const;
const PERSON_FIELDS = { email: 1, name: 1, timeZone: 1, workingHours: 1 } as const;

type LeanUser = Pick<UserDoc, '_id' | 'email' | 'name' | 'timeZone' | 'workingHours'> & {
  createdAt?: Date;
  role?: Role;
  sessionEpoch?: number;
};

const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;

/**
 * The only code that touches the users collection. Reads project only the fields they need; the
 * password hash leaves this class only through `findCredentialsByEmail`.
 */
@Injectable()
export class UserRepository implements OnModuleInit {
  private readonly logger = new Logger(UserRepository.name);

  constructor(
    @InjectModel(UserDoc.name) private readonly model: Model<UserDoc>,
    private readonly recentCallers: AuthUserCache,
  ) {}

  /** Email uniqueness rests on the unique index: make sure it exists before serving registrations. */
  async onModuleInit(): Promise<void> {
    if (this.model.db.readyState !== 1) return; // a lazily connecting process (the ops CLI) builds it later
    await this.model.init().catch((err: Error) => this.logger.error(`users indexes: ${err.message}`));
  }

  /**
   * The caller of an authenticated request (with its role) and its session epoch, so checking that
   * the token was not ended by a logout or a password change costs nothing more: one indexed read,
   * reused for AUTH_USER_CACHE_MS (see AuthUserCache; this class forgets it on every change).
   */
  async findAuthUser(userId: string): Promise<AuthUserRecord | null> {
    const cached = this.recentCallers.get(userId);
    if (cached) return cached;
    const _id = parseObjectId(userId);
    if (!_id) return null;
    const doc = await this.model.findById(_id, AUTH_USER_FIELDS).lean<LeanUser>().exec();
    if (!doc) return null;
    const record = { user: toAuthUser(doc), sessionEpoch: doc.sessionEpoch ?? 0 };
    this.recentCallers.set(userId, record);
    return record;
  }

  /** The profile with its role and session epoch (a refresh signs the new access token with it). */
  async findAccount(userId: string): Promise<Account | null> {
    const _id = parseObjectId(userId);
    if (!_id) return null;
    const doc = await this.model.findById(_id, ACCOUNT_FIELDS).lean<LeanUser>().exec();
    return doc ? toAccount(doc) : null;
  }

  /** The stored password hash, for a change of password; null when the account is gone. */
  async findPasswordHash(userId: string): Promise<string | null> {
    const _id = parseObjectId(userId);
    if (!_id) return null;
    const doc = await this.model.findById(_id, { passwordHash: 1 }).lean<{ passwordHash: string }>().exec();
    return doc?.passwordHash ?? null;
  }

  async findProfile(userId: string): Promise<UserProfile | null> {
    const _id = parseObjectId(userId);
    if (!_id) return null;
    const doc = await this.model.findById(_id, PROFILE_FIELDS).lean<LeanUser>().exec();
    return doc ? toProfile(doc) : null;
  }

  /** The account for a login attempt, with its password hash. `email` must be normalised. */
  async findCredentialsByEmail(email: string): Promise<(Account & { passwordHash: string }) | null> {
    const doc = await this.model
      .findOne({ email }, { ...ACCOUNT_FIELDS, passwordHash: 1 })
      .lean<LeanUser & { passwordHash: string }>()
      .exec();
    return doc ? { ...toAccount(doc), passwordHash: doc.passwordHash } : null;
  }

  /** Who these (normalised) addresses belong to, with zone and working hours; unknown ones are absent. */
  async findPeopleByEmails(emails: string[]): Promise<Person[]> {
    if (emails.length === 0) return [];
    const docs = await this.model
      .find({ email: trusted({ $in: emails }) }, PERSON_FIELDS)
      .lean<LeanUser[]>()
      .exec();
    return docs.map(toIdentity);
  }

  async emailExists(email: string): Promise<boolean> {
    return (await this.model.exists({ email }).exec()) !== null;
  }

  /** Creates the account; null when the email is already registered (the unique index decides). */
  async insert(user: NewUser): Promise<Account | null> {
    try {
      const doc = await this.model.create(user);
      return toAccount(doc.toObject());
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  }

  /** Applies the owner's changes; null when the account no longer exists. */
  async updateProfile(userId: string, patch: UserProfilePatch): Promise<UserProfile | null> {
    const _id = parseObjectId(userId);
    if (!_id) return null;
    const doc = await this.model
      // No projection (FerretDB 1.24's findAndModify does not support one); toProfile picks the fields.
      .findOneAndUpdate({ _id }, { $set: patch }, { new: true })
      .lean<LeanUser>()
      .exec();
    this.recentCallers.forget(userId);
    return doc ? toProfile(doc) : null;
  }

  /**
   * Stores a new password hash and moves the session epoch on, in one atomic update, so every access
   * token issued before stops working. Null when the account no longer exists.
   */
  async changePassword(userId: string, passwordHash: string): Promise<Account | null> {
    const _id = parseObjectId(userId);
    if (!_id) return null;
    const doc = await this.model
      .findOneAndUpdate({ _id }, { $set: { passwordHash }, $inc: { sessionEpoch: 1 } }, { new: true })
      .lean<LeanUser>()
      .exec();
    this.recentCallers.forget(userId);
    return doc ? toAccount(doc) : null;
  }

  /** Moves the session epoch on (a logout): every access token issued before stops working. */
  async endSessions(userId: string): Promise<void> {
    const _id = parseObjectId(userId);
    if (!_id) return;
    await this.model.updateOne({ _id }, { $inc: { sessionEpoch: 1 } }).exec();
    this.recentCallers.forget(userId);
  }

  /** Sets the role of the account with this (normalised) email; null when there is none. */
  async setRoleByEmail(
    email: string,
    role: Role,
  ): Promise<{ id: string; email: string; role: Role; changed: boolean } | null> {
    const before = await this.model.findOne({ email }, { role: 1 }).lean<LeanUser>().exec();
    if (!before) return null;
    const changed = toRole(before.role) !== role;
    if (changed) await this.model.updateOne({ _id: before._id }, { $set: { role } }).exec();
    this.recentCallers.forget(before._id.toHexString());
    return { id: before._id.toHexString(), email, role, changed };
  }

  /** Every admin account, oldest first. */
  async listAdmins(): Promise<{ id: string; email: string; createdAt: Date }[]> {
    const docs = await this.model
      .find({ role: 'admin' }, { email: 1, createdAt: 1 })
      .sort({ createdAt: 1 })
      .lean<LeanUser[]>()
      .exec();
    return docs.map((d) => ({ id: d._id.toHexString(), email: d.email, createdAt: d.createdAt as Date }));
  }

  /** Waits for a lazily opened connection (the ops CLI); throws when MongoDB cannot be reached. */
  async ensureConnected(): Promise<void> {
    if (this.model.db.readyState === 2) await this.model.db.asPromise();
    if (this.model.db.readyState !== 1) throw new Error('MongoDB is not connected');
  }
}

function toWorkingHours(doc: WorkingHours): WorkingHours {
  return { days: [...doc.days], start: doc.start, end: doc.end };
}

/** What every view of an account shares: who it is and when they work. */
function toIdentity(doc: LeanUser): Person {
  return {
    id: doc._id.toHexString(),
    email: doc.email,
    name: doc.name,
    timeZone: doc.timeZone,
    workingHours: toWorkingHours(doc.workingHours),
  };
}

function toAuthUser(doc: LeanUser): AuthUser {
  return { ...toIdentity(doc), role: toRole(doc.role) };
}

function toProfile(doc: LeanUser): UserProfile {
  return { ...toIdentity(doc), createdAt: doc.createdAt as Date };
}

function toAccount(doc: LeanUser): Account {
  return { ...toProfile(doc), role: toRole(doc.role), sessionEpoch: doc.sessionEpoch ?? 0 };
}
