import { createHash } from 'node:crypto';
import { toSeries } from '../events/event.mapper';
import type { ResponseStatus } from '../events/attendees';
import type { EventFields, EventRecord } from '../events/event.schema';
import { expandOccurrences, findOccurrence } from '../recurrence/expand';
import { formatRecurrence, parseRecurrenceRule, RecurrenceUntil, withUntil } from '../recurrence/rrule';
import type { Occurrence } from '../recurrence/types';
import { instantToLocal, instantToLocalDate, localToInstant } from '../time/zone';
import ICAL, { IcalComponent } from './ical';
import { addKeptAlarms, addKeptProperties, alarmsStandFor } from './ics-extras';
import { buildVtimezone, isUtcZone } from './vtimezone';

export const ICS_PRODID = '-//Calendar Assistant//Calendar Assistant API//EN';

export interface IcsWriteOptions {
  /** `full`: everything; `freebusy`: only when busy — SUMMARY "Busy", no details, opaque times only. */
  mode: 'full' | 'freebusy';
  /** `full` for a reader of a shared calendar: a private event comes in the free/busy form. */
  privateAsBusy?: boolean;
  calendarName?: string;
  /** The owner's zone, as X-WR-TIMEZONE (a hint for clients). */
  timeZone?: string;
  now?: Date;
  /**
   * METHOD (default PUBLISH). iTIP (RFC 5546) messages: `REQUEST` (an invitation or update: SEQUENCE
   * is the event's `sequence`, every guest RSVP=TRUE) or `CANCEL` (the record's attendees are the
   * ones cancelled; STATUS:CANCELLED; the series only, without changed occurrences).
   */
  method?: 'PUBLISH' | ItipMethod;
  /**
   * A CalDAV calendar object: no METHOD (RFC 4791 §4.1), and what the client sent that the project does not model (`icalExtras`) is given back.
   */
  calendarObject?: boolean;
}

/** The iTIP methods this API sends (RFC 5546 §1.4). */
export type ItipMethod = 'REQUEST' | 'CANCEL';

type Timing = { allDay: true; date: string } | { allDay: false; instant: Date };

/** Collects the zones used and the span of years to describe in their VTIMEZONEs. */
class ZoneUse {
  private readonly spans = new Map<string, { min: number; max: number }>();

  note(zone: string, instant: Date): void {
    if (isUtcZone(zone)) return;
    const year = instant.getUTCFullYear();
    const span = this.spans.get(zone);
    if (!span) this.spans.set(zone, { min: year, max: year });
    else {
      span.min = Math.min(span.min, year);
      span.max = Math.max(span.max, year);
    }
  }

  components(nowYear: number): IcalComponent[] {
    return [...this.spans.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([zone, span]) => buildVtimezone(zone, span.min, Math.max(span.max, nowYear)));
  }
}

/**
 * An iCalendar (RFC 5545) document for the records: one VEVENT per event or series (DTSTART/DTEND
 * with TZID, or VALUE=DATE for all-day; RRULE with UNTIL in UTC as the RFC requires; EXDATE),
 * one VEVENT with RECURRENCE-ID per changed occurrence, TRANSP, LOCATION, DESCRIPTION, ATTENDEE,
 * VALARM per reminder, and a VTIMEZONE for every zone used.
 */
export function writeCalendar(records: EventRecord[], opts: IcsWriteOptions): string {
  const now = opts.now ?? new Date();
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('prodid', ICS_PRODID);
  cal.addPropertyWithValue('version', '2.0');
  cal.addPropertyWithValue('calscale', 'GREGORIAN');
  if (!opts.calendarObject) cal.addPropertyWithValue('method', opts.method ?? 'PUBLISH');
  else addKeptProperties(cal, records[0]?.icalExtras?.calendar ?? []);
  if (opts.calendarName) cal.addPropertyWithValue('x-wr-calname', opts.calendarName);
  if (opts.timeZone) cal.addPropertyWithValue('x-wr-timezone', opts.timeZone);
  const zones = new ZoneUse();
  const events: IcalComponent[] = [];
  for (const record of records) {
    const full = opts.mode === 'full' && !(opts.privateAsBusy && record.visibility === 'private');
    events.push(
      ...(full
        ? fullEvents(record, zones, now, opts.method, opts.calendarObject)
        : busyEvents(record, zones, now)),
    );
  }
  for (const vtz of zones.components(now.getUTCFullYear())) cal.addSubcomponent(vtz);
  for (const event of events) cal.addSubcomponent(event);
  return `${cal.toString()}\r\n`;
}

/**
 * One event's occurrences overlapping [from, to) as separate VEVENTs, in UTC (CalDAV's
 * `<C:expand>`, RFC 4791 §9.6.5): a series' each with its RECURRENCE-ID and no RRULE or EXDATE, no
 * VTIMEZONE; all-day ones keep their DATEs. `privateAsBusy` as for writeCalendar.
 */
export function writeExpanded(
  record: EventRecord,
  window: { from: Date; to: Date },
  opts: { privateAsBusy?: boolean } = {},
): string {
  const now = new Date(record.updatedAt);
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('prodid', ICS_PRODID);
  cal.addPropertyWithValue('version', '2.0');
  cal.addPropertyWithValue('calscale', 'GREGORIAN');
  const busyOnly = opts.privateAsBusy && record.visibility === 'private';
  if (!busyOnly) addKeptProperties(cal, record.icalExtras?.calendar ?? []);
  const zones = new ZoneUse(); // UTC only: stays empty
  const { occurrences } = expandOccurrences(toSeries(record), window);
  for (const o of occurrences) {
    const fields = o.fields as EventFields;
    if (busyOnly && fields.transparency === 'transparent') continue;
    const vevent = busyOnly ? busyEvent(record.uid, record, now) : baseEvent(record.uid, record, now);
    if (record.recurrence) addRecurrenceId(vevent, record, o.originalStart, zones, 'UTC');
    addOccurrenceTiming(vevent, record, o, zones, 'UTC');
    if (!busyOnly) {
      addOrganizer(vevent, record, fields);
      const extras = record.icalExtras;
      const ownAlarms = extras && alarmsStandFor(extras, fields.reminders) ? extras.alarms : null;
      addFields(vevent, ownAlarms ? { ...fields, reminders: [] } : fields);
      if (extras) addKeptProperties(vevent, extras.event);
      if (ownAlarms) addKeptAlarms(vevent, ownAlarms);
    }
    cal.addSubcomponent(vevent);
  }
  return `${cal.toString()}\r\n`;
}

/**
 * A free/busy answer (RFC 4791 §7.10): one VFREEBUSY for [from, to) with a FREEBUSY;FBTYPE=BUSY
 * period per busy interval, all in UTC.
 */
export function writeFreeBusy(
  busy: { start: Date; end: Date }[],
  from: Date,
  to: Date,
  now = new Date(),
): string {
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('prodid', ICS_PRODID);
  cal.addPropertyWithValue('version', '2.0');
  cal.addPropertyWithValue('calscale', 'GREGORIAN');
  const vfreebusy = new ICAL.Component('vfreebusy');
  vfreebusy.addPropertyWithValue('dtstamp', utc(now));
  vfreebusy.addPropertyWithValue('dtstart', utc(from));
  vfreebusy.addPropertyWithValue('dtend', utc(to));
  for (const b of busy) {
    const p = new ICAL.Property('freebusy');
    p.setParameter('fbtype', 'BUSY');
    p.setValue(ICAL.Period.fromData({ start: utc(b.start), end: utc(b.end), duration: undefined }));
    vfreebusy.addProperty(p);
  }
  cal.addSubcomponent(vfreebusy);
  return `${cal.toString()}\r\n`;
}

function fullEvents(
  record: EventRecord,
  zones: ZoneUse,
  now: Date,
  method?: IcsWriteOptions['method'],
  keepExtras = false,
): IcalComponent[] {
  const series = toSeries(record);
  const fields = series.fields as EventFields;
  const itip = method === 'REQUEST' || method === 'CANCEL' ? method : undefined;
  const base = () => {
    const vevent = baseEvent(record.uid, record, now);
    if (itip) itipProperties(vevent, record, itip);
    return vevent;
  };
  const master = base();
  addTiming(master, record, seriesTiming(record), occurrenceEndTiming(record), zones);
  addOrganizer(master, record, fields);
  const extras = keepExtras ? record.icalExtras : null;
  const ownAlarms = extras && alarmsStandFor(extras, fields.reminders) ? extras.alarms : null;
  addFields(
    master,
    ownAlarms ? { ...fields, reminders: [] } : fields,
    itip === 'REQUEST' ? record.organizer?.email : undefined,
  );
  if (extras) addKeptProperties(master, extras.event);
  if (ownAlarms) addKeptAlarms(master, ownAlarms);
  const exdates = [...(record.exdates ?? [])];
  const overrides: IcalComponent[] = [];
  if (record.recurrence && itip === 'CANCEL') addRecurrence(master, record);
  else if (record.recurrence) {
    addRecurrence(master, record);
    for (const o of record.overrides ?? []) {
      if (o.cancelled) {
        exdates.push(o.originalStart);
        continue;
      }
      const occurrence = findOccurrence(series, o.originalStart);
      if (!occurrence) continue; // the rule no longer generates it
      const vevent = base();
      addRecurrenceId(vevent, record, o.originalStart, zones);
      addOccurrenceTiming(vevent, record, occurrence, zones);
      const own = { ...fields, ...(occurrence.fields as Partial<EventFields>) };
      addOrganizer(vevent, record, own);
      addFields(vevent, own, itip === 'REQUEST' ? record.organizer?.email : undefined);
      overrides.push(vevent);
    }
    addExdates(master, record, exdates, zones);
  }
  return [master, ...overrides];
}

/**
 * Free/busy: the same times with nothing else. Transparent occurrences are left out (an opaque
 * series loses them through EXDATE; a transparent series keeps only its opaque occurrences, each
 * as a single event). UIDs are hashed so they reveal nothing either.
 */
function busyEvents(record: EventRecord, zones: ZoneUse, now: Date): IcalComponent[] {
  const series = toSeries(record);
  const uid = `${createHash('sha256').update(record.uid).digest('hex').slice(0, 32)}@busy.calendar-assistant`;
  const opaque = (f?: Partial<EventFields>) => ({ ...series.fields, ...f }).transparency !== 'transparent';
  const out: IcalComponent[] = [];
  if (!record.recurrence) {
    if (!opaque()) return [];
    const vevent = busyEvent(uid, record, now);
    addTiming(vevent, record, seriesTiming(record), occurrenceEndTiming(record), zones);
    return [vevent];
  }
  const seriesOpaque = opaque();
  const master = busyEvent(uid, record, now);
  addTiming(master, record, seriesTiming(record), occurrenceEndTiming(record), zones);
  addRecurrence(master, record);
  const exdates = [...(record.exdates ?? [])];
  for (const o of record.overrides ?? []) {
    const occurrence = o.cancelled ? null : findOccurrence(series, o.originalStart);
    const busy = occurrence !== null && opaque(occurrence.fields as Partial<EventFields>);
    if (seriesOpaque && !busy) exdates.push(o.originalStart);
    if (!occurrence || !busy) continue;
    const vevent = busyEvent(seriesOpaque ? uid : `${o.originalStart.getTime()}-${uid}`, record, now);
    if (seriesOpaque) addRecurrenceId(vevent, record, o.originalStart, zones);
    addOccurrenceTiming(vevent, record, occurrence, zones);
    out.push(vevent);
  }
  if (!seriesOpaque) return out;
  addExdates(master, record, exdates, zones);
  return [master, ...out];
}

function busyEvent(uid: string, record: EventRecord, now: Date): IcalComponent {
  const vevent = new ICAL.Component('vevent');
  vevent.addPropertyWithValue('uid', uid);
  vevent.addPropertyWithValue('dtstamp', utc(now));
  vevent.addPropertyWithValue('last-modified', utc(new Date(record.updatedAt)));
  vevent.addPropertyWithValue('summary', 'Busy');
  vevent.addPropertyWithValue('transp', 'OPAQUE');
  return vevent;
}

function baseEvent(uid: string, record: EventRecord, now: Date): IcalComponent {
  const vevent = new ICAL.Component('vevent');
  vevent.addPropertyWithValue('uid', uid);
  vevent.addPropertyWithValue('dtstamp', utc(now));
  vevent.addPropertyWithValue('created', utc(new Date(record.createdAt)));
  vevent.addPropertyWithValue('last-modified', utc(new Date(record.updatedAt)));
  // RFC 5546: raised by each organizer change of time, place, title or guests (not by answers).
  vevent.addPropertyWithValue('sequence', record.sequence ?? 0);
  return vevent;
}

/**
 * An iTIP message's VEVENT: SEQUENCE is the event's own (bumped by each organizer change, which is
 * what attendees' clients compare), not the export's version count; a CANCEL says STATUS:CANCELLED.
 */
function itipProperties(vevent: IcalComponent, record: EventRecord, method: ItipMethod): void {
  vevent.updatePropertyWithValue('sequence', record.sequence ?? 0);
  if (method === 'CANCEL') vevent.addPropertyWithValue('status', 'CANCELLED');
}

/** RFC 5545 PARTSTAT of each response. */
export const PARTSTAT: Record<ResponseStatus, string> = {
  needsAction: 'NEEDS-ACTION',
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  tentative: 'TENTATIVE',
};

/** ORGANIZER, on a meeting (an event with attendees) only. */
function addOrganizer(vevent: IcalComponent, record: EventRecord, f: Partial<EventFields>): void {
  if (!record.organizer?.email || !f.attendees?.length) return;
  const p = new ICAL.Property('organizer');
  if (record.organizer.name) p.setParameter('cn', record.organizer.name);
  p.setValue(`mailto:${record.organizer.email}`);
  vevent.addProperty(p);
}

/** `rsvpAllBut`: an invitation asks every attendee but the organizer to answer (RSVP=TRUE). */
function addFields(vevent: IcalComponent, f: Partial<EventFields>, rsvpAllBut?: string): void {
  vevent.addPropertyWithValue('summary', f.title ?? '');
  if (f.description) vevent.addPropertyWithValue('description', f.description);
  if (f.location) vevent.addPropertyWithValue('location', f.location);
  vevent.addPropertyWithValue('transp', f.transparency === 'transparent' ? 'TRANSPARENT' : 'OPAQUE');
  for (const a of f.attendees ?? []) {
    const p = new ICAL.Property('attendee');
    if (a.name) p.setParameter('cn', a.name);
    p.setParameter('role', a.optional ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT');
    p.setParameter('partstat', PARTSTAT[a.responseStatus] ?? 'NEEDS-ACTION');
    if (rsvpAllBut !== undefined ? a.email !== rsvpAllBut : a.responseStatus === 'needsAction')
      p.setParameter('rsvp', 'TRUE');
    p.setValue(`mailto:${a.email}`);
    vevent.addProperty(p);
  }
  for (const minutes of f.reminders ?? []) {
    const alarm = new ICAL.Component('valarm');
    alarm.addPropertyWithValue('action', 'DISPLAY');
    alarm.addPropertyWithValue('description', f.title || 'Reminder');
    alarm.addPropertyWithValue('trigger', ICAL.Duration.fromSeconds(-minutes * 60));
    vevent.addSubcomponent(alarm);
  }
}

const seriesTiming = (r: EventRecord): Timing =>
  r.allDay ? { allDay: true, date: r.startDate as string } : { allDay: false, instant: r.start };
const occurrenceEndTiming = (r: EventRecord): Timing =>
  r.allDay ? { allDay: true, date: r.endDate as string } : { allDay: false, instant: r.end };

/** DTSTART and DTEND in `zone`: the event's own, or UTC for expanded instances (RFC 4791 §9.6.5). */
function addTiming(
  vevent: IcalComponent,
  record: EventRecord,
  start: Timing,
  end: Timing,
  zones: ZoneUse,
  zone = record.timeZone,
): void {
  vevent.addProperty(timeProperty('dtstart', start, zone, zones));
  vevent.addProperty(timeProperty('dtend', end, zone, zones));
}

function addOccurrenceTiming(
  vevent: IcalComponent,
  record: EventRecord,
  o: Occurrence<object>,
  zones: ZoneUse,
  zone = record.timeZone,
): void {
  const start: Timing = o.allDay
    ? { allDay: true, date: o.startDate as string }
    : { allDay: false, instant: o.start };
  const end: Timing = o.allDay
    ? { allDay: true, date: o.endDate as string }
    : { allDay: false, instant: o.end };
  addTiming(vevent, record, start, end, zones, zone);
}

function addRecurrenceId(
  vevent: IcalComponent,
  record: EventRecord,
  originalStart: Date,
  zones: ZoneUse,
  zone = record.timeZone,
): void {
  const timing: Timing = record.allDay
    ? { allDay: true, date: instantToLocalDate(originalStart, record.timeZone) }
    : { allDay: false, instant: originalStart };
  vevent.addProperty(timeProperty('recurrence-id', timing, zone, zones));
}

function addExdates(vevent: IcalComponent, record: EventRecord, exdates: Date[], zones: ZoneUse): void {
  if (exdates.length === 0) return;
  const sorted = [...new Set(exdates.map((d) => d.getTime()))]
    .sort((a, b) => a - b)
    .map((ms) => new Date(ms));
  const p = new ICAL.Property('exdate');
  if (record.allDay) {
    p.resetType('date');
    p.setValues(sorted.map((d) => dateValue(instantToLocalDate(d, record.timeZone))));
  } else if (isUtcZone(record.timeZone)) {
    p.setValues(sorted.map(utc));
  } else {
    p.setParameter('tzid', record.timeZone);
    p.setValues(sorted.map((d) => localValue(d, record.timeZone)));
    for (const d of sorted) zones.note(record.timeZone, d);
  }
  vevent.addProperty(p);
}

/**
 * RRULE as stored, with UNTIL made RFC 5545-conformant for the start's type: an instant in UTC
 * for timed events (the engine's date form means "through that local day"), a DATE for all-day.
 */
function addRecurrence(vevent: IcalComponent, record: EventRecord): void {
  const rule = parseRecurrenceRule(record.recurrence as string);
  let until: RecurrenceUntil | undefined = rule.until;
  const zone = record.timeZone;
  if (until && record.allDay) {
    if (until.kind === 'instant') until = { kind: 'date', date: instantToLocalDate(until.instant, zone) };
    else if (until.kind === 'local') until = { kind: 'date', date: until.local.slice(0, 10) };
  } else if (until && until.kind !== 'instant') {
    const local = until.kind === 'date' ? `${until.date}T23:59:59` : until.local;
    until = { kind: 'instant', instant: localToInstant(local, zone).instant };
  }
  const text = formatRecurrence(until ? withUntil(rule, until) : rule);
  vevent.addPropertyWithValue('rrule', ICAL.Recur.fromString(text));
}

function timeProperty(name: string, timing: Timing, zone: string, zones: ZoneUse) {
  const p = new ICAL.Property(name);
  if (timing.allDay) {
    p.resetType('date');
    p.setValue(dateValue(timing.date));
  } else if (isUtcZone(zone)) {
    p.setValue(utc(timing.instant));
  } else {
    p.setParameter('tzid', zone);
    p.setValue(localValue(timing.instant, zone));
    zones.note(zone, timing.instant);
  }
  return p;
}

const utc = (d: Date) => ICAL.Time.fromJSDate(new Date(Math.floor(d.getTime() / 1000) * 1000), true);
const localValue = (d: Date, zone: string) => ICAL.Time.fromDateTimeString(instantToLocal(d, zone).local);
const dateValue = (date: string) => ICAL.Time.fromDateString(date);
