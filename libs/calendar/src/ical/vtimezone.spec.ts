import ICAL from './ical';
import { formatFloating, localToInstant } from '../time/zone';
import { buildVtimezone } from './vtimezone';

/**
 * The instant of a local wall-clock time by the VTIMEZONE, computed by ical.js (an independent
 * implementation of RFC 5545 zones; it resolves local times, so that is the direction tested).
 */
function icalInstant(
  vtz: ReturnType<typeof buildVtimezone> | InstanceType<typeof ICAL.Timezone>,
  local: string,
): number {
  const tz = vtz instanceof ICAL.Timezone ? vtz : new ICAL.Timezone(vtz);
  const t = ICAL.Time.fromDateTimeString(local);
  return Date.parse(`${local}Z`) - tz.utcOffset(t) * 1000;
}

describe('buildVtimezone', () => {
  const zones = [
    'America/New_York',
    'Europe/Berlin',
    'Australia/Sydney',
    'America/Sao_Paulo', // DST abolished in 2019
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Pacific/Chatham',
    'Australia/Lord_Howe', // 30-minute DST
    'America/Santiago',
    'Europe/London',
    'Asia/Tehran', // DST abolished in 2022
    'Africa/Casablanca', // Ramadan changes: no yearly rule
  ];

  it.each(zones)('%s: ical.js resolves local times 2015–2045 as the tz database does', (zone) => {
    const vtz = new ICAL.Timezone(buildVtimezone(zone, 2015, 2027));
    for (let f = Date.UTC(2015, 0, 1, 0, 17); f < Date.UTC(2045, 0, 1); f += 3 * 86_400_000 + 3_600_000) {
      const local = formatFloating(f);
      const resolved = localToInstant(local, zone);
      if (resolved.inGap || resolved.inOverlap) continue;
      expect(`${zone} ${local} ${new Date(icalInstant(vtz, local)).toISOString()}`).toBe(
        `${zone} ${local} ${resolved.instant.toISOString()}`,
      );
    }
  });

  it('writes explicit changes through the span, then a yearly rule checked against later years', () => {
    const text = buildVtimezone('America/New_York', 2026, 2026).toString();
    expect(text).toContain('TZID:America/New_York');
    expect(text).toMatch(
      /BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT/,
    );
    expect(text).toMatch(
      /BEGIN:STANDARD\r\nDTSTART:20261101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500/,
    );
    expect(text).toContain('RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU');
    expect(text).toContain('RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU');
    expect(buildVtimezone('Europe/Berlin', 2026, 2026).toString()).toContain(
      'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
    );
  });

  it('resolves local wall-clock times like the tz database, DST days included', () => {
    const vtz = buildVtimezone('Europe/Berlin', 2026, 2026);
    for (const local of [
      '2026-03-29T01:30:00',
      '2026-03-29T03:30:00',
      '2026-10-25T01:30:00',
      '2028-07-01T12:00:00',
    ]) {
      expect(icalInstant(vtz, local)).toBe(localToInstant(local, 'Europe/Berlin').instant.getTime());
    }
  });

  it('a zone without changes gets one observance', () => {
    const text = buildVtimezone('Asia/Tokyo', 2026, 2026).toString();
    expect(text.match(/BEGIN:STANDARD/g)).toHaveLength(1);
    expect(text).toContain('TZOFFSETTO:+0900');
  });
});
