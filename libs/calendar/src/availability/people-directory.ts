import type { WorkingHoursSpec } from './intervals';

/** A person as scheduling across people needs them. */
export interface DirectoryPerson {
  id: string;
  /** Lower-case. */
  email: string;
  name: string;
  timeZone: string;
  workingHours: WorkingHoursSpec;
}

/**
 * Who has an account, by email: their zone and working hours, for slots across people. Identity sits
 * below this lib, so the API binds this port to identity's users (apps/api); the ops CLI binds none
 * and never searches across people.
 */
export abstract class PeopleDirectory {
  /** The accounts of these lower-case addresses; unknown addresses are simply absent. */
  abstract findByEmails(emails: string[]): Promise<DirectoryPerson[]>;
}
