import { LRUCache } from 'lru-cache';
import { DateTime, IANAZone } from 'luxon';
import { addDays, dateToFloating, makeDate, parseDate } from './local-date';
import { OffsetTransition, ZoneOffsets } from './offsets';
import { TimeZoneError } from './time-zone.error';

/**
 * Pure time-zone helpers for calendar events.
 *
 * Vocabulary:
 *  - instant: a point in time (JS `Date`, always UTC inside).
 *  - local date-time: a wall-clock reading in some IANA zone, `YYYY-MM-DDTHH:mm[:ss]`, with no offset.
 *  - floating milliseconds: a local date-time encoded as if it were UTC (`Date.UTC(y, m, d, h, mi, s)`).
 *    Arithmetic on floating values is wall-clock arithmetic; it never sees DST. The recurrence engine
 *    iterates rules on floating values and converts each result with {@link floatingToInstant}.
 */

/** Result of resolving a wall-clock reading in a zone to an instant. */
export interface LocalResolution {
  /** The resolved instant. */
  instant: Date;
  /**
   * The local time does not exist (DST spring-forward gap). The instant is the local time shifted forward
   * by the gap length (02:30 on a day where 02:00 → 03:00 resolves to 03:30), as RFC 5545 and Google do.
   */
  inGap: boolean;
  /** The local time happens twice (DST fall-back). The instant is the EARLIER of the two. */
  inOverlap: boolean;
}

/** An instant read in a zone. */
export interface LocalReading {
  /** Wall-clock time `YYYY-MM-DDTHH:mm:ss` (no offset, milliseconds dropped). */
  local: string;
  /** UTC offset at that instant, `+02:00` / `-05:00` / `+00:00`. */
  offset: string;
  /** ISO 8601 with offset, `2026-06-10T14:30:00+02:00`. */
  iso: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const LOCAL_DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
// IANA names: `UTC`, `Europe/Berlin`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`, `EST5EDT`.
// Deliberately excludes bare offsets such as `+02:00`, which Intl accepts but which have no DST rules.
const IANA_NAME_RE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

// Zones by name, `false` for a name that is no valid zone (names come from requests, so the cache is bounded; the
// tz database has about 600). A pure function of the name, so entries never go stale: bounded by count, no TTL.
const zoneCache = new LRUCache<string, IANAZone | false>({ max: 1_000 });

function lookupZone(zone: string): IANAZone | null {
  let cached = zoneCache.get(zone);
  if (cached === undefined) {
    cached =
      typeof zone === 'string' && IANA_NAME_RE.test(zone) && IANAZone.isValidZone(zone)
        ? IANAZone.create(zone)
        : false;
    zoneCache.set(zone, cached);
  }
  return cached || null;
}

function requireZone(zone: string): IANAZone {
  const found = lookupZone(zone);
  if (!found) throw new TimeZoneError(`timeZone: "${zone}" is not a valid IANA time zone`);
  return found;
}

/** Offset of `zone` at instant `ms`, in minutes (cached transitions; see {@link ZoneOffsets}). */
function offsetAt(zone: IANAZone, ms: number): number {
  return ZoneOffsets.of(zone).offset(ms);
}

/** True for an IANA time-zone name known to the runtime (`Europe/Berlin`, `UTC`); false for offsets like `+02:00`. */
export function isValidTimeZone(zone: string): boolean {
  return lookupZone(zone) !== null;
}

/**
 * The canonical spelling of a valid zone (`europe/berlin` → `Europe/Berlin`, `US/Eastern` → `America/New_York`).
 * Throws {@link TimeZoneError} for an invalid zone. Store this form.
 */
export function normalizeTimeZone(zone: string): string {
  requireZone(zone);
  return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}

/** UTC offset of `zone` at instant `ms`, in minutes (positive east of Greenwich). */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  return offsetAt(requireZone(zone), ms);
}

/** The changes of `zone`'s UTC offset with `fromMs <= at < toMs`, in time order. */
export function offsetTransitions(zone: string, fromMs: number, toMs: number): OffsetTransition[] {
  return ZoneOffsets.of(requireZone(zone)).transitions(fromMs, toMs);
}

/** Parses `YYYY-MM-DDTHH:mm[:ss]` into floating milliseconds. Throws {@link TimeZoneError} when malformed. */
export function parseLocalDateTime(local: string): number {
  const m = typeof local === 'string' ? LOCAL_DATE_TIME_RE.exec(local) : null;
  if (!m) throw new TimeZoneError(`"${local}" is not a local date-time (expected YYYY-MM-DDTHH:mm[:ss])`);
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const date = makeDate(year, month, day);
  if (!date) throw new TimeZoneError(`"${local}" is not a valid calendar date`);
  if (hour > 23 || minute > 59 || second > 59)
    throw new TimeZoneError(`"${local}" is not a valid time of day`);
  return dateToFloating(date) + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** Parses `YYYY-MM-DD` into floating milliseconds of its midnight. Throws {@link TimeZoneError} when malformed. */
export function parseLocalDate(date: string): number {
  return dateToFloating(parseDate(date));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Floating milliseconds → `YYYY-MM-DDTHH:mm:ss`. */
export function formatFloating(floatingMs: number): string {
  const d = new Date(floatingMs);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** Floating milliseconds → `YYYY-MM-DD` (the date part). */
export function formatFloatingDate(floatingMs: number): string {
  return formatFloating(floatingMs).slice(0, 10);
}

/**
 * Floating milliseconds of the wall-clock reading of `instant` in `zone` (whole seconds; milliseconds dropped).
 */
export function instantToFloating(instant: Date | number, zone: string): number {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const seconds = Math.floor(ms / 1000) * 1000;
  return seconds + offsetAt(requireZone(zone), seconds) * MINUTE_MS;
}

/**
 * Resolves floating milliseconds (a wall-clock reading) in `zone` to an instant. Gap → shifted forward by the
 * gap length; overlap → earlier instant. Works for any transition size (including whole skipped days).
 */
export function floatingToInstant(floatingMs: number, zone: string): LocalResolution {
  const z = requireZone(zone);
  // Offsets in force a day around the reading cover every transition that can affect it.
  const before = offsetAt(z, floatingMs - DAY_MS);
  const after = offsetAt(z, floatingMs + DAY_MS);
  const candidates: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const instant = floatingMs - offset * MINUTE_MS;
    if (offsetAt(z, instant) === offset && !candidates.includes(instant)) candidates.push(instant);
  }
  if (candidates.length === 0 && before === after) {
    // Extremely rare: a transition shorter than two days that starts and ends inside the probe window.
    const own = offsetAt(z, floatingMs);
    const instant = floatingMs - own * MINUTE_MS;
    if (offsetAt(z, instant) === own) candidates.push(instant);
  }
  if (candidates.length === 0) {
    // Gap: read the clock with the offset in force before the transition, i.e. move forward by the gap.
    return { instant: new Date(floatingMs - before * MINUTE_MS), inGap: true, inOverlap: false };
  }
  candidates.sort((a, b) => a - b);
  return { instant: new Date(candidates[0]), inGap: false, inOverlap: candidates.length > 1 };
}

/**
 * Resolves a wall-clock reading `YYYY-MM-DDTHH:mm[:ss]` in `zone` to an instant.
 * DST gap (nonexistent time) → shifted forward by the gap length, `inGap: true`.
 * DST overlap (ambiguous time) → the earlier instant, `inOverlap: true`.
 * Throws {@link TimeZoneError} for an invalid zone or a malformed reading.
 */
export function localToInstant(localDateTime: string, zone: string): LocalResolution {
  requireZone(zone);
  return floatingToInstant(parseLocalDateTime(localDateTime), zone);
}

/**
 * The instant at which local date `YYYY-MM-DD` begins in `zone` (local midnight; if midnight falls in a DST gap,
 * the first existing moment after it). This is how all-day dates become instants.
 */
export function localDateToInstant(date: string, zone: string): Date {
  requireZone(zone);
  return floatingToInstant(parseLocalDate(date), zone).instant;
}

/** The local day holding `instant` in `zone`: its midnight to the next (23 or 25 hours across DST). */
export function localDayBounds(instant: Date, zone: string): { from: Date; to: Date } {
  const today = instantToLocalDate(instant, zone);
  return { from: localDateToInstant(today, zone), to: localDateToInstant(addDays(today, 1), zone) };
}

/** The wall-clock hour and minute of `instant` in `zone`. */
export function wallClockOf(instant: Date, zone: string): { hour: number; minute: number } {
  const local = instantToLocal(instant, zone).local;
  return { hour: Number(local.slice(11, 13)), minute: Number(local.slice(14, 16)) };
}

/** The local calendar date `YYYY-MM-DD` of `instant` in `zone`. */
export function instantToLocalDate(instant: Date, zone: string): string {
  return formatFloatingDate(instantToFloating(instant, zone));
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Reads `instant` in `zone`: wall-clock time, offset and ISO form with offset. Milliseconds are dropped. */
export function instantToLocal(instant: Date, zone: string): LocalReading {
  const z = requireZone(zone);
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new TimeZoneError('instant: not a valid Date');
  }
  const seconds = Math.floor(instant.getTime() / 1000) * 1000;
  const offsetMinutes = offsetAt(z, seconds);
  const local = formatFloating(seconds + offsetMinutes * MINUTE_MS);
  const offset = formatOffset(offsetMinutes);
  return { local, offset, iso: `${local}${offset}` };
}

/** ISO 8601 of `instant` with the offset of `zone`, e.g. `2026-06-10T14:30:00+02:00`. For API responses. */
export function formatInZone(instant: Date, zone: string): string {
  return instantToLocal(instant, zone).iso;
}

/**
 * Parses an ISO 8601 string WITH an offset or `Z` (`2026-06-10T14:30:00+02:00`) into an instant; returns null for
 * anything else (including offset-less local times, which need a zone: use {@link localToInstant}).
 */
export function parseInstant(iso: string): Date | null {
  if (typeof iso !== 'string' || !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(iso)) return null;
  const dt = DateTime.fromISO(iso, { setZone: true });
  return dt.isValid ? dt.toJSDate() : null;
}

/**
 * Instants of an all-day span in `zone`: local midnight of `startDate` and of `endDate` (exclusive). Across a DST
 * change the span is 23 or 25 hours per day. Throws {@link TimeZoneError} for an invalid zone or date.
 */
export function allDayBounds(startDate: string, endDate: string, zone: string): { start: Date; end: Date } {
  return { start: localDateToInstant(startDate, zone), end: localDateToInstant(endDate, zone) };
}
