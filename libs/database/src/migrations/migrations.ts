import { calendarsMigration } from './001-calendars.migration';
import { attendeesMigration } from './002-attendees.migration';
import type { Migration } from './migration';

/**
 * Every migration, in version order. A schema change adds one file `NNN-<name>.migration.ts` and a
 * line here; an applied migration is never edited (the databases it ran on would not match).
 */
export const MIGRATIONS: readonly Migration[] = [calendarsMigration, attendeesMigration];
