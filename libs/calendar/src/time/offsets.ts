import { LRUCache } from 'lru-cache';
import { IANAZone } from 'luxon';

/**
 * The one place that reads UTC offsets and their changes from the runtime's tz database (through
 * luxon). luxon answers "the offset at this instant" with an Intl call (microseconds each) and has
 * no "when does the offset change" query, so each zone's changes are found here once per UTC year
 * — sampled weekly (real zones never change twice within a week) and narrowed down to the second
 * — and every later lookup is a few comparisons.
 * The calendar, the iCalendar VTIMEZONE writer and the assistant's clock all read offsets here.
 */

/** One change of a zone's UTC offset. */
export interface OffsetTransition {
  /** The instant the new offset starts (epoch ms). */
  readonly at: number;
  /** Offsets in minutes east of UTC, before and after. */
  readonly from: number;
  readonly to: number;
}

interface YearTable {
  /** Offset (minutes) in force a day before the year starts. */
  readonly initial: number;
  /** Changes from a day before the year to its end, in time order. */
  readonly transitions: readonly OffsetTransition[];
}

const DAY_MS = 86_400_000;
const SAMPLE_MS = 7 * DAY_MS;
/** Years kept per zone; recurrences and feeds touch a few, a stray far-off date one more. */
const MAX_YEARS_PER_ZONE = 1_000;
/** Zones kept; the tz database has about 600. */
const MAX_ZONES = 1_000;
const yearStart = (year: number) => Date.UTC(year, 0, 1);

export class ZoneOffsets {
  // Offsets and their changes depend only on the zone and year (and the runtime's tz database), so entries never go
  // stale: bounded by count, no TTL.
  private static readonly zones = new LRUCache<string, ZoneOffsets>({ max: MAX_ZONES });
  private readonly years = new LRUCache<number, YearTable>({ max: MAX_YEARS_PER_ZONE });
  /** The table last used and the span of its year: most lookups fall in the same year. */
  private last: { table: YearTable; from: number; to: number } | undefined;

  private constructor(private readonly zone: IANAZone) {}

  /** The offsets of a valid luxon zone (validate names before, e.g. with `isValidTimeZone`). */
  static of(zone: IANAZone): ZoneOffsets {
    let found = ZoneOffsets.zones.get(zone.name);
    if (!found) {
      found = new ZoneOffsets(zone);
      ZoneOffsets.zones.set(zone.name, found);
    }
    return found;
  }

  /** The UTC offset in minutes (positive east of Greenwich) at an instant (epoch ms). */
  offset(ms: number): number {
    const last = this.last;
    const table =
      last && ms >= last.from && ms < last.to ? last.table : this.table(new Date(ms).getUTCFullYear());
    let offset = table.initial;
    for (const t of table.transitions) {
      if (ms < t.at) break;
      offset = t.to;
    }
    return offset;
  }

  /** The changes of offset with `fromMs <= at < toMs`, in time order. */
  transitions(fromMs: number, toMs: number): OffsetTransition[] {
    const out: OffsetTransition[] = [];
    const last = new Date(toMs).getUTCFullYear();
    for (let year = new Date(fromMs).getUTCFullYear(); year <= last; year++) {
      for (const t of this.table(year).transitions) {
        if (t.at >= Math.max(fromMs, yearStart(year)) && t.at < Math.min(toMs, yearStart(year + 1)))
          out.push(t);
      }
    }
    return out;
  }

  private table(year: number): YearTable {
    let table = this.years.get(year);
    if (!table) {
      table = this.build(year);
      this.years.set(year, table);
    }
    this.last = { table, from: yearStart(year), to: yearStart(year + 1) };
    return table;
  }

  /** Samples the year (from a day before it) weekly and bisects every change to the second. */
  private build(year: number): YearTable {
    const start = yearStart(year) - DAY_MS;
    const end = yearStart(year + 1);
    const initial = this.zone.offset(start);
    const transitions: OffsetTransition[] = [];
    let current = initial;
    for (let prev = start; prev < end; prev += SAMPLE_MS) {
      const next = Math.min(prev + SAMPLE_MS, end);
      const offset = this.zone.offset(next);
      if (offset === current) continue;
      // The change lies in (prev, next]: find its first second.
      let lo = prev / 1000;
      let hi = next / 1000;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.zone.offset(mid * 1000) === current) lo = mid;
        else hi = mid;
      }
      transitions.push({ at: hi * 1000, from: current, to: offset });
      current = offset;
    }
    return { initial, transitions };
  }
}
