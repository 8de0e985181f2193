import type { EventSeries } from '../events/event.mapper';
import type { EventFields } from '../events/event.schema';
import type { Attendee, Organizer, ResponseStatus } from '../events/attendees';
import {
  firstOccurrenceStart,
  generatedStartsBetween,
  isOccurrenceStart,
  validateSeries,
} from '../recurrence/expand';
import { parseRecurrence, RecurrenceError } from '../recurrence/rrule';
import type { OccurrenceOverride } from '../recurrence/types';
import {
  allDayBounds,
  instantToLocalDate,
  isValidTimeZone,
  localDateToInstant,
  localToInstant,
  normalizeTimeZone,
} from '../time/zone';
import { addDays, daysBetween } from '../time/local-date';
import ICAL, { IcalComponent, IcalEvent, IcalProperty, IcalTime } from './ical';

/** A file (or an event in it) that cannot be imported; `line`/`uid` say where. */
export class IcsFormatError extends Error {
  constructor(
    message: string,
    readonly problems: IcsProblem[],
  ) {
    super(message);
    this.name = 'IcsFormatError';
  }
}

export interface IcsProblem {
  line?: number;
  uid?: string;
  message: string;
}

/** One event (or series with its changed occurrences) read from the file, ready to store. */
export interface ImportedEvent {
  uid: string;
  series: Omit<EventSeries, 'id'>;
  /** ORGANIZER (lower-case address, CN), when the file names one. */
  organizer?: Organizer;
}

export interface IcsReadResult {
  events: ImportedEvent[];
  skipped: { uid: string; reason: string }[];
}

export const MAX_IMPORT_EVENTS = 5000;
const MAX_PROBLEMS = 20;
const LIMITS = { title: 200, description: 10_000, location: 500, attendees: 200, reminders: 5, uid: 1000 };
const MAX_REMINDER_MINUTES = 40_320;
const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

/** Common Windows (Outlook/Exchange) zone names, which are not IANA names. */
const WINDOWS_ZONES: Record<string, string> = {
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'GMT Standard Time': 'Europe/London',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'US Mountain Standard Time': 'America/Phoenix',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Alaskan Standard Time': 'America/Anchorage',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Atlantic Standard Time': 'America/Halifax',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'India Standard Time': 'Asia/Kolkata',
  'China Standard Time': 'Asia/Shanghai',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'Singapore Standard Time': 'Asia/Singapore',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Arabian Standard Time': 'Asia/Dubai',
  UTC: 'UTC',
};

type TimeValue = { kind: 'date'; date: string } | { kind: 'instant'; instant: Date; zone: string | null };

interface Context {
  /** Zone for floating times and all-day dates: the importing owner's. */
  ownerZone: string;
  /** VTIMEZONEs of the file by TZID, for TZIDs that are not IANA names. */
  vtimezones: Map<string, InstanceType<typeof ICAL.Timezone>>;
}

/** A VEVENT with the line of its BEGIN:VEVENT. */
interface Located {
  event: IcalEvent;
  line?: number;
}

class EventProblem extends Error {}
class Unsupported extends Error {}

/**
 * Reads an iCalendar text into events to store: syntax first (line by line, so an error names its
 * line), then every VEVENT (an error names its UID). Nothing is returned unless the whole file is
 * valid; valid but unsupported events (RDATE, sub-daily rules, THISANDFUTURE changes, cancelled
 * events) are listed as skipped with the reason.
 */
export function readCalendar(text: string, ownerZone: string): IcsReadResult {
  const { veventLines } = checkSyntax(text);
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (err) {
    throw new IcsFormatError(`Invalid iCalendar: ${(err as Error).message}`, [
      { message: (err as Error).message },
    ]);
  }
  const calendars = (Array.isArray(parsed) && typeof parsed[0] !== 'string' ? parsed : [parsed]).map(
    (jcal) => new ICAL.Component(jcal as unknown[]),
  );
  const vevents = calendars.flatMap((c) => c.getAllSubcomponents('vevent'));
  if (vevents.length > MAX_IMPORT_EVENTS) {
    throw new IcsFormatError(`Too many events: at most ${MAX_IMPORT_EVENTS} VEVENTs per import`, [
      { message: `${vevents.length} VEVENTs` },
    ]);
  }
  const ctx: Context = { ownerZone, vtimezones: new Map() };
  for (const vtz of calendars.flatMap((c) => c.getAllSubcomponents('vtimezone'))) {
    const tzid = String(vtz.getFirstPropertyValue('tzid') ?? '');
    if (tzid) ctx.vtimezones.set(tzid, new ICAL.Timezone(vtz));
  }

  const problems: IcsProblem[] = [];
  const skipped: { uid: string; reason: string }[] = [];
  // ical.js lacks an index of a file's VEVENTs by UID (ICAL.Event relates every RECURRENCE-ID VEVENT it sees).
  // It tells masters from exceptions and relates each exception to its master (see relateOverrides).
  const groups = new Map<string, { master?: Located; exceptions: Located[] }>();
  vevents.forEach((c, i) => {
    const line = veventLines[i];
    const event = new ICAL.Event(c, { exceptions: [], strictExceptions: true });
    const uid = event.uid as unknown;
    if (typeof uid !== 'string' || uid.trim() === '') {
      problems.push({ line, message: `the VEVENT starting at line ${line} has no UID` });
      return;
    }
    if (uid.length > LIMITS.uid) {
      problems.push({ line, uid: uid.slice(0, 80), message: `UID is longer than ${LIMITS.uid} characters` });
      return;
    }
    const group = groups.get(uid) ?? { exceptions: [] };
    groups.set(uid, group);
    if (event.isRecurrenceException()) group.exceptions.push({ event, line });
    else if (group.master)
      problems.push({
        line,
        uid,
        message: `UID ${uid} appears twice (lines ${group.master.line} and ${line})`,
      });
    else group.master = { event, line };
  });

  const events: ImportedEvent[] = [];
  for (const [uid, group] of groups) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (!group.master) {
      skipped.push({ uid, reason: 'changed occurrences (RECURRENCE-ID) without their series in the file' });
      continue;
    }
    try {
      const event = convertGroup(uid, group.master.event, group.exceptions, ctx, skipped);
      if (event) events.push(event);
    } catch (err) {
      if (err instanceof Unsupported) skipped.push({ uid, reason: err.message });
      else problems.push({ line: group.master.line, uid, message: messageOf(err) });
    }
  }
  if (problems.length > 0) {
    const first = problems[0];
    const where = first.uid
      ? `event ${first.uid}${first.line ? ` (line ${first.line})` : ''}`
      : `line ${first.line}`;
    throw new IcsFormatError(
      `Invalid iCalendar: ${where}: ${first.message}`,
      problems.slice(0, MAX_PROBLEMS),
    );
  }
  return { events, skipped };
}

function messageOf(err: unknown): string {
  return (err as Error).message.replace(/^recurrence: /, 'RRULE: ');
}

/**
 * Line-level checks RFC 5545 §3.1 needs before ical.js parses, so that errors name the line:
 * content lines `NAME[;PARAM=VALUE…]:VALUE` (after unfolding), balanced BEGIN/END, a VCALENDAR.
 * Returns the line of each BEGIN:VEVENT, in order.
 */
function checkSyntax(text: string): { veventLines: number[] } {
  const raw = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const stack: { name: string; line: number }[] = [];
  const veventLines: number[] = [];
  let sawCalendar = false;
  const fail = (line: number, message: string): never => {
    throw new IcsFormatError(`Invalid iCalendar: line ${line}: ${message}`, [{ line, message }]);
  };
  for (let i = 0; i < raw.length; i++) {
    let content = raw[i];
    const line = i + 1;
    while (i + 1 < raw.length && /^[ \t]/.test(raw[i + 1])) content += raw[++i].slice(1);
    if (content.trim() === '') continue;
    // RFC 5545 §3.1 keeps control characters out of content lines; NUL is also what no datastore
    // (PostgreSQL under FerretDB) can hold in a string.
    if (content.includes('\u0000')) fail(line, 'a NUL character (U+0000), which iCalendar does not allow');
    if (!isContentLine(content))
      fail(line, `expected NAME[;PARAM=VALUE]:VALUE, got "${content.slice(0, 60)}"`);
    const colon = content.indexOf(':', content.search(/[;:]/));
    const name = content.slice(0, content.search(/[;:]/)).toUpperCase();
    const value = content
      .slice(colon + 1)
      .trim()
      .toUpperCase();
    if (name === 'BEGIN') {
      if (stack.length === 0 && value !== 'VCALENDAR')
        fail(line, `expected BEGIN:VCALENDAR, got BEGIN:${value}`);
      if (stack.length === 0) sawCalendar = true;
      if (value === 'VEVENT') veventLines.push(line);
      stack.push({ name: value, line });
    } else if (name === 'END') {
      const open = stack.pop();
      if (!open) fail(line, `END:${value} without a matching BEGIN`);
      else if (open.name !== value)
        fail(line, `END:${value} does not close BEGIN:${open.name} (line ${open.line})`);
    } else if (stack.length === 0) {
      fail(line, `"${name}" outside BEGIN:VCALENDAR … END:VCALENDAR`);
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1];
    fail(open.line, `BEGIN:${open.name} is never closed`);
  }
  if (!sawCalendar) fail(1, 'not an iCalendar file (no BEGIN:VCALENDAR)');
  return { veventLines };
}

/** `NAME *(";" param) ":" value` with quoted parameter values allowed. */
function isContentLine(line: string): boolean {
  let i = 0;
  const name = /^[A-Za-z0-9-]+/.exec(line);
  if (!name) return false;
  i = name[0].length;
  while (line[i] === ';') {
    const param = /^[A-Za-z0-9-]+=/.exec(line.slice(i + 1));
    if (!param) return false;
    i += 1 + param[0].length;
    for (;;) {
      if (line[i] === '"') {
        const close = line.indexOf('"', i + 1);
        if (close < 0) return false;
        i = close + 1;
      } else {
        while (i < line.length && !';:,"'.includes(line[i])) i++;
      }
      if (line[i] !== ',') break;
      i++;
    }
  }
  return line[i] === ':';
}

function convertGroup(
  uid: string,
  masterEvent: IcalEvent,
  exceptions: Located[],
  ctx: Context,
  skipped: { uid: string; reason: string }[],
): ImportedEvent | null {
  const master = masterEvent.component;
  if (String(master.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') {
    throw new Unsupported('the event is cancelled (STATUS:CANCELLED)');
  }
  if (master.hasProperty('rdate')) throw new Unsupported('RDATE (extra dates of a series) is not supported');
  if (master.getAllProperties('rrule').length > 1)
    throw new Unsupported('more than one RRULE is not supported');
  const start = readTime(master, 'dtstart', ctx, true) as TimeValue;
  const fields = readFields(master, start);
  let recurrence: string | null = null;
  const rruleProp = master.getFirstProperty('rrule');
  if (rruleProp) {
    const text = String(value(rruleProp, 'RRULE'));
    if (/FREQ=(HOURLY|MINUTELY|SECONDLY)/i.test(text))
      throw new Unsupported(`RRULE ${text} (more often than daily) is not supported`);
    recurrence = parseRecurrence(text);
  }

  let series: Omit<EventSeries, 'id'>;
  if (start.kind === 'date') {
    const end = readTime(master, 'dtend', ctx, false);
    let endDate: string;
    if (end) endDate = end.kind === 'date' ? end.date : instantToLocalDate(end.instant, ctx.ownerZone);
    else if (master.hasProperty('duration'))
      endDate = addDays(start.date, Math.max(1, Math.ceil(durationSeconds(master) / 86_400)));
    else endDate = addDays(start.date, 1);
    if (endDate <= start.date) throw new EventProblem(`DTEND ${endDate} is not after DTSTART ${start.date}`);
    const zone = ctx.ownerZone;
    series = {
      ...allDayBounds(start.date, endDate, zone),
      allDay: true,
      startDate: start.date,
      endDate,
      timeZone: zone,
      recurrence,
      exdates: [],
      overrides: [],
      fields,
    };
  } else {
    // A UTC start keeps UTC for a series (RFC 5545 repeats it in UTC); a single event takes the owner's zone.
    const zone = start.zone === 'UTC' && !recurrence ? ctx.ownerZone : (start.zone ?? ctx.ownerZone);
    const end = readTime(master, 'dtend', ctx, false);
    let endMs: number;
    if (end)
      endMs = end.kind === 'instant' ? end.instant.getTime() : localDateToInstant(end.date, zone).getTime();
    else endMs = start.instant.getTime() + durationSeconds(master) * 1000;
    if (endMs < start.instant.getTime()) throw new EventProblem('DTEND is before DTSTART');
    series = {
      start: start.instant,
      end: new Date(endMs),
      timeZone: zone,
      allDay: false,
      recurrence,
      exdates: [],
      overrides: [],
      fields,
    };
  }

  if (recurrence) {
    series = snapToRule(series);
    series.exdates = readExdates(master, series, ctx);
    relateOverrides(masterEvent, exceptions);
    const seen = new Set<number>();
    for (const o of Object.values(masterEvent.exceptions)) {
      const override = readOverride(o.component, series, ctx);
      if (typeof override === 'string') {
        skipped.push({ uid, reason: override });
        continue;
      }
      if (seen.has(override.originalStart.getTime())) {
        throw new EventProblem(`RECURRENCE-ID ${override.originalStart.toISOString()} appears twice`);
      }
      seen.add(override.originalStart.getTime());
      series.overrides?.push(override);
    }
  } else if (exceptions.length > 0) {
    skipped.push({
      uid,
      reason: 'RECURRENCE-ID on an event without RRULE: the changed occurrences were left out',
    });
  }
  validateSeries({ ...series, id: uid });
  const organizer = readOrganizer(master);
  return { uid, series, ...(organizer ? { organizer } : {}) };
}

/**
 * Relates the RECURRENCE-ID VEVENTs to their master (`master.exceptions`, keyed by RECURRENCE-ID as written).
 * A RECURRENCE-ID written twice is an error, with both lines, rather than ical.js's silent overwrite.
 */
function relateOverrides(master: IcalEvent, exceptions: Located[]): void {
  const related = master.exceptions as unknown as Record<string, IcalEvent>;
  const lines = new Map<string, number | undefined>();
  for (const { event, line } of exceptions) {
    let id: string;
    try {
      id = event.recurrenceId.toString();
    } catch (err) {
      throw new EventProblem(`RECURRENCE-ID (line ${line}): ${(err as Error).message}`);
    }
    if (related[id]) {
      throw new EventProblem(`RECURRENCE-ID ${id} appears twice (lines ${lines.get(id)} and ${line})`);
    }
    lines.set(id, line);
    master.relateException(event);
  }
}

/** A series whose DTSTART is not an occurrence of its rule starts at the rule's first one (as the API does). */
function snapToRule(series: Omit<EventSeries, 'id'>): Omit<EventSeries, 'id'> {
  const first = firstOccurrenceStart({ ...series, id: 'import' });
  if (!first) throw new RecurrenceError(`the rule "${series.recurrence}" produces no occurrences`);
  if (first.getTime() === series.start.getTime()) return series;
  if (series.allDay) {
    const startDate = instantToLocalDate(first, series.timeZone);
    const endDate = addDays(startDate, daysBetween(series.startDate as string, series.endDate as string));
    return { ...series, startDate, endDate, ...allDayBounds(startDate, endDate, series.timeZone) };
  }
  return {
    ...series,
    start: first,
    end: new Date(first.getTime() + series.end.getTime() - series.start.getTime()),
  };
}

function readOrganizer(c: IcalComponent): Organizer | undefined {
  const p = c.getFirstProperty('organizer');
  if (!p) return undefined;
  const email = String(p.getFirstValue() ?? '')
    .replace(/^mailto:/i, '')
    .trim()
    .toLowerCase();
  if (!EMAIL.test(email)) return undefined;
  const name = String(p.getParameter('cn') ?? '').trim();
  return { email, ...(name ? { name: name.slice(0, LIMITS.title) } : {}) };
}

/** RFC 5545 PARTSTAT → the response it records (DELEGATED and the rest: still to answer). */
const FROM_PARTSTAT: Record<string, ResponseStatus> = {
  'NEEDS-ACTION': 'needsAction',
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
};

function readFields(c: IcalComponent, start: TimeValue): EventFields {
  const text = (name: string, max: number): string | null => {
    const v = c.getFirstPropertyValue(name);
    if (v === null || v === undefined) return null;
    const s = String(v).trim();
    return s === '' ? null : s.length > max ? `${s.slice(0, max - 1)}…` : s;
  };
  const attendees = new Map<string, Attendee>();
  for (const p of c.getAllProperties('attendee')) {
    const email = String(p.getFirstValue() ?? '')
      .replace(/^mailto:/i, '')
      .trim()
      .toLowerCase();
    if (!EMAIL.test(email) || attendees.has(email) || attendees.size >= LIMITS.attendees) continue;
    const name = String(p.getParameter('cn') ?? '').trim();
    const partstat = String(p.getParameter('partstat') ?? '').toUpperCase();
    attendees.set(email, {
      email,
      ...(name ? { name: name.slice(0, LIMITS.title) } : {}),
      optional: String(p.getParameter('role') ?? '').toUpperCase() === 'OPT-PARTICIPANT',
      responseStatus: FROM_PARTSTAT[partstat] ?? 'needsAction',
    });
  }
  return {
    title: text('summary', LIMITS.title) ?? '(no title)',
    description: text('description', LIMITS.description),
    location: text('location', LIMITS.location),
    attendees: [...attendees.values()],
    reminders: readReminders(c, start),
    transparency:
      String(c.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT'
        ? 'transparent'
        : 'opaque',
  };
}

/** VALARM triggers as minutes before the start (0..40320); alarms after the start are dropped. */
function readReminders(c: IcalComponent, start: TimeValue): number[] {
  const minutes = new Set<number>();
  for (const alarm of c.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstProperty('trigger');
    if (!trigger) continue;
    let before: number | null = null;
    const v = value(trigger, 'VALARM TRIGGER') as unknown;
    if (v instanceof ICAL.Duration) {
      if (String(trigger.getParameter('related') ?? 'START').toUpperCase() !== 'START') continue;
      before = -v.toSeconds() / 60;
    } else if (v instanceof ICAL.Time && start.kind === 'instant') {
      before = (start.instant.getTime() - Date.parse(`${formatIcalTime(v)}Z`)) / 60_000;
    }
    if (before !== null && before >= 0 && before <= MAX_REMINDER_MINUTES) minutes.add(Math.round(before));
  }
  return [...minutes].sort((a, b) => a - b).slice(0, LIMITS.reminders);
}

function readExdates(c: IcalComponent, series: Omit<EventSeries, 'id'>, ctx: Context): Date[] {
  const out = new Map<number, Date>();
  for (const p of c.getAllProperties('exdate')) {
    for (const t of timesOf(p, ctx, 'EXDATE')) {
      if (series.allDay) {
        const date = t.kind === 'date' ? t.date : instantToLocalDate(t.instant, series.timeZone);
        const d = localDateToInstant(date, series.timeZone);
        out.set(d.getTime(), d);
      } else if (t.kind === 'instant') {
        out.set(t.instant.getTime(), t.instant);
      } else {
        // A date EXDATE on a timed series removes the occurrences of that local day.
        const from = localDateToInstant(t.date, series.timeZone);
        const to = new Date(localDateToInstant(addDays(t.date, 1), series.timeZone).getTime() - 1);
        for (const d of generatedStartsBetween({ ...series, id: 'import' }, from, to))
          out.set(d.getTime(), d);
      }
    }
  }
  return [...out.values()].sort((a, b) => a.getTime() - b.getTime());
}

/** An override for a RECURRENCE-ID VEVENT, or the reason it was left out. */
function readOverride(
  c: IcalComponent,
  series: Omit<EventSeries, 'id'>,
  ctx: Context,
): OccurrenceOverride<EventFields> | string {
  const ridProp = c.getFirstProperty('recurrence-id') as IcalProperty;
  if (String(ridProp.getParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE') {
    return 'RECURRENCE-ID;RANGE=THISANDFUTURE is not supported: that change was left out';
  }
  const rid = timesOf(ridProp, ctx, 'RECURRENCE-ID')[0];
  let originalStart: Date;
  if (series.allDay)
    originalStart = localDateToInstant(
      rid.kind === 'date' ? rid.date : instantToLocalDate(rid.instant, series.timeZone),
      series.timeZone,
    );
  else if (rid.kind === 'instant') originalStart = rid.instant;
  else return `RECURRENCE-ID ${rid.date} is a date but the series is timed: that change was left out`;
  if (!isOccurrenceStart({ ...series, id: 'import' }, originalStart)) {
    return `RECURRENCE-ID ${originalStart.toISOString()} is not an occurrence of the series: that change was left out`;
  }
  if (String(c.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED')
    return { originalStart, cancelled: true };

  const override: OccurrenceOverride<EventFields> = { originalStart };
  const start =
    readTime(c, 'dtstart', ctx, false) ??
    (series.allDay
      ? { kind: 'date' as const, date: instantToLocalDate(originalStart, series.timeZone) }
      : { kind: 'instant' as const, instant: originalStart, zone: null });
  const end = readTime(c, 'dtend', ctx, false);
  if (start.kind === 'date') {
    const days = series.allDay ? daysBetween(series.startDate as string, series.endDate as string) : 1;
    const endDate = end
      ? end.kind === 'date'
        ? end.date
        : instantToLocalDate(end.instant, series.timeZone)
      : c.hasProperty('duration')
        ? addDays(start.date, Math.max(1, Math.ceil(durationSeconds(c) / 86_400)))
        : addDays(start.date, days);
    if (endDate <= start.date)
      throw new EventProblem(`RECURRENCE-ID ${originalStart.toISOString()}: DTEND is not after DTSTART`);
    if (!series.allDay) override.allDay = true;
    const originalDate = instantToLocalDate(originalStart, series.timeZone);
    if (!series.allDay || start.date !== originalDate || endDate !== addDays(originalDate, days)) {
      override.startDate = start.date;
      override.endDate = endDate;
    }
  } else {
    const duration = series.allDay ? 3_600_000 : series.end.getTime() - series.start.getTime();
    const endMs = end
      ? end.kind === 'instant'
        ? end.instant.getTime()
        : localDateToInstant(end.date, series.timeZone).getTime()
      : c.hasProperty('duration')
        ? start.instant.getTime() + durationSeconds(c) * 1000
        : start.instant.getTime() + duration;
    if (endMs < start.instant.getTime())
      throw new EventProblem(`RECURRENCE-ID ${originalStart.toISOString()}: DTEND is before DTSTART`);
    if (series.allDay) override.allDay = false;
    if (
      series.allDay ||
      start.instant.getTime() !== originalStart.getTime() ||
      endMs !== originalStart.getTime() + duration
    ) {
      override.start = start.instant;
      override.end = new Date(endMs);
    }
  }
  const own = readFields(c, start);
  const base = series.fields as EventFields;
  const changed: Partial<EventFields> = {};
  for (const k of ['title', 'description', 'location', 'transparency'] as const) {
    if (own[k] !== base[k]) (changed as Record<string, unknown>)[k] = own[k];
  }
  for (const k of ['attendees', 'reminders'] as const) {
    if (JSON.stringify(own[k]) !== JSON.stringify(base[k])) (changed as Record<string, unknown>)[k] = own[k];
  }
  if (Object.keys(changed).length > 0) override.fields = changed;
  return override;
}

/** DTSTART/DTEND-like single value, or null when absent (an error when `required`). */
function readTime(c: IcalComponent, name: string, ctx: Context, required: boolean): TimeValue | null {
  const p = c.getFirstProperty(name);
  if (!p) {
    if (required) throw new EventProblem(`${name.toUpperCase()} is missing`);
    return null;
  }
  return timesOf(p, ctx, name.toUpperCase())[0];
}

function timesOf(p: IcalProperty, ctx: Context, label: string): TimeValue[] {
  let values: unknown[];
  try {
    values = p.getValues();
  } catch (err) {
    throw new EventProblem(`${label}: ${(err as Error).message}`);
  }
  const tzid = p.getParameter('tzid') as string | undefined;
  // ical.js normalises out-of-range parts (June 31 → July 1); check the text as written.
  const raw = (p.toJSON() as unknown[]).slice(3);
  return values.map((v, i) => {
    if (!(v instanceof ICAL.Time)) throw new EventProblem(`${label} is not a date or date-time`);
    checkWritten(String(raw[i]), label);
    return toTimeValue(v, tzid, ctx, label);
  });
}

/** A DATE or DATE-TIME as written (jCal form `2026-06-30[T10:00:00[Z]]`) that names a real day and time. */
function checkWritten(text: string, label: string): void {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z?)?$/.exec(text);
  const bad = () =>
    new EventProblem(`${label} "${text.replace(/[-:]/g, '')}" is not a valid date or date-time`);
  if (!m) throw bad();
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate())
    throw bad();
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59)) throw bad();
}

function toTimeValue(t: IcalTime, tzid: string | undefined, ctx: Context, label: string): TimeValue {
  const text = formatIcalTime(t);
  if (t.isDate) return { kind: 'date', date: text.slice(0, 10) };
  try {
    if (t.zone === ICAL.Timezone.utcTimezone && !tzid)
      return { kind: 'instant', instant: new Date(`${text}Z`), zone: 'UTC' };
    if (!tzid) return { kind: 'instant', instant: localToInstant(text, ctx.ownerZone).instant, zone: null };
    const zone = ianaZone(tzid);
    if (zone) return { kind: 'instant', instant: localToInstant(text, zone).instant, zone };
  } catch (err) {
    throw new EventProblem(`${label} "${text}": ${(err as Error).message}`);
  }
  const vtz = ctx.vtimezones.get(tzid);
  if (!vtz)
    throw new EventProblem(
      `${label} uses TZID "${tzid}", which is neither an IANA zone nor defined by a VTIMEZONE in the file`,
    );
  // A zone only the file defines: its offsets give the instant; the event keeps the owner's zone.
  return { kind: 'instant', instant: new Date(Date.parse(`${text}Z`) - vtz.utcOffset(t) * 1000), zone: null };
}

/** The IANA zone a TZID names: itself, a known Windows name, or the IANA tail of a prefixed id. */
function ianaZone(tzid: string): string | null {
  const clean = tzid.replace(/^"|"$/g, '').trim();
  const candidates = [clean, WINDOWS_ZONES[clean]];
  const tail = /([A-Za-z_]+\/[A-Za-z_+-]+(?:\/[A-Za-z_+-]+)?)$/.exec(clean);
  if (tail) candidates.push(tail[1]);
  for (const c of candidates) if (c && isValidTimeZone(c)) return normalizeTimeZone(c);
  return null;
}

function formatIcalTime(t: IcalTime): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
  return t.isDate ? date : `${date}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

function durationSeconds(c: IcalComponent): number {
  const p = c.getFirstProperty('duration');
  if (!p) return 0;
  const v = value(p, 'DURATION') as unknown;
  if (!(v instanceof ICAL.Duration)) throw new EventProblem('DURATION is not a duration');
  const seconds = v.toSeconds();
  if (seconds < 0) throw new EventProblem('DURATION is negative');
  return seconds;
}

function value(p: IcalProperty, label: string): unknown {
  try {
    return p.getFirstValue();
  } catch (err) {
    throw new EventProblem(`${label}: ${(err as Error).message}`);
  }
}
