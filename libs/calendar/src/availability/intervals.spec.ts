import {
  Interval,
  mergeIntervals,
  padIntervals,
  slotStarts,
  subtractIntervals,
  workingIntervals,
} from './intervals';

const t = (iso: string) => Date.parse(iso);
const iv = (a: string, b: string): Interval => ({ start: t(a), end: t(b) });
const iso = (i: Interval) => [new Date(i.start).toISOString(), new Date(i.end).toISOString()];

describe('intervals', () => {
  it('merges overlapping and touching intervals, dropping empty ones', () => {
    const merged = mergeIntervals([
      iv('2027-01-01T10:00Z', '2027-01-01T11:00Z'),
      iv('2027-01-01T09:00Z', '2027-01-01T10:00Z'),
      iv('2027-01-01T10:30Z', '2027-01-01T12:00Z'),
      iv('2027-01-01T13:00Z', '2027-01-01T13:00Z'),
      iv('2027-01-01T14:00Z', '2027-01-01T15:00Z'),
    ]);
    expect(merged.map(iso)).toEqual([
      ['2027-01-01T09:00:00.000Z', '2027-01-01T12:00:00.000Z'],
      ['2027-01-01T14:00:00.000Z', '2027-01-01T15:00:00.000Z'],
    ]);
  });

  it('subtracts busy time, padded by a buffer', () => {
    const free = subtractIntervals(
      [iv('2027-01-01T09:00Z', '2027-01-01T17:00Z')],
      padIntervals(
        [iv('2027-01-01T10:00Z', '2027-01-01T11:00Z'), iv('2027-01-01T16:30Z', '2027-01-01T18:00Z')],
        15 * 60_000,
      ),
    );
    expect(free.map(iso)).toEqual([
      ['2027-01-01T09:00:00.000Z', '2027-01-01T09:45:00.000Z'],
      ['2027-01-01T11:15:00.000Z', '2027-01-01T16:15:00.000Z'],
    ]);
  });

  it('keeps working hours on the local clock across a DST change', () => {
    const hours = { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00' };
    const days = workingIntervals(hours, 'America/New_York', t('2027-03-13T00:00Z'), t('2027-03-16T00:00Z'));
    expect(days.map(iso)).toEqual([
      ['2027-03-13T14:00:00.000Z', '2027-03-13T22:00:00.000Z'], // EST
      ['2027-03-14T13:00:00.000Z', '2027-03-14T21:00:00.000Z'], // EDT from that Sunday
      ['2027-03-15T13:00:00.000Z', '2027-03-15T21:00:00.000Z'],
    ]);
    const weekdays = workingIntervals(
      { ...hours, days: [1, 2, 3, 4, 5] },
      'Europe/Berlin',
      t('2027-06-05T00:00Z'),
      t('2027-06-08T00:00Z'),
    );
    expect(weekdays.map(iso)).toEqual([['2027-06-07T07:00:00.000Z', '2027-06-07T15:00:00.000Z']]); // Monday only
  });

  it('puts slot starts on the local grid, also in a +05:45 zone, and stops at max', () => {
    const free = [iv('2027-01-04T03:20Z', '2027-01-04T05:00Z')]; // 09:05–10:45 in Kathmandu
    const starts = slotStarts(free, 30 * 60_000, 30 * 60_000, 'Asia/Kathmandu', 10).map((s) =>
      new Date(s).toISOString(),
    );
    expect(starts).toEqual(['2027-01-04T03:45:00.000Z', '2027-01-04T04:15:00.000Z']); // 09:30, 10:00 local
    expect(
      slotStarts([iv('2027-01-04T09:00Z', '2027-01-04T17:00Z')], 30 * 60_000, 15 * 60_000, 'UTC', 3),
    ).toHaveLength(3);
  });
});
