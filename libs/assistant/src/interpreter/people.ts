/**
 * People named in a request (convention 15 of docs/assistant-contract.md): "with Sam", "with Priya
 * and Sam Lee", "with ana@example.com", "invite Priya and Lee to …". A person is an email address or
 * a capitalised name; a group or a role ("the design team", "my manager", "Mum") is not a person
 * and stays in the title. Names are returned as written.
 */

const EMAIL = /^[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/i;
/** One name: one to three capitalised words ("Sam", "Sam Lee", "Mary-Jane O'Neil"). */
const NAME = /^(?:(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.?\s+)?[A-Z][\p{L}'-]*(?:\s+[A-Z][\p{L}'-]*){0,2}/u;
/** Any one or two words, for contexts where people are expected ("find time with sam"). */
const LOOSE_NAME = /^[\p{L}][\p{L}'-]*(?:\s+[\p{L}][\p{L}'-]*)?/u;
const SEPARATOR = /^\s*(?:,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*|\s+or\s+)/i;

/** Capitalised words that are not people: groups, roles, family words, calendar and filler words. */
const NOT_A_PERSON = new Set(
  (
    'i me us we you them him her it everyone everybody anyone anybody someone somebody all both each ' +
    'the a an my our your his their this that these those some any no ' +
    'team teams group groups crew staff board committee client clients customer customers vendor vendors ' +
    'manager managers boss bosses lead leads director directors ceo cto cfo coo vp hr it ops ' +
    'mom mum mommy mummy mother dad daddy father parents grandma grandpa granny grandmother grandfather ' +
    'wife husband partner kids children family friends folks brother sister son daughter uncle aunt cousin ' +
    'doctor dentist landlord plumber investors engineering marketing sales design product finance legal ' +
    'monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight ' +
    'january february march april may june july august september october november december ' +
    'zoom teams meet skype slack lunch dinner breakfast coffee call meeting'
  ).split(' '),
);

function isPersonWord(word: string): boolean {
  return !NOT_A_PERSON.has(word.toLowerCase());
}

/**
 * Reads a list of people at the start of `text`: "Sam", "Priya and Sam Lee", "ana@x.com, Lee & Kim".
 * `loose` accepts lower-case names (after "invite", "find time with"). Returns the people and how
 * many characters they took; empty when the text does not start with a person.
 */
export function readPeople(text: string, loose = false): { people: string[]; length: number } {
  const people: string[] = [];
  let at = 0;
  let consumed = 0;
  for (;;) {
    const rest = text.slice(at);
    const email = EMAIL.exec(rest);
    let taken: string | null = null;
    if (email) taken = email[0];
    else {
      const m = (loose ? LOOSE_NAME : NAME).exec(rest);
      if (m) {
        // Keep the words up to the first one that is not a person's ("Sam Friday" → "Sam").
        const words = m[0].replace(/^((?:Dr|Mr|Mrs|Ms|Mx|Prof)\.?)\s+/, '$1\u0001').split(/\s+/);
        const kept: string[] = [];
        for (const w of words) {
          if (!isPersonWord(w) || (kept.length > 0 && !/^[A-Z]/.test(w))) break;
          kept.push(w);
        }
        if (kept.length) taken = kept.join(' ').replace('\u0001', m[0].match(/^\S+(\s+)/)?.[1] ?? ' ');
      }
    }
    if (!taken) break;
    people.push(email ? taken : taken.replace(/'s$/i, ''));
    at += taken.length;
    consumed = at;
    const sep = SEPARATOR.exec(text.slice(at));
    if (!sep) break;
    at += sep[0].length;
  }
  return { people, length: consumed };
}

const WITH = /(?:^|[\s,(])with\s+/gi;

/**
 * The people after "with" in what is left of a request ("Lunch with Sam and Priya" → Sam, Priya);
 * null when none. `loose` accepts lower-case names.
 */
export function peopleWith(text: string, loose = false): string[] | null {
  const found: string[] = [];
  WITH.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WITH.exec(text)) !== null) {
    const rest = text.slice(m.index + m[0].length);
    if (/^(?:the|my|our|a|an|your|his|her|their|some|all|each|every)\s/i.test(rest)) continue;
    const { people } = readPeople(rest, loose);
    for (const p of people) if (!found.some((f) => f.toLowerCase() === p.toLowerCase())) found.push(p);
  }
  return found.length ? found : null;
}

const INVITE_VERB =
  /^(?:invite|add|include|loop\s+in|bring\s+in|cc|send\s+(?:an?\s+)?(?:calendar\s+)?invit(?:e|ation)s?\s+to)\s+(?!(?:a|an|the|my|our|some|new|to|in|on|it|this|that|time|reminder|event|entry|meeting|appointment)\s)/i;
const INVITE_JOINER = /^\s*(?:too|as\s+well|also)?\s*(?:to|in|into|on|onto|for)\s+(?:join\s+)?/i;
const CALENDAR_WORDS = /^(?:my|the|our)?\s*(?:calendar|schedule|agenda|diary|cal)\b/i;

export interface InviteRequest {
  readonly attendees: string[];
  /** The words naming the event to invite them to ("the design review on Friday"); "" when none. */
  readonly targetText: string;
}

/**
 * "invite Priya and Lee to the offsite", "add sam@example.com to tomorrow's standup", "invite Sam
 * too": the people and the target. Null when the text is not such a request ("add yoga to my
 * calendar" is a create). After "invite" names may be lower-case; after "add" or "include" they
 * must be capitalised or emails.
 */
export function readInvite(text: string): InviteRequest | null {
  const verb = INVITE_VERB.exec(text);
  if (!verb) return null;
  const strongVerb = /^(?:invite|loop|cc|send)/i.test(verb[0]);
  const rest = text.slice(verb[0].length);
  const { people, length } = readPeople(rest, strongVerb);
  if (!people.length) return null;
  const after = rest.slice(length);
  if (/^\s*(?:too|as\s+well|also)?\s*[.!?]*\s*$/i.test(after)) {
    return strongVerb || people.some((p) => p.includes('@')) ? { attendees: people, targetText: '' } : null;
  }
  const joiner = INVITE_JOINER.exec(after);
  if (!joiner) return null;
  const targetText = after.slice(joiner[0].length);
  if (CALENDAR_WORDS.test(targetText)) return null;
  return { attendees: people, targetText };
}

const CHECK_SUBJECT =
  /^(?:(?:check|see|find\s+out|tell\s+me|let\s+me\s+know|ask)\s+(?:if|whether)\s+)?(?:(?:is|are|does|do|will|would)\s+)?/i;
/** After "check if PEOPLE": the verb comes after the people ("check if Sam is free", "… has anything"). */
const REPORTED_PREDICATE =
  /^(?:\s*(?:,|&|and)\s*(?:i|me|myself))?\s+(?:(?:is|are|would\s+be|will\s+be)\s+(?:free|available|busy|booked|around|unavailable|tied\s+up)(?![a-z])|(?:has|have)\s+(?:got\s+)?(?:anything|something|plans|any\s+\w+|a\s+(?:conflict|meeting|clash)))/i;
/** What follows the people of a check: "… free", "… and I available", "… have anything". */
const CHECK_PREDICATE =
  /^(?:\s*(?:,|&|and)\s*(?:i|me|myself))?\s+(?:(?:be\s+)?(?:free|available|busy|booked|around|unavailable|tied\s+up)(?![a-z])|(?:have|got)\s+(?:anything|something|plans|any\s+\w+|a\s+(?:conflict|meeting|clash)))/i;

/**
 * The people a check asks about as its subject (convention 17 with convention 15): "is Sam free at 3
 * tomorrow?", "are Priya and Sam Lee free Friday afternoon?", "are Sam and I free at 10?", "does
 * lee@example.com have anything Thursday?". Names must be capitalised (or emails); null when the
 * text is not such a question.
 */
export function readCheckSubject(text: string): string[] | null {
  const lead = CHECK_SUBJECT.exec(text);
  if (!lead?.[0]) return null;
  const reported = !/^(?:is|are|does|do|will|would)\s/i.test(lead[0]);
  const rest = text.slice(lead[0].length);
  const { people, length } = readPeople(rest);
  if (!people.length) return null;
  return (reported ? REPORTED_PREDICATE : CHECK_PREDICATE).test(rest.slice(length)) ? people : null;
}

/**
 * The people named together with the user: "for me and Sam", "between us and Priya", "work for Ravi
 * and me", "for Dev and I". Names must be capitalised unless `loose`.
 */
export function peopleWithMe(text: string, loose = false): string[] {
  const found: string[] = [];
  const meFirst = /\b(?:for|between)\s+(?:me|us)\s*(?:,|and|&)\s*/i.exec(text);
  if (meFirst) found.push(...readPeople(text.slice(meFirst.index + meFirst[0].length), loose).people);
  const FOR = /\b(?:for|between)\s+/gi;
  let m: RegExpExecArray | null;
  while ((m = FOR.exec(text)) !== null) {
    const rest = text.slice(m.index + m[0].length);
    const { people, length } = readPeople(rest, loose);
    if (people.length && /^\s*(?:,|and|&)\s*(?:me|i|myself)(?![\p{L}])/iu.test(rest.slice(length)))
      found.push(...people);
  }
  return found;
}
