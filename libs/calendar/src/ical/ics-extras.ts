import ICAL, { IcalComponent } from './ical';

/**
 * What a calendar app sent that the project does not model, kept verbatim so a PUT then GET gives
 * it back (RFC 4791 §5.3.2 expects a server to keep what it does not understand): the VCALENDAR's
 * own properties (X-WR-…, X-APPLE-…), the series VEVENT's unmodelled properties (X-…, CATEGORIES,
 * URL, CLASS, STATUS, …) as unfolded content lines, and its VALARMs as components. Reminders are
 * still read from the VALARMs; `alarmReminders` is what they read as, so the writer gives the
 * client's own VALARMs back only while the reminders are unchanged (an API edit of the reminders
 * writes the project's alarms instead).
 */
export interface IcsExtras {
  calendar: string[];
  event: string[];
  alarms: string[];
  alarmReminders: number[];
}

/** The VCALENDAR properties the writer sets itself. */
const WRITTEN_CALENDAR = new Set(['prodid', 'version', 'calscale', 'method']);
/** The VEVENT properties the reader models (or the writer sets) and so are not kept verbatim. */
const MODELLED_EVENT = new Set([
  'uid',
  'dtstamp',
  'created',
  'last-modified',
  'sequence',
  'dtstart',
  'dtend',
  'duration',
  'summary',
  'description',
  'location',
  'attendee',
  'organizer',
  'rrule',
  'rdate',
  'exdate',
  'recurrence-id',
  'transp',
]);
/** At most this much is kept per event (the body limit is 1 MiB; the document stays small). */
const MAX_EXTRAS_CHARS = 64 * 1024;

/**
 * The unmodelled parts of a calendar object whose series VEVENT has `uid`, or null when there are
 * none (or they exceed MAX_EXTRAS_CHARS: then they are dropped rather than bloat every read).
 */
export function readExtras(text: string, uid: string, reminders: number[]): IcsExtras | null {
  let root: IcalComponent;
  try {
    root = ICAL.Component.fromString(text);
  } catch {
    return null;
  }
  const master = root
    .getAllSubcomponents('vevent')
    .find((v) => v.getFirstPropertyValue('uid') === uid && !v.hasProperty('recurrence-id'));
  if (!master) return null;
  const extras: IcsExtras = {
    calendar: root
      .getAllProperties()
      .filter((p) => !WRITTEN_CALENDAR.has(p.name))
      .map((p) => p.toICALString()),
    event: master
      .getAllProperties()
      .filter((p) => !MODELLED_EVENT.has(p.name))
      .map((p) => p.toICALString()),
    alarms: master.getAllSubcomponents('valarm').map((a) => a.toString()),
    alarmReminders: reminders,
  };
  if (!extras.calendar.length && !extras.event.length && !extras.alarms.length) return null;
  const size = [...extras.calendar, ...extras.event, ...extras.alarms].reduce((n, s) => n + s.length, 0);
  return size > MAX_EXTRAS_CHARS ? null : extras;
}

/** Whether the kept VALARMs still stand for these reminders (else the writer makes its own). */
export const alarmsStandFor = (extras: IcsExtras, reminders: readonly number[] | undefined): boolean =>
  extras.alarms.length > 0 &&
  JSON.stringify([...(reminders ?? [])].sort((a, b) => a - b)) ===
    JSON.stringify([...extras.alarmReminders].sort((a, b) => a - b));

/** Adds kept properties (content lines) to a component; a line ical.js cannot read is skipped. */
export function addKeptProperties(component: IcalComponent, lines: readonly string[]): void {
  for (const line of lines) {
    try {
      component.addProperty(ICAL.Property.fromString(line));
    } catch {
      // Read once already when kept; a line that no longer parses is not worth failing a read for.
    }
  }
}

/** Adds kept VALARMs to a VEVENT. */
export function addKeptAlarms(vevent: IcalComponent, alarms: readonly string[]): void {
  for (const text of alarms) {
    try {
      vevent.addSubcomponent(ICAL.Component.fromString(text));
    } catch {
      // As above.
    }
  }
}
