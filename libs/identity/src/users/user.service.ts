import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@app/common';
import { UserRepository } from './user.repository';
import { Person, UserProfile, UserProfilePatch } from './user.types';

/**
 * The owner's own account: read it, change its name, time zone and working hours; and other people
 * by email, as scheduling with them needs (never a hash or a session detail).
 */
@Injectable()
export class UserService {
  constructor(private readonly users: UserRepository) {}

  async getProfile(userId: string): Promise<UserProfile> {
    const profile = await this.users.findProfile(userId);
    if (!profile) throw new NotFoundError('account not found');
    return profile;
  }

  async updateProfile(userId: string, patch: UserProfilePatch): Promise<UserProfile> {
    const changes = Object.fromEntries(
      Object.entries(patch).filter(([, value]) => value !== undefined),
    ) as UserProfilePatch;
    if (Object.keys(changes).length === 0) return this.getProfile(userId);
    const profile = await this.users.updateProfile(userId, changes);
    if (!profile) throw new NotFoundError('account not found');
    return profile;
  }

  /** The accounts of these addresses (normalised here: trimmed, lower-case); unknown ones are absent. */
  async findPeopleByEmails(emails: string[]): Promise<Person[]> {
    return this.users.findPeopleByEmails([...new Set(emails.map((e) => e.trim().toLowerCase()))]);
  }
}
