import { intersectIntervals, Interval, slotStarts, subtractIntervals, workingIntervals } from './intervals';
import { rankSlots } from './slot-ranking';

const t = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const hours = (start: string, end: string) => ({ days: [1, 2, 3, 4, 5], start, end });

describe('meeting slots for several people', () => {
  it('intersects interval lists, whatever their order and overlaps', () => {
    const a: Interval[] = [
      { start: t('2027-03-01T12:00Z'), end: t('2027-03-01T16:00Z') },
      { start: t('2027-03-01T08:00Z'), end: t('2027-03-01T10:00Z') },
    ];
    const b: Interval[] = [{ start: t('2027-03-01T09:00Z'), end: t('2027-03-01T13:00Z') }];
    expect(intersectIntervals(a, b)).toEqual([
      { start: t('2027-03-01T09:00Z'), end: t('2027-03-01T10:00Z') },
      { start: t('2027-03-01T12:00Z'), end: t('2027-03-01T13:00Z') },
    ]);
    expect(intersectIntervals(a, [])).toEqual([]);
  });

  it('finds the common working hours of New York, London and Kolkata across the US DST change', () => {
    // 2027-03-14 (Sunday): New York moves from UTC-5 to UTC-4; London (UTC+0) and Kolkata (UTC+5:30) stay.
    const from = t('2027-03-12T00:00Z'); // Friday
    const to = t('2027-03-16T00:00Z'); // Tuesday
    const ny = workingIntervals(hours('08:00', '12:00'), 'America/New_York', from, to);
    const ldn = workingIntervals(hours('08:00', '16:00'), 'Europe/London', from, to);
    const kol = workingIntervals(hours('13:00', '21:00'), 'Asia/Kolkata', from, to);
    const common = [ny, ldn, kol].reduce(intersectIntervals);
    expect(common.map((i) => [new Date(i.start).toISOString(), new Date(i.end).toISOString()])).toEqual([
      ['2027-03-12T13:00:00.000Z', '2027-03-12T15:30:00.000Z'], // Friday: New York's 08:00 is 13:00Z
      ['2027-03-15T12:00:00.000Z', '2027-03-15T15:30:00.000Z'], // Monday: 12:00Z, an hour earlier
    ]);
  });

  it('ranks slots that suit everyone first, then late ones, then ones outside working hours, with reasons', () => {
    const zone = 'Europe/London';
    const day = (h: string, m: string) =>
      workingIntervals(hours(h, m), zone, t('2027-06-07T00:00Z'), t('2027-06-08T00:00Z'));
    const people = [
      { name: null, timeZone: zone, working: day('09:00', '17:00') },
      {
        name: 'Priya',
        timeZone: 'Asia/Kolkata',
        working: workingIntervals(
          hours('09:00', '18:00'),
          'Asia/Kolkata',
          t('2027-06-07T00:00Z'),
          t('2027-06-08T00:00Z'),
        ),
      },
    ];
    // 08:00Z = 13:30 in Kolkata (fine); 12:00Z = 17:30 there (late); 07:00Z = 08:00 in London (before your hours).
    const starts = [t('2027-06-07T07:00Z'), t('2027-06-07T08:00Z'), t('2027-06-07T12:00Z')];
    const ranked = rankSlots(starts, HOUR / 2, people, 10);
    expect(ranked.map((s) => [new Date(s.start).toISOString().slice(11, 16), s.reasons])).toEqual([
      ['08:00', ["inside everyone's working hours"]],
      ['12:00', ["Priya's 17:30 is late"]],
      ['07:00', ['Your 08:00 is outside working hours']],
    ]);
    expect(rankSlots(starts, HOUR / 2, people, 1)).toHaveLength(1);
    expect(rankSlots([t('2027-06-07T08:00Z')], HOUR / 2, people.slice(0, 1), 1)[0].reasons).toEqual([
      'inside your working hours',
    ]);
  });

  it('never offers a slot that someone is busy in, and keeps the earliest first among equals', () => {
    const zone = 'UTC';
    const w = workingIntervals(hours('09:00', '17:00'), zone, t('2027-06-07T00:00Z'), t('2027-06-08T00:00Z'));
    const busyOfAttendee = [{ start: t('2027-06-07T10:00Z'), end: t('2027-06-07T11:00Z') }];
    const free = subtractIntervals(w, busyOfAttendee);
    const starts = slotStarts(free, HOUR, HOUR, zone, 100);
    const ranked = rankSlots(starts, HOUR, [{ name: null, timeZone: zone, working: w }], 100);
    expect(ranked.map((s) => new Date(s.start).toISOString().slice(11, 16))).toEqual([
      '09:00',
      '11:00',
      '12:00',
      '13:00',
      '14:00',
      '15:00',
      '16:00',
    ]);
    expect(ranked.at(-1)?.reasons).toEqual(['Your 16:00 is late']);
  });
});
