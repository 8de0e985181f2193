import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { UserDoc } from './user.schema';
import { AuthUser, NewUser, UserProfile, UserProfilePatch } from './user.types';
import { WorkingHours } from './working-hours';

const AUTH_USER_FIELDS = { email: 1, name: 1, timeZone: 1, workingHours: 1 } as const;
const PROFILE_FIELDS = { ...AUTH_USER_FIELDS, createdAt: 1 } as const;

type LeanUser = Pick<UserDoc, '_id' | 'email' | 'name' | 'timeZone' | 'workingHours'> & { createdAt?: Date };

const toObjectId = (id: string): Types.ObjectId | null =>
  Types.ObjectId.isValid(id) && String(new Types.ObjectId(id)) === id ? new Types.ObjectId(id) : null;

const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;

/**
 * The only code that touches the users collection. Reads project only the fields they need; the
 * password hash leaves this class only through `findCredentialsByEmail`.
 */
@Injectable()
export class UserRepository implements OnModuleInit {
  private readonly logger = new Logger(UserRepository.name);

  constructor(@InjectModel(UserDoc.name) private readonly model: Model<UserDoc>) {}

  /** Email uniqueness rests on the unique index: make sure it exists before serving registrations. */
  async onModuleInit(): Promise<void> {
    if (this.model.db.readyState !== 1) return; // a lazily connecting process (the ops CLI) builds it later
    await this.model.init().catch((err: Error) => this.logger.error(`users indexes: ${err.message}`));
  }

  /** One indexed read per authenticated request. */
  async findAuthUser(userId: string): Promise<AuthUser | null> {
    const _id = toObjectId(userId);
    if (!_id) return null;
    const doc = await this.model.findById(_id, AUTH_USER_FIELDS).lean<LeanUser>().exec();
    return doc ? toAuthUser(doc) : null;
  }

  async findProfile(userId: string): Promise<UserProfile | null> {
    const _id = toObjectId(userId);
    if (!_id) return null;
    const doc = await this.model.findById(_id, PROFILE_FIELDS).lean<LeanUser>().exec();
    return doc ? toProfile(doc) : null;
  }

  /** The account for a login attempt, with its password hash. `email` must be normalised. */
  async findCredentialsByEmail(email: string): Promise<(UserProfile & { passwordHash: string }) | null> {
    const doc = await this.model
      .findOne({ email }, { ...PROFILE_FIELDS, passwordHash: 1 })
      .lean<LeanUser & { passwordHash: string }>()
      .exec();
    return doc ? { ...toProfile(doc), passwordHash: doc.passwordHash } : null;
  }

  async emailExists(email: string): Promise<boolean> {
    return (await this.model.exists({ email }).exec()) !== null;
  }

  /** Creates the account; null when the email is already registered (the unique index decides). */
  async insert(user: NewUser): Promise<UserProfile | null> {
    try {
      const doc = await this.model.create(user);
      return toProfile(doc.toObject());
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  }

  /** Applies the owner's changes; null when the account no longer exists. */
  async updateProfile(userId: string, patch: UserProfilePatch): Promise<UserProfile | null> {
    const _id = toObjectId(userId);
    if (!_id) return null;
    const doc = await this.model
      // No projection (FerretDB 1.24's findAndModify does not support one); toProfile picks the fields.
      .findOneAndUpdate({ _id }, { $set: patch }, { new: true })
      .lean<LeanUser>()
      .exec();
    return doc ? toProfile(doc) : null;
  }
}

function toWorkingHours(doc: WorkingHours): WorkingHours {
  return { days: [...doc.days], start: doc.start, end: doc.end };
}

function toAuthUser(doc: LeanUser): AuthUser {
  return {
    id: doc._id.toHexString(),
    email: doc.email,
    name: doc.name,
    timeZone: doc.timeZone,
    workingHours: toWorkingHours(doc.workingHours),
  };
}

function toProfile(doc: LeanUser): UserProfile {
  return { ...toAuthUser(doc), createdAt: doc.createdAt as Date };
}
