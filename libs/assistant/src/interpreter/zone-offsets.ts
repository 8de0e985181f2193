import { IANAZone } from 'luxon';

/**
 * UTC offsets of an IANA zone, from luxon's zone data, cached per zone and year as the list of
 * transitions so that a lookup costs a few comparisons instead of an Intl call (an Intl-backed
 * lookup takes ~10 µs; the interpreter needs several per request).
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const SAMPLE_STEP = 2 * DAY;

interface YearTable {
  /** Offset (minutes) in force at the start of the table. */
  readonly initial: number;
  /** Transitions in time order: from `at` (epoch ms) on, the offset is `offset`. */
  readonly transitions: ReadonlyArray<{ readonly at: number; readonly offset: number }>;
}

export class ZoneOffsets {
  private static readonly zones = new Map<string, ZoneOffsets | null>();
  private readonly years = new Map<number, YearTable>();

  private constructor(private readonly zone: IANAZone) {}

  /** The offsets of a zone; null when the zone name is not a valid IANA zone. */
  static of(name: string): ZoneOffsets | null {
    let found = ZoneOffsets.zones.get(name);
    if (found === undefined) {
      found = IANAZone.isValidZone(name) ? new ZoneOffsets(IANAZone.create(name)) : null;
      if (ZoneOffsets.zones.size > 1000) ZoneOffsets.zones.clear();
      ZoneOffsets.zones.set(name, found);
    }
    return found;
  }

  /** The UTC offset in minutes at an instant (epoch ms). */
  offset(ms: number): number {
    const year = new Date(ms).getUTCFullYear();
    let table = this.years.get(year);
    if (!table) {
      table = this.build(year);
      this.years.set(year, table);
    }
    let offset = table.initial;
    for (const t of table.transitions) {
      if (ms < t.at) break;
      offset = t.offset;
    }
    return offset;
  }

  /** Samples the year (with a margin) and bisects every change of offset down to the minute. */
  private build(year: number): YearTable {
    const start = Date.UTC(year, 0, 1) - 2 * DAY;
    const end = Date.UTC(year + 1, 0, 1) + 2 * DAY;
    const initial = this.zone.offset(start);
    const transitions: { at: number; offset: number }[] = [];
    let prevAt = start;
    let prevOffset = initial;
    for (let at = start + SAMPLE_STEP; at <= end + SAMPLE_STEP; at += SAMPLE_STEP) {
      const offset = this.zone.offset(at);
      if (offset !== prevOffset) {
        // The change lies in (prevAt, at]: find its first minute.
        let lo = Math.floor(prevAt / MINUTE);
        let hi = Math.floor(at / MINUTE);
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.zone.offset(mid * MINUTE) === prevOffset) lo = mid;
          else hi = mid;
        }
        transitions.push({ at: hi * MINUTE, offset });
        prevOffset = offset;
      }
      prevAt = at;
    }
    return { initial, transitions };
  }
}
