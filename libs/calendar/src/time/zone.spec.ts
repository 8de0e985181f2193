import {
  allDayBounds,
  formatInZone,
  instantToLocal,
  instantToLocalDate,
  isValidTimeZone,
  localDateToInstant,
  localDayBounds,
  localToInstant,
  normalizeTimeZone,
  offsetTransitions,
  parseInstant,
  wallClockOf,
  zoneOffsetMinutes,
} from './zone';
import { TimeZoneError } from './time-zone.error';

const iso = (d: Date) => d.toISOString();
const HOUR = 3_600_000;

describe('isValidTimeZone / normalizeTimeZone', () => {
  it('accepts IANA names and rejects unknown names and bare offsets', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Etc/GMT+5')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('+02:00')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('returns the canonical spelling', () => {
    expect(normalizeTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(normalizeTimeZone('US/Eastern')).toBe('America/New_York');
    expect(() => normalizeTimeZone('Nope/Nowhere')).toThrow(TimeZoneError);
  });
});

describe('localToInstant', () => {
  it('resolves an ordinary local time', () => {
    expect(localToInstant('2026-06-10T14:30', 'Europe/Berlin')).toEqual({
      instant: new Date('2026-06-10T12:30:00Z'),
      inGap: false,
      inOverlap: false,
    });
    expect(iso(localToInstant('2026-01-15T09:00:15', 'America/New_York').instant)).toBe(
      '2026-01-15T14:00:15.000Z',
    );
  });

  it('America/New_York 2026-03-08 02:30 (spring-forward gap) shifts forward to 03:30 EDT', () => {
    const r = localToInstant('2026-03-08T02:30', 'America/New_York');
    expect(iso(r.instant)).toBe('2026-03-08T07:30:00.000Z');
    expect(r).toMatchObject({ inGap: true, inOverlap: false });
    expect(instantToLocal(r.instant, 'America/New_York').iso).toBe('2026-03-08T03:30:00-04:00');
  });

  it('handles the edges of the New York gap', () => {
    expect(localToInstant('2026-03-08T01:59:59', 'America/New_York')).toEqual({
      instant: new Date('2026-03-08T06:59:59Z'),
      inGap: false,
      inOverlap: false,
    });
    expect(localToInstant('2026-03-08T02:00', 'America/New_York')).toEqual({
      instant: new Date('2026-03-08T07:00:00Z'),
      inGap: true,
      inOverlap: false,
    });
    expect(localToInstant('2026-03-08T03:00', 'America/New_York')).toEqual({
      instant: new Date('2026-03-08T07:00:00Z'),
      inGap: false,
      inOverlap: false,
    });
  });

  it('America/New_York 2026-11-01 01:30 (fall-back overlap) resolves to the earlier instant (EDT)', () => {
    const r = localToInstant('2026-11-01T01:30', 'America/New_York');
    expect(iso(r.instant)).toBe('2026-11-01T05:30:00.000Z');
    expect(r).toMatchObject({ inGap: false, inOverlap: true });
    expect(instantToLocal(r.instant, 'America/New_York').offset).toBe('-04:00');
  });

  it('handles the edges of the New York overlap', () => {
    expect(localToInstant('2026-11-01T00:59', 'America/New_York')).toEqual({
      instant: new Date('2026-11-01T04:59:00Z'),
      inGap: false,
      inOverlap: false,
    });
    expect(localToInstant('2026-11-01T01:00', 'America/New_York')).toEqual({
      instant: new Date('2026-11-01T05:00:00Z'),
      inGap: false,
      inOverlap: true,
    });
    expect(localToInstant('2026-11-01T02:00', 'America/New_York')).toEqual({
      instant: new Date('2026-11-01T07:00:00Z'),
      inGap: false,
      inOverlap: false,
    });
  });

  it('Europe/Berlin 2026-03-29 02:30 (gap) becomes 03:30 CEST', () => {
    const r = localToInstant('2026-03-29T02:30', 'Europe/Berlin');
    expect(iso(r.instant)).toBe('2026-03-29T01:30:00.000Z');
    expect(r).toMatchObject({ inGap: true, inOverlap: false });
    expect(formatInZone(r.instant, 'Europe/Berlin')).toBe('2026-03-29T03:30:00+02:00');
  });

  it('Europe/Berlin 2026-10-25 02:30 (overlap) resolves to 02:30 CEST, the earlier instant', () => {
    const r = localToInstant('2026-10-25T02:30:00', 'Europe/Berlin');
    expect(iso(r.instant)).toBe('2026-10-25T00:30:00.000Z');
    expect(r).toMatchObject({ inGap: false, inOverlap: true });
    // The later reading of the same wall-clock time is one hour after.
    expect(formatInZone(new Date(r.instant.getTime() + HOUR), 'Europe/Berlin')).toBe(
      '2026-10-25T02:30:00+01:00',
    );
  });

  it('shifts by the actual gap length: 30 minutes on Lord Howe Island', () => {
    const r = localToInstant('2026-10-04T02:15', 'Australia/Lord_Howe');
    expect(r.inGap).toBe(true);
    expect(formatInZone(r.instant, 'Australia/Lord_Howe')).toBe('2026-10-04T02:45:00+11:00');
  });

  it('shifts by a whole day when a zone skips a date (Samoa, 2011-12-30)', () => {
    const r = localToInstant('2011-12-30T12:00', 'Pacific/Apia');
    expect(r.inGap).toBe(true);
    expect(iso(r.instant)).toBe('2011-12-30T22:00:00.000Z');
    expect(formatInZone(r.instant, 'Pacific/Apia')).toBe('2011-12-31T12:00:00+14:00');
  });

  it('round-trips every quarter hour across both New York transitions', () => {
    for (const day of ['2026-03-08T00:00:00Z', '2026-11-01T00:00:00Z']) {
      const from = new Date(day).getTime();
      for (let t = from; t < from + 24 * HOUR; t += HOUR / 4) {
        const { local } = instantToLocal(new Date(t), 'America/New_York');
        const back = localToInstant(local, 'America/New_York');
        if (back.inOverlap) {
          // Ambiguous readings resolve to the first of the two instants.
          expect([t, t - HOUR]).toContain(back.instant.getTime());
        } else {
          expect(back.instant.getTime()).toBe(t);
        }
        expect(back.inGap).toBe(false);
      }
    }
  });

  it('rejects malformed input and unknown zones', () => {
    expect(() => localToInstant('2026-02-30T10:00', 'Europe/Berlin')).toThrow(/not a valid calendar date/);
    expect(() => localToInstant('2026-06-10 10:00', 'Europe/Berlin')).toThrow(TimeZoneError);
    expect(() => localToInstant('2026-06-10T24:00', 'Europe/Berlin')).toThrow(/not a valid time of day/);
    expect(() => localToInstant('2026-06-10T10:00+02:00', 'Europe/Berlin')).toThrow(TimeZoneError);
    expect(() => localToInstant('2026-06-10T10:00', 'Nope/Zone')).toThrow(/not a valid IANA time zone/);
  });
});

describe('zoneOffsetMinutes / offsetTransitions', () => {
  it('switches exactly at the transition instant', () => {
    expect(zoneOffsetMinutes('America/New_York', Date.parse('2026-03-08T06:59:59Z'))).toBe(-300);
    expect(zoneOffsetMinutes('America/New_York', Date.parse('2026-03-08T07:00:00Z'))).toBe(-240);
    expect(zoneOffsetMinutes('Europe/Berlin', Date.parse('2026-10-25T00:59:59.999Z'))).toBe(120);
    expect(zoneOffsetMinutes('Europe/Berlin', Date.parse('2026-10-25T01:00:00Z'))).toBe(60);
    expect(zoneOffsetMinutes('Asia/Kolkata', Date.parse('2026-10-25T01:00:00Z'))).toBe(330);
  });

  it('lists each change once, to the second, across year ends and in zones without DST', () => {
    const year = (y: number) => Date.UTC(y, 0, 1);
    expect(offsetTransitions('America/New_York', year(2026), year(2027))).toEqual([
      { at: Date.parse('2026-03-08T07:00:00Z'), from: -300, to: -240 },
      { at: Date.parse('2026-11-01T06:00:00Z'), from: -240, to: -300 },
    ]);
    // Two years at once, half-open: the span ends just before the 2027 spring change.
    const nz = offsetTransitions('Pacific/Auckland', year(2026), Date.parse('2027-04-03T14:00:00Z'));
    expect(nz.map((t) => new Date(t.at).toISOString())).toEqual([
      '2026-04-04T14:00:00.000Z',
      '2026-09-26T14:00:00.000Z',
    ]);
    expect(
      offsetTransitions('Australia/Lord_Howe', year(2026), year(2027)).map((t) => t.to - t.from),
    ).toEqual([-30, 30]);
    expect(offsetTransitions('Asia/Tokyo', year(2026), year(2027))).toEqual([]);
    expect(() => offsetTransitions('Nowhere/Special', year(2026), year(2027))).toThrow(TimeZoneError);
  });
});

describe('instantToLocal / formatInZone', () => {
  it('reads an instant in several zones', () => {
    const t = new Date('2026-06-10T12:30:00.789Z');
    expect(instantToLocal(t, 'Europe/Berlin')).toEqual({
      local: '2026-06-10T14:30:00',
      offset: '+02:00',
      iso: '2026-06-10T14:30:00+02:00',
    });
    expect(formatInZone(t, 'America/New_York')).toBe('2026-06-10T08:30:00-04:00');
    expect(formatInZone(t, 'Asia/Kolkata')).toBe('2026-06-10T18:00:00+05:30');
    expect(formatInZone(t, 'UTC')).toBe('2026-06-10T12:30:00+00:00');
    expect(formatInZone(new Date('2026-01-10T12:30:00Z'), 'America/New_York')).toBe(
      '2026-01-10T07:30:00-05:00',
    );
  });

  it('formats the two readings of an overlapped hour with their offsets', () => {
    expect(formatInZone(new Date('2026-11-01T05:30:00Z'), 'America/New_York')).toBe(
      '2026-11-01T01:30:00-04:00',
    );
    expect(formatInZone(new Date('2026-11-01T06:30:00Z'), 'America/New_York')).toBe(
      '2026-11-01T01:30:00-05:00',
    );
  });

  it('rejects an invalid date', () => {
    expect(() => instantToLocal(new Date('nope'), 'UTC')).toThrow(TimeZoneError);
  });
});

describe('all-day helpers', () => {
  it('local midnights across New York DST make 23- and 25-hour days', () => {
    const spring = allDayBounds('2026-03-08', '2026-03-09', 'America/New_York');
    expect(iso(spring.start)).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(spring.end)).toBe('2026-03-09T04:00:00.000Z');
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * HOUR);
    const fall = allDayBounds('2026-11-01', '2026-11-02', 'America/New_York');
    expect(fall.end.getTime() - fall.start.getTime()).toBe(25 * HOUR);
  });

  it('the local day holding an instant, and its wall-clock time, across a DST change', () => {
    const spring = localDayBounds(new Date('2026-03-08T15:00:00Z'), 'America/New_York');
    expect(iso(spring.from)).toBe('2026-03-08T05:00:00.000Z');
    expect(iso(spring.to)).toBe('2026-03-09T04:00:00.000Z');
    expect(wallClockOf(new Date('2026-03-08T15:00:00Z'), 'America/New_York')).toEqual({
      hour: 11,
      minute: 0,
    });
    const fall = localDayBounds(new Date('2026-10-25T12:00:00Z'), 'Europe/Berlin');
    expect(iso(fall.from)).toBe('2026-10-24T22:00:00.000Z');
    expect(fall.to.getTime() - fall.from.getTime()).toBe(25 * HOUR);
    expect(wallClockOf(new Date('2026-10-25T00:30:00Z'), 'Europe/Berlin')).toEqual({ hour: 2, minute: 30 });
  });

  it('a midnight inside a DST gap starts at the first existing moment (America/Santiago 2026-09-06)', () => {
    expect(iso(localDateToInstant('2026-09-06', 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
    expect(formatInZone(localDateToInstant('2026-09-06', 'America/Santiago'), 'America/Santiago')).toBe(
      '2026-09-06T01:00:00-03:00',
    );
    expect(instantToLocalDate(new Date('2026-09-06T04:00:00Z'), 'America/Santiago')).toBe('2026-09-06');
  });
});

describe('parseInstant', () => {
  it('parses ISO strings with an offset or Z and rejects local times', () => {
    expect(parseInstant('2026-06-10T14:30:00+02:00')?.toISOString()).toBe('2026-06-10T12:30:00.000Z');
    expect(parseInstant('2026-06-10T12:30:00Z')?.toISOString()).toBe('2026-06-10T12:30:00.000Z');
    expect(parseInstant('2026-06-10T14:30:00')).toBeNull();
    expect(parseInstant('2026-13-10T14:30:00Z')).toBeNull();
  });
});
