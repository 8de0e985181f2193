import { Injectable } from '@nestjs/common';
import { CalendarAccessService } from '@app/calendar';
import type { AssistantUser } from './execution';

/** A person the user knows: someone whose primary calendar is shared with them. */
export interface KnownPerson {
  name: string;
  email: string;
}

export interface ResolvedPeople {
  /** Lower-case addresses, in the order written. */
  emails: string[];
  /** Names that match no one the user knows. */
  unknown: string[];
  /** Names that match more than one person. */
  ambiguous: string[];
}

const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** The people a written name means: the same full name, or the same first name (case-insensitive). */
export function matchName(written: string, people: KnownPerson[]): KnownPerson[] {
  const name = norm(written);
  const full = people.filter((p) => norm(p.name) === name);
  if (full.length > 0) return full;
  return people.filter((p) => norm(p.name).split(' ')[0] === name);
}

/**
 * The plan's attendees as email addresses: an address is taken as written; a name is looked up among
 * the people whose primary calendars are shared with the user (a primary calendar carries its
 * owner's name), and is unknown or ambiguous otherwise — the assistant then asks rather than guesses.
 */
@Injectable()
export class PeopleResolver {
  constructor(private readonly access: CalendarAccessService) {}

  async resolve(user: AssistantUser, written: string[]): Promise<ResolvedPeople> {
    const names = written.filter((w) => !w.includes('@'));
    const known: KnownPerson[] = names.length
      ? (await this.access.visible(user))
          .filter(({ calendar }) => calendar.primary && String(calendar.ownerId) !== user.id)
          .map(({ calendar }) => ({ name: calendar.name, email: calendar.ownerEmail }))
      : [];
    const out: ResolvedPeople = { emails: [], unknown: [], ambiguous: [] };
    for (const w of written) {
      if (w.includes('@')) {
        out.emails.push(w.trim().toLowerCase());
        continue;
      }
      const matches = matchName(w, known);
      if (matches.length === 1) out.emails.push(matches[0].email);
      else (matches.length ? out.ambiguous : out.unknown).push(w);
    }
    out.emails = [...new Set(out.emails)];
    return out;
  }
}
