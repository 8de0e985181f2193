import { LRUCache } from 'lru-cache';

import ICAL, { IcalComponent } from './ical';
import type { OffsetTransition } from '../time/offsets';
import { formatFloating, offsetTransitions as zoneTransitions, zoneOffsetMinutes } from '../time/zone';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Beyond the explicit years, a yearly rule is derived and checked against this many following years. */
const RULE_CHECK_YEARS = 8;
/** Zones whose changes fit no yearly rule get explicit transitions this many years past the span. */
const EXPLICIT_TAIL_YEARS = 30;

const UTC_NAMES = new Set([
  'UTC',
  'Etc/UTC',
  'Etc/UCT',
  'UCT',
  'Etc/Universal',
  'Universal',
  'Etc/Zulu',
  'Zulu',
  'Etc/GMT',
  'GMT',
]);

/** True for zones that are plain UTC: their times are written `…Z`, with no TZID or VTIMEZONE. */
export function isUtcZone(zone: string): boolean {
  return UTC_NAMES.has(zone);
}

/**
 * Offset changes of `zone` in [fromMs, toMs) in whole minutes, as a VTIMEZONE writes them (the
 * time module finds them; early local-mean-time offsets have seconds, which RFC 5545 drops here).
 */
export function offsetTransitions(zone: string, fromMs: number, toMs: number): OffsetTransition[] {
  return zoneTransitions(zone, fromMs, toMs)
    .map((t) => ({ at: t.at, from: Math.round(t.from), to: Math.round(t.to) }))
    .filter((t) => t.from !== t.to);
}

/** A yearly rule that places a transition: an nth (or last) weekday of a month, or a fixed date. */
interface YearlyRule {
  month: number;
  byDay?: string;
  byMonthDay?: number;
  /** Local wall-clock time (in the `from` offset) `HH:mm:ss`. */
  time: string;
  from: number;
  to: number;
}

const WEEKDAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** The local reading of a transition in its `from` offset (how VTIMEZONE DTSTART is written). */
const localOf = (t: OffsetTransition) => formatFloating(t.at + t.from * MINUTE_MS);

function candidateRules(t: OffsetTransition): YearlyRule[] {
  const local = localOf(t);
  const date = new Date(`${local.slice(0, 10)}T00:00:00Z`);
  const month = date.getUTCMonth() + 1;
  const day = date.getUTCDate();
  const weekday = WEEKDAY_CODES[date.getUTCDay()];
  const daysInMonth = new Date(Date.UTC(date.getUTCFullYear(), month, 0)).getUTCDate();
  const base = { month, time: local.slice(11), from: t.from, to: t.to };
  const rules: YearlyRule[] = [];
  if (day + 7 > daysInMonth) rules.push({ ...base, byDay: `-1${weekday}` });
  if (day <= 28) rules.push({ ...base, byDay: `${Math.ceil(day / 7)}${weekday}` });
  rules.push({ ...base, byMonthDay: day });
  return rules;
}

function ruleMatches(rule: YearlyRule, t: OffsetTransition): boolean {
  return (
    t.from === rule.from &&
    t.to === rule.to &&
    candidateRules(t).some(
      (c) =>
        c.month === rule.month &&
        c.time === rule.time &&
        c.byDay === rule.byDay &&
        c.byMonthDay === rule.byMonthDay,
    )
  );
}

const yearStart = (year: number) => Date.UTC(year, 0, 1);

/**
 * Yearly rules reproducing the zone's changes in the years from `firstYear` on (checked over
 * RULE_CHECK_YEARS more years; none when the zone no longer changes), or null when they fit none.
 */
function yearlyRules(
  zone: string,
  firstYear: number,
): { rules: YearlyRule[]; first: OffsetTransition[] } | null {
  const year1 = offsetTransitions(zone, yearStart(firstYear), yearStart(firstYear + 1));
  const later = offsetTransitions(
    zone,
    yearStart(firstYear + 1),
    yearStart(firstYear + 1 + RULE_CHECK_YEARS),
  );
  if (year1.length === 0 && later.length === 0) return { rules: [], first: [] }; // no longer changes
  if (year1.length === 0 || year1.length > 2) return null;
  const rules: YearlyRule[] = [];
  for (const t of year1) {
    const sameKind = later.filter((l) => l.from === t.from && l.to === t.to);
    const rule = candidateRules(t).find(
      (r) => sameKind.length === RULE_CHECK_YEARS && sameKind.every((l) => ruleMatches(r, l)),
    );
    if (!rule) return null;
    rules.push(rule);
  }
  if (later.length !== RULE_CHECK_YEARS * year1.length) return null;
  return { rules, first: year1 };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  // ical.js reads the jCal form `+05:30`; it writes `+0530`.
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function abbreviation(zone: string, at: number): string | null {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(new Date(at))
    .find((p) => p.type === 'timeZoneName')?.value;
  return part && !/^(GMT|UTC)/.test(part) ? part : null;
}

function observance(
  zone: string,
  dtstart: string,
  from: number,
  to: number,
  daylight: boolean,
  rrule?: string,
): IcalComponent {
  const c = new ICAL.Component(daylight ? 'daylight' : 'standard');
  c.addPropertyWithValue('dtstart', ICAL.Time.fromDateTimeString(dtstart));
  c.addPropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromString(formatOffset(from)));
  c.addPropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromString(formatOffset(to)));
  const name = abbreviation(zone, Date.parse(`${dtstart}Z`) - from * MINUTE_MS + DAY_MS / 2);
  if (name) c.addPropertyWithValue('tzname', name);
  if (rrule) c.addPropertyWithValue('rrule', ICAL.Recur.fromString(rrule));
  return c;
}

/**
 * A VTIMEZONE for `zone`, correct for every instant from `fromYear` on: the zone's real offset
 * changes (from the runtime's tz database) as explicit observances through `toYear`, then yearly
 * RRULE observances derived from the following years and checked against them — or, for zones
 * whose changes fit no yearly rule, explicit observances for decades more. A leading observance
 * gives the offset in force on 1 January of `fromYear`.
 */
export function buildVtimezone(zone: string, fromYear: number, toYear: number): IcalComponent {
  const key = `${zone}|${fromYear}|${toYear}`;
  let jcal = built.get(key);
  if (!jcal) {
    jcal = computeVtimezone(zone, fromYear, toYear).toJSON() as unknown[];
    built.set(key, jcal);
  }
  return new ICAL.Component(structuredClone(jcal) as unknown[]);
}

// Built zones as jCal, by zone and span: the tz lookups take tens of milliseconds per zone. The jCal depends only on
// its key (and the runtime's tz database), so entries never go stale: bounded by count, no TTL.
const built = new LRUCache<string, unknown[]>({ max: 500 });

function computeVtimezone(zone: string, fromYear: number, toYear: number): IcalComponent {
  const vtz = new ICAL.Component('vtimezone');
  vtz.addPropertyWithValue('tzid', zone);
  vtz.addPropertyWithValue('x-lic-location', zone);
  // A day early, so that local 1 January 00:00 is covered east of UTC too.
  const start = yearStart(fromYear) - DAY_MS;
  const startOffset = zoneOffsetMinutes(zone, start);
  const derived = yearlyRules(zone, toYear + 1);
  const explicitEnd = yearStart(derived ? toYear + 1 : toYear + 1 + EXPLICIT_TAIL_YEARS);
  const transitions = offsetTransitions(zone, start, explicitEnd);
  const yearMin = Math.min(
    startOffset,
    ...offsetTransitions(zone, start, yearStart(fromYear + 1)).map((t) => t.to),
  );
  vtz.addSubcomponent(
    observance(
      zone,
      formatFloating(start + startOffset * MINUTE_MS),
      startOffset,
      startOffset,
      startOffset > yearMin,
    ),
  );
  for (const t of transitions) vtz.addSubcomponent(observance(zone, localOf(t), t.from, t.to, t.to > t.from));
  if (derived) {
    derived.rules.forEach((rule, i) => {
      const rrule = `FREQ=YEARLY;BYMONTH=${rule.month};${rule.byDay ? `BYDAY=${rule.byDay}` : `BYMONTHDAY=${rule.byMonthDay}`}`;
      vtz.addSubcomponent(
        observance(zone, localOf(derived.first[i]), rule.from, rule.to, rule.to > rule.from, rrule),
      );
    });
  }
  return vtz;
}
