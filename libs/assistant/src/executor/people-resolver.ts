import { Injectable } from '@nestjs/common';
import { ContactResponse, ContactsService } from '@app/calendar';
import type { Plan } from '../plan/plan.schema';
import type { AssistantUser, ExecutionResult, PersonChoice } from './execution';

/** A person the user knows (a contact), as names are matched against them. */
export interface KnownPerson {
  name: string | null;
  email: string;
}

export interface ResolvedPeople {
  /** Lower-case addresses, in the order written. */
  emails: string[];
  /** The words each address was written as ("Priya" for priya@example.com). */
  writtenAs: Record<string, string>;
  /** Names that match no one the user knows: the assistant asks for the address. */
  unknown: string[];
  /** Names that match several people: the assistant asks which, listing them. */
  ambiguous: { name: string; choices: PersonChoice[] }[];
}

const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The people a written name means: the same full name, else the same first name (case-insensitive);
 * failing both, people without a known name whose address starts with it ("sam" → sam.lee@…).
 */
export function matchName(written: string, people: KnownPerson[]): KnownPerson[] {
  const name = norm(written);
  const full = people.filter((p) => p.name && norm(p.name) === name);
  if (full.length > 0) return full;
  const first = people.filter((p) => p.name && norm(p.name).split(' ')[0] === name);
  if (first.length > 0) return first;
  return people.filter((p) => !p.name && p.email.split('@')[0].split(/[._+-]/)[0] === name);
}

/**
 * The plan's people as addresses: an address is used as given; a name is looked up among the user's
 * contacts (whom they share calendars or meetings with, and whom they invited — ContactsService,
 * the same list as GET /v1/contacts). One match is used; none or several are reported, so the
 * assistant asks rather than guesses.
 */
@Injectable()
export class PeopleResolver {
  constructor(private readonly contacts: ContactsService) {}

  async resolve(user: AssistantUser, written: string[]): Promise<ResolvedPeople> {
    const names = written.filter((w) => !w.includes('@'));
    const known: ContactResponse[] = names.length ? await this.contacts.all(user) : [];
    const out: ResolvedPeople = { emails: [], writtenAs: {}, unknown: [], ambiguous: [] };
    for (const w of written) {
      if (w.includes('@')) {
        out.emails.push(w.trim().toLowerCase());
        continue;
      }
      const matches = matchName(w, known);
      if (matches.length === 1) {
        out.emails.push(matches[0].email);
        out.writtenAs[matches[0].email] = w.trim();
      } else if (matches.length === 0) out.unknown.push(w);
      else out.ambiguous.push({ name: w, choices: matches.map((m) => ({ name: m.name, email: m.email })) });
    }
    out.emails = [...new Set(out.emails)];
    return out;
  }
}

/**
 * The question when some names could not be resolved: which one (listing them) for an ambiguous
 * name, the address for an unknown one. Null when every name was resolved.
 */
export function askAboutPeople(people: ResolvedPeople): ExecutionResult | null {
  const [first] = people.ambiguous;
  if (first) {
    const list = first.choices
      .map((c, i) => `${i + 1}. ${c.name ? `${c.name} <${c.email}>` : c.email}`)
      .join('; ');
    const unknown = people.unknown.length
      ? ` I also don't know ${people.unknown.map((n) => `"${n}"`).join(', ')}; give me their email address.`
      : '';
    return {
      reply: `Which "${first.name}" do you mean? ${list}. Answer with a number or their email address.${unknown}`,
      outcome: 'ambiguous',
      result: { type: 'people', name: first.name, choices: first.choices },
    };
  }
  if (people.unknown.length) {
    const names = people.unknown.map((n) => `"${n}"`).join(', ');
    return {
      reply: `I don't know who ${names} ${people.unknown.length === 1 ? 'is' : 'are'}; give me their email address.`,
      outcome: 'incomplete',
    };
  }
  return null;
}

/**
 * The person an answer to "which Sam?" picks: a number ("2", "the second"), one of the listed
 * addresses, or words found in exactly one listed name ("Sam Ray", "Ray"); null when it picks none.
 */
export function pickPerson(answer: string, choices: PersonChoice[]): PersonChoice | null {
  const text = norm(answer).replace(/[.!?]+$/, '');
  const ordinals = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'];
  const number = /^(?:(?:number|no\.?|#)\s*)?(\d{1,2})$/.exec(text)?.[1];
  const ordinal = ordinals.findIndex((o) => new RegExp(`^(?:the\\s+)?${o}(?:\\s+one)?$`).test(text));
  const index = number ? Number(number) - 1 : ordinal;
  if (index >= 0) return choices[index] ?? null;
  const byEmail = choices.find((c) => c.email === text);
  if (byEmail) return byEmail;
  // Words every listed name shares ("Sam") pick no one; a word only some names have does.
  const nameWords = (c: PersonChoice) => (c.name ? norm(c.name).split(' ') : []);
  const words = text.split(' ');
  const named = choices.filter((c) => c.name);
  const distinctive = words.filter((w) => !named.every((c) => nameWords(c).includes(w)));
  const hits = choices.filter((c) => distinctive.some((w) => nameWords(c).includes(w)));
  return hits.length === 1 ? hits[0] : null;
}

/** The plan with a written name replaced by the address it means (in `attendees` and `event.attendees`). */
export function withPerson(plan: Plan, name: string, email: string): Plan {
  const swap = (list: string[] | null | undefined) =>
    list ? list.map((w) => (norm(w) === norm(name) ? email : w)) : list;
  return {
    ...plan,
    ...(plan.attendees ? { attendees: swap(plan.attendees) } : {}),
    event: plan.event
      ? { ...plan.event, ...(plan.event.attendees ? { attendees: swap(plan.event.attendees) } : {}) }
      : plan.event,
  };
}
