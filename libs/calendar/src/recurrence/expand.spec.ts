import { formatInZone } from '../time/zone';
import {
  countOccurrencesBefore,
  expandOccurrences,
  findOccurrence,
  firstOccurrenceStart,
  firstVisibleOccurrenceStart,
  generatedStartsBetween,
  isOccurrenceStart,
  validateSeries,
} from './expand';
import { RecurrenceError } from './rrule';
import type { CalendarSeries, Occurrence } from './types';

type Fields = { title: string; location?: string };

const d = (s: string) => new Date(s);
const HOUR = 3_600_000;

function timed(
  partial: Partial<CalendarSeries<Fields>> & Pick<CalendarSeries<Fields>, 'start' | 'end' | 'timeZone'>,
) {
  return { id: 's1', fields: { title: 'Standup' }, ...partial } as CalendarSeries<Fields>;
}

function starts(occurrences: Occurrence<Fields>[]): string[] {
  return occurrences.map((o) => o.start.toISOString());
}

function expand(series: CalendarSeries<Fields>, from: string, to: string, limit?: number) {
  return expandOccurrences(series, { from: d(from), to: d(to) }, limit === undefined ? {} : { limit });
}

describe('expandOccurrences: single events', () => {
  const meeting = timed({
    start: d('2026-06-10T12:30:00Z'),
    end: d('2026-06-10T13:30:00Z'),
    timeZone: 'Europe/Berlin',
  });

  it('returns the event when it overlaps the window, with original start = start', () => {
    const { occurrences, truncated } = expand(meeting, '2026-06-10T13:00:00Z', '2026-06-11T00:00:00Z');
    expect(truncated).toBe(false);
    expect(occurrences).toEqual([
      {
        seriesId: 's1',
        originalStart: d('2026-06-10T12:30:00Z'),
        start: d('2026-06-10T12:30:00Z'),
        end: d('2026-06-10T13:30:00Z'),
        allDay: false,
        overridden: false,
        fields: { title: 'Standup' },
      },
    ]);
  });

  it('uses half-open overlap: touching the window edges is not overlapping', () => {
    expect(expand(meeting, '2026-06-10T13:30:00Z', '2026-06-11T00:00:00Z').occurrences).toEqual([]);
    expect(expand(meeting, '2026-06-10T00:00:00Z', '2026-06-10T12:30:00Z').occurrences).toEqual([]);
    expect(expand(meeting, '2026-06-10T13:29:59Z', '2026-06-10T13:30:00Z').occurrences).toHaveLength(1);
  });

  it('includes a zero-length event starting at the window start', () => {
    const reminder = timed({
      start: d('2026-06-10T12:00:00Z'),
      end: d('2026-06-10T12:00:00Z'),
      timeZone: 'UTC',
    });
    expect(starts(expand(reminder, '2026-06-10T12:00:00Z', '2026-06-10T13:00:00Z').occurrences)).toEqual([
      '2026-06-10T12:00:00.000Z',
    ]);
    expect(expand(reminder, '2026-06-10T11:00:00Z', '2026-06-10T12:00:00Z').occurrences).toEqual([]);
  });

  it('returns an all-day single event with its dates', () => {
    const holiday: CalendarSeries<Fields> = {
      id: 'h',
      allDay: true,
      startDate: '2026-11-01',
      endDate: '2026-11-02',
      start: d('2026-11-01T04:00:00Z'),
      end: d('2026-11-02T05:00:00Z'),
      timeZone: 'America/New_York',
    };
    const [occurrence] = expand(holiday, '2026-10-01T00:00:00Z', '2026-12-01T00:00:00Z').occurrences;
    expect(occurrence).toMatchObject({
      allDay: true,
      startDate: '2026-11-01',
      endDate: '2026-11-02',
      start: d('2026-11-01T04:00:00Z'),
      end: d('2026-11-02T05:00:00Z'),
    });
    expect(occurrence.end.getTime() - occurrence.start.getTime()).toBe(25 * HOUR);
  });
});

describe('expandOccurrences: wall-clock recurrence across DST', () => {
  it('a weekly 09:00 Europe/Berlin meeting stays at 09:00 local across both 2026 DST changes', () => {
    // Monday 2026-03-02 09:00 CET = 08:00Z.
    const series = timed({
      start: d('2026-03-02T08:00:00Z'),
      end: d('2026-03-02T09:00:00Z'),
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO',
    });
    const spring = expand(series, '2026-03-16T00:00:00Z', '2026-04-07T00:00:00Z').occurrences;
    expect(starts(spring)).toEqual([
      '2026-03-16T08:00:00.000Z',
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z', // after 2026-03-29: CEST, UTC shifts by an hour
      '2026-04-06T07:00:00.000Z',
    ]);
    expect(spring.map((o) => formatInZone(o.start, 'Europe/Berlin'))).toEqual([
      '2026-03-16T09:00:00+01:00',
      '2026-03-23T09:00:00+01:00',
      '2026-03-30T09:00:00+02:00',
      '2026-04-06T09:00:00+02:00',
    ]);
    expect(spring.every((o) => o.end.getTime() - o.start.getTime() === HOUR)).toBe(true);
    const autumn = expand(series, '2026-10-19T00:00:00Z', '2026-11-03T00:00:00Z').occurrences;
    expect(starts(autumn)).toEqual([
      '2026-10-19T07:00:00.000Z',
      '2026-10-26T08:00:00.000Z', // after 2026-10-25: CET again
      '2026-11-02T08:00:00.000Z',
    ]);
    expect(autumn.map((o) => o.originalStart.toISOString())).toEqual(starts(autumn));
  });

  it('a weekly America/New_York meeting keeps its local time across 2026-03-08 and 2026-11-01', () => {
    const series = timed({
      start: d('2026-03-02T14:00:00Z'), // Monday 09:00 EST
      end: d('2026-03-02T14:30:00Z'),
      timeZone: 'America/New_York',
      recurrence: 'FREQ=WEEKLY',
    });
    expect(starts(expand(series, '2026-03-01T00:00:00Z', '2026-03-17T00:00:00Z').occurrences)).toEqual([
      '2026-03-02T14:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
      '2026-03-16T13:00:00.000Z',
    ]);
    expect(starts(expand(series, '2026-10-26T00:00:00Z', '2026-11-10T00:00:00Z').occurrences)).toEqual([
      '2026-10-26T13:00:00.000Z',
      '2026-11-02T14:00:00.000Z',
      '2026-11-09T14:00:00.000Z',
    ]);
  });

  it('a daily 02:30 event is shifted to 03:30 on the spring-forward day (New York)', () => {
    const series = timed({
      start: d('2026-03-06T07:30:00Z'), // 02:30 EST
      end: d('2026-03-06T08:00:00Z'),
      timeZone: 'America/New_York',
      recurrence: 'FREQ=DAILY',
    });
    const occurrences = expand(series, '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z').occurrences;
    expect(occurrences.map((o) => formatInZone(o.start, 'America/New_York'))).toEqual([
      '2026-03-07T02:30:00-05:00',
      '2026-03-08T03:30:00-04:00',
      '2026-03-09T02:30:00-04:00',
    ]);
    expect(starts(occurrences)).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  it('a daily 01:30 event takes the first 01:30 on the fall-back day (New York), lasting its absolute duration', () => {
    const series = timed({
      start: d('2026-10-30T05:30:00Z'), // 01:30 EDT
      end: d('2026-10-30T07:30:00Z'), // two hours
      timeZone: 'America/New_York',
      recurrence: 'FREQ=DAILY',
    });
    const occurrences = expand(series, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z').occurrences;
    expect(starts(occurrences)).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    expect(occurrences.map((o) => formatInZone(o.start, 'America/New_York'))).toEqual([
      '2026-10-31T01:30:00-04:00',
      '2026-11-01T01:30:00-04:00',
      '2026-11-02T01:30:00-05:00',
    ]);
    // End = start + 2 h absolute: on the fall-back day that is 02:30 EST, not 03:30.
    expect(formatInZone(occurrences[1].end, 'America/New_York')).toBe('2026-11-01T02:30:00-05:00');
    expect(occurrences.every((o) => o.end.getTime() - o.start.getTime() === 2 * HOUR)).toBe(true);
  });

  it('a daily 02:30 Europe/Berlin event across 2026-03-29 and 2026-10-25', () => {
    const series = timed({
      start: d('2026-03-27T01:30:00Z'), // 02:30 CET
      end: d('2026-03-27T02:00:00Z'),
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=DAILY',
    });
    expect(starts(expand(series, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z').occurrences)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist → 03:30 CEST
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(starts(expand(series, '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z').occurrences)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // ambiguous 02:30 → the CEST one
      '2026-10-26T01:30:00.000Z',
    ]);
  });
});

describe('expandOccurrences: all-day series', () => {
  const daily: CalendarSeries<Fields> = {
    id: 'ad',
    allDay: true,
    startDate: '2026-03-07',
    endDate: '2026-03-08',
    start: d('2026-03-07T05:00:00Z'),
    end: d('2026-03-08T05:00:00Z'),
    timeZone: 'America/New_York',
    recurrence: 'FREQ=DAILY',
    fields: { title: 'Focus day' },
  };

  it('occurs at local midnight of each date across spring-forward; the DST day lasts 23 hours', () => {
    const occurrences = expand(daily, '2026-03-07T00:00:00Z', '2026-03-10T12:00:00Z').occurrences;
    expect(
      occurrences.map((o) => [o.startDate, o.endDate, o.start.toISOString(), o.end.toISOString()]),
    ).toEqual([
      ['2026-03-07', '2026-03-08', '2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z'],
      ['2026-03-08', '2026-03-09', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
      ['2026-03-09', '2026-03-10', '2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z'],
      ['2026-03-10', '2026-03-11', '2026-03-10T04:00:00.000Z', '2026-03-11T04:00:00.000Z'],
    ]);
    expect(occurrences.map((o) => (o.end.getTime() - o.start.getTime()) / HOUR)).toEqual([24, 23, 24, 24]);
    expect(occurrences.every((o) => o.allDay && o.fields.title === 'Focus day')).toBe(true);
  });

  it('the fall-back day lasts 25 hours', () => {
    const [nov1] = expand(daily, '2026-11-01T12:00:00Z', '2026-11-01T13:00:00Z').occurrences;
    expect(nov1).toMatchObject({
      startDate: '2026-11-01',
      start: d('2026-11-01T04:00:00Z'),
      end: d('2026-11-02T05:00:00Z'),
    });
  });

  it('a weekly two-day all-day event keeps its dates and spans two calendar days', () => {
    const weekend: CalendarSeries<Fields> = {
      id: 'we',
      allDay: true,
      startDate: '2026-10-24',
      endDate: '2026-10-26',
      start: d('2026-10-23T22:00:00Z'),
      end: d('2026-10-25T23:00:00Z'),
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;COUNT=3',
    };
    const occurrences = expand(weekend, '2026-10-01T00:00:00Z', '2026-12-01T00:00:00Z').occurrences;
    expect(occurrences.map((o) => `${o.startDate}/${o.endDate}`)).toEqual([
      '2026-10-24/2026-10-26',
      '2026-10-31/2026-11-02',
      '2026-11-07/2026-11-09',
    ]);
    expect((occurrences[0].end.getTime() - occurrences[0].start.getTime()) / HOUR).toBe(49);
    expect((occurrences[1].end.getTime() - occurrences[1].start.getTime()) / HOUR).toBe(48);
  });

  it('includes an all-day occurrence that only overlaps the window by its last hours', () => {
    expect(
      expand(daily, '2026-03-09T03:00:00Z', '2026-03-09T04:00:00Z').occurrences.map((o) => o.startDate),
    ).toEqual(['2026-03-08']);
  });
});

describe('expandOccurrences: rule parts', () => {
  const berlin = (start: string, recurrence: string, minutes = 60) =>
    timed({
      start: d(start),
      end: new Date(d(start).getTime() + minutes * 60_000),
      timeZone: 'Europe/Berlin',
      recurrence,
    });

  it('COUNT limits the total number of occurrences', () => {
    const series = berlin('2026-01-05T08:00:00Z', 'FREQ=DAILY;COUNT=5');
    expect(starts(expand(series, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z').occurrences)).toEqual([
      '2026-01-05T08:00:00.000Z',
      '2026-01-06T08:00:00.000Z',
      '2026-01-07T08:00:00.000Z',
      '2026-01-08T08:00:00.000Z',
      '2026-01-09T08:00:00.000Z',
    ]);
    expect(expand(series, '2026-01-07T12:00:00Z', '2026-02-01T00:00:00Z').occurrences).toHaveLength(2);
  });

  it('a UTC UNTIL is inclusive and compared with real instants', () => {
    const inclusive = berlin('2026-01-01T08:00:00Z', 'FREQ=DAILY;UNTIL=20260104T080000Z');
    expect(starts(expand(inclusive, '2026-01-01T00:00:00Z', '2026-01-10T00:00:00Z').occurrences)).toEqual([
      '2026-01-01T08:00:00.000Z',
      '2026-01-02T08:00:00.000Z',
      '2026-01-03T08:00:00.000Z',
      '2026-01-04T08:00:00.000Z',
    ]);
    const before = berlin('2026-01-01T08:00:00Z', 'FREQ=DAILY;UNTIL=20260104T075959Z');
    expect(expand(before, '2026-01-01T00:00:00Z', '2026-01-10T00:00:00Z').occurrences).toHaveLength(3);
  });

  it('a date-only UNTIL includes the whole local day in the event zone', () => {
    // 23:30 New York is 04:30Z the next UTC day; UNTIL=20260105 still includes the 5th local.
    const late = timed({
      start: d('2026-01-03T04:30:00Z'), // 2026-01-02 23:30 EST
      end: d('2026-01-03T05:00:00Z'),
      timeZone: 'America/New_York',
      recurrence: 'FREQ=DAILY;UNTIL=20260105',
    });
    const occurrences = expand(late, '2026-01-01T00:00:00Z', '2026-01-10T00:00:00Z').occurrences;
    expect(occurrences.map((o) => formatInZone(o.start, 'America/New_York'))).toEqual([
      '2026-01-02T23:30:00-05:00',
      '2026-01-03T23:30:00-05:00',
      '2026-01-04T23:30:00-05:00',
      '2026-01-05T23:30:00-05:00',
    ]);
  });

  it('BYDAY with several weekdays', () => {
    const series = berlin('2026-06-01T07:00:00Z', 'FREQ=WEEKLY;BYDAY=MO,WE,FR');
    expect(starts(expand(series, '2026-06-01T00:00:00Z', '2026-06-09T00:00:00Z').occurrences)).toEqual([
      '2026-06-01T07:00:00.000Z',
      '2026-06-03T07:00:00.000Z',
      '2026-06-05T07:00:00.000Z',
      '2026-06-08T07:00:00.000Z',
    ]);
  });

  it('BYDAY with an ordinal: the second Tuesday of each month', () => {
    const series = berlin('2026-01-13T09:00:00Z', 'FREQ=MONTHLY;BYDAY=2TU');
    expect(starts(expand(series, '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z').occurrences)).toEqual([
      '2026-01-13T09:00:00.000Z',
      '2026-02-10T09:00:00.000Z',
      '2026-03-10T09:00:00.000Z',
      '2026-04-14T08:00:00.000Z', // CEST
    ]);
  });

  it('BYMONTHDAY with several days, including the last day of the month (-1)', () => {
    const series = berlin('2026-01-01T11:00:00Z', 'FREQ=MONTHLY;BYMONTHDAY=1,15,-1');
    expect(
      expand(series, '2026-01-01T00:00:00Z', '2026-03-02T00:00:00Z').occurrences.map((o) =>
        formatInZone(o.start, 'Europe/Berlin'),
      ),
    ).toEqual([
      '2026-01-01T12:00:00+01:00',
      '2026-01-15T12:00:00+01:00',
      '2026-01-31T12:00:00+01:00',
      '2026-02-01T12:00:00+01:00',
      '2026-02-15T12:00:00+01:00',
      '2026-02-28T12:00:00+01:00',
      '2026-03-01T12:00:00+01:00',
    ]);
  });

  it('BYSETPOS=-1 over weekdays: the last working day of each month', () => {
    const series = berlin('2026-01-30T16:00:00Z', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1');
    expect(
      expand(series, '2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z').occurrences.map((o) =>
        formatInZone(o.start, 'Europe/Berlin'),
      ),
    ).toEqual([
      '2026-01-30T17:00:00+01:00', // Friday
      '2026-02-27T17:00:00+01:00', // Friday
      '2026-03-31T17:00:00+02:00', // Tuesday, CEST
      '2026-04-30T17:00:00+02:00', // Thursday
      '2026-05-29T17:00:00+02:00', // Friday (31st is a Sunday)
    ]);
  });

  it('a yearly event on Feb 29 occurs only in leap years (2028, 2032)', () => {
    const series = berlin('2024-02-29T09:00:00Z', 'FREQ=YEARLY');
    expect(starts(expand(series, '2025-01-01T00:00:00Z', '2034-01-01T00:00:00Z').occurrences)).toEqual([
      '2028-02-29T09:00:00.000Z',
      '2032-02-29T09:00:00.000Z',
    ]);
  });

  it('a monthly event on the 31st skips months without a 31st (RFC 5545)', () => {
    const series = berlin('2026-01-31T09:00:00Z', 'FREQ=MONTHLY');
    expect(
      expand(series, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z').occurrences.map((o) =>
        o.start.toISOString().slice(0, 10),
      ),
    ).toEqual([
      '2026-01-31',
      '2026-03-31',
      '2026-05-31',
      '2026-07-31',
      '2026-08-31',
      '2026-10-31',
      '2026-12-31',
    ]);
  });

  it('BYHOUR produces several occurrences a day, each on local wall-clock time', () => {
    const series = berlin('2026-03-28T08:00:00Z', 'FREQ=DAILY;BYHOUR=9,17;COUNT=4', 30);
    expect(
      expand(series, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z').occurrences.map((o) =>
        formatInZone(o.start, 'Europe/Berlin'),
      ),
    ).toEqual([
      '2026-03-28T09:00:00+01:00',
      '2026-03-28T17:00:00+01:00',
      '2026-03-29T09:00:00+02:00',
      '2026-03-29T17:00:00+02:00',
    ]);
  });
});

describe('expandOccurrences: EXDATE and overrides', () => {
  // Weekly Monday 10:00 Europe/Berlin from 2026-06-01 (08:00Z).
  const base = () =>
    timed({
      start: d('2026-06-01T08:00:00Z'),
      end: d('2026-06-01T09:00:00Z'),
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO',
    });

  it('EXDATE removes the occurrence with that original start', () => {
    const series = { ...base(), exdates: [d('2026-06-15T08:00:00Z')] };
    expect(starts(expand(series, '2026-06-01T00:00:00Z', '2026-06-30T00:00:00Z').occurrences)).toEqual([
      '2026-06-01T08:00:00.000Z',
      '2026-06-08T08:00:00.000Z',
      '2026-06-22T08:00:00.000Z',
      '2026-06-29T08:00:00.000Z',
    ]);
  });

  it('an EXDATE that is not an occurrence start removes nothing', () => {
    const series = { ...base(), exdates: [d('2026-06-15T08:30:00Z')] };
    expect(expand(series, '2026-06-01T00:00:00Z', '2026-06-30T00:00:00Z').occurrences).toHaveLength(5);
  });

  it('applies an override in place: new time, merged fields, overridden flag', () => {
    const series = {
      ...base(),
      overrides: [
        {
          originalStart: d('2026-06-08T08:00:00Z'),
          start: d('2026-06-08T12:00:00Z'),
          end: d('2026-06-08T12:30:00Z'),
          fields: { location: 'Room 4' },
        },
      ],
    };
    const occurrences = expand(series, '2026-06-07T00:00:00Z', '2026-06-16T00:00:00Z').occurrences;
    expect(occurrences).toEqual([
      {
        seriesId: 's1',
        originalStart: d('2026-06-08T08:00:00Z'),
        start: d('2026-06-08T12:00:00Z'),
        end: d('2026-06-08T12:30:00Z'),
        allDay: false,
        overridden: true,
        fields: { title: 'Standup', location: 'Room 4' },
      },
      {
        seriesId: 's1',
        originalStart: d('2026-06-15T08:00:00Z'),
        start: d('2026-06-15T08:00:00Z'),
        end: d('2026-06-15T09:00:00Z'),
        allDay: false,
        overridden: false,
        fields: { title: 'Standup' },
      },
    ]);
  });

  it('a moved occurrence appears where it moved to, even when its original start is outside the window', () => {
    // The 2026-06-29 occurrence is moved back to 2026-06-10 (a Wednesday).
    const series = {
      ...base(),
      overrides: [
        {
          originalStart: d('2026-06-29T08:00:00Z'),
          start: d('2026-06-10T14:00:00Z'),
          end: d('2026-06-10T15:00:00Z'),
        },
      ],
    };
    const occurrences = expand(series, '2026-06-09T00:00:00Z', '2026-06-12T00:00:00Z').occurrences;
    expect(occurrences).toHaveLength(1);
    expect(occurrences[0]).toMatchObject({
      originalStart: d('2026-06-29T08:00:00Z'),
      start: d('2026-06-10T14:00:00Z'),
      overridden: true,
    });
  });

  it('a moved occurrence disappears from a window that only contains its original time', () => {
    const series = {
      ...base(),
      overrides: [{ originalStart: d('2026-06-08T08:00:00Z'), start: d('2026-07-20T08:00:00Z') }],
    };
    expect(expand(series, '2026-06-08T00:00:00Z', '2026-06-09T00:00:00Z').occurrences).toEqual([]);
    const moved = expand(series, '2026-07-20T00:00:00Z', '2026-07-21T00:00:00Z').occurrences;
    // 07-20 is also a regular Monday: both the moved one and the regular one appear, sorted by original start.
    expect(
      moved.map((o) => [o.originalStart.toISOString(), o.start.toISOString(), o.end.toISOString()]),
    ).toEqual([
      ['2026-06-08T08:00:00.000Z', '2026-07-20T08:00:00.000Z', '2026-07-20T09:00:00.000Z'],
      ['2026-07-20T08:00:00.000Z', '2026-07-20T08:00:00.000Z', '2026-07-20T09:00:00.000Z'],
    ]);
  });

  it('cancelled overrides disappear, EXDATE wins over an override, orphan overrides are ignored', () => {
    const series = {
      ...base(),
      exdates: [d('2026-06-15T08:00:00Z')],
      overrides: [
        { originalStart: d('2026-06-08T08:00:00Z'), cancelled: true },
        { originalStart: d('2026-06-15T08:00:00Z'), start: d('2026-06-16T08:00:00Z') },
        // Not an occurrence of the rule (Tuesday): ignored even though its timing is in the window.
        { originalStart: d('2026-06-09T08:00:00Z'), start: d('2026-06-10T08:00:00Z') },
      ],
    };
    expect(starts(expand(series, '2026-06-01T00:00:00Z', '2026-06-23T00:00:00Z').occurrences)).toEqual([
      '2026-06-01T08:00:00.000Z',
      '2026-06-22T08:00:00.000Z',
    ]);
  });

  it('an override can turn one occurrence of a timed series into an all-day one', () => {
    const series = {
      ...base(),
      overrides: [
        {
          originalStart: d('2026-06-08T08:00:00Z'),
          allDay: true,
          startDate: '2026-06-08',
          endDate: '2026-06-09',
        },
      ],
    };
    const [occurrence] = expand(series, '2026-06-08T00:00:00Z', '2026-06-08T01:00:00Z').occurrences;
    expect(occurrence).toMatchObject({
      allDay: true,
      startDate: '2026-06-08',
      endDate: '2026-06-09',
      start: d('2026-06-07T22:00:00Z'),
      end: d('2026-06-08T22:00:00Z'),
    });
  });
});

describe('expandOccurrences: long windows, high frequency, limits', () => {
  it('expands a daily series over a 366-day window without truncation', () => {
    const series = timed({
      start: d('2020-01-01T07:00:00Z'),
      end: d('2020-01-01T07:15:00Z'),
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=DAILY',
    });
    const { occurrences, truncated } = expand(series, '2028-01-01T00:00:00Z', '2029-01-01T00:00:00Z');
    expect(truncated).toBe(false);
    expect(occurrences).toHaveLength(366); // 2028 is a leap year
    expect(occurrences[0].start.toISOString()).toBe('2028-01-01T07:00:00.000Z');
    expect(occurrences[365].start.toISOString()).toBe('2028-12-31T07:00:00.000Z');
    expect(occurrences.every((o) => formatInZone(o.start, 'Europe/Berlin').slice(11, 16) === '08:00')).toBe(
      true,
    );
  });

  it('does not iterate from a distant series start (100-year-old daily series, 10 windows)', () => {
    const series = timed({
      start: d('1926-01-01T08:00:00Z'),
      end: d('1926-01-01T08:30:00Z'),
      timeZone: 'UTC',
      recurrence: 'FREQ=DAILY',
    });
    const began = Date.now();
    for (let i = 0; i < 10; i += 1) {
      const { occurrences } = expand(series, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
      expect(occurrences).toHaveLength(365);
    }
    // Iterating 36,500 days per call would take seconds for 10 calls; fast-forwarding takes milliseconds.
    expect(Date.now() - began).toBeLessThan(1500);
  });

  it('respects the limit and flags truncation', () => {
    const series = timed({
      start: d('2026-01-01T09:00:00Z'),
      end: d('2026-01-01T09:30:00Z'),
      timeZone: 'UTC',
      recurrence: 'FREQ=DAILY',
    });
    const { occurrences, truncated } = expand(series, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', 10);
    expect(truncated).toBe(true);
    expect(starts(occurrences)).toHaveLength(10);
    expect(occurrences[9].start.toISOString()).toBe('2026-01-10T09:00:00.000Z');
    expect(expand(series, '2026-01-01T00:00:00Z', '2026-01-11T00:00:00Z', 10).truncated).toBe(false);
  });

  it('caps a very high-frequency series at 5000 occurrences per call', () => {
    const series = timed({
      start: d('2026-01-01T00:00:00Z'),
      end: d('2026-01-01T00:10:00Z'),
      timeZone: 'UTC',
      recurrence:
        'FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,30',
    });
    const { occurrences, truncated } = expand(
      series,
      '2026-01-01T00:00:00Z',
      '2027-01-01T00:00:00Z',
      1_000_000,
    );
    expect(truncated).toBe(true);
    expect(occurrences).toHaveLength(5000);
    // 48 a day: the 5000th is on day 105 (2026-04-15) at 03:30.
    expect(occurrences[4999].start.toISOString()).toBe('2026-04-15T03:30:00.000Z');
  });

  it('counts only visible occurrences towards the limit', () => {
    const series = timed({
      start: d('2026-01-01T09:00:00Z'),
      end: d('2026-01-01T09:30:00Z'),
      timeZone: 'UTC',
      recurrence: 'FREQ=DAILY',
      exdates: [d('2026-01-02T09:00:00Z'), d('2026-01-03T09:00:00Z')],
    });
    const { occurrences, truncated } = expand(series, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', 3);
    expect(truncated).toBe(true);
    expect(starts(occurrences)).toEqual([
      '2026-01-01T09:00:00.000Z',
      '2026-01-04T09:00:00.000Z',
      '2026-01-05T09:00:00.000Z',
    ]);
  });

  it('rejects bad windows and limits', () => {
    const series = timed({
      start: d('2026-01-01T09:00:00Z'),
      end: d('2026-01-01T10:00:00Z'),
      timeZone: 'UTC',
    });
    expect(() => expand(series, '2026-02-01T00:00:00Z', '2026-01-01T00:00:00Z')).toThrow(RangeError);
    expect(() => expand(series, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', 0)).toThrow(RangeError);
  });
});

describe('series validation and lookups', () => {
  it('rejects invalid series shapes with RecurrenceError', () => {
    const ok = { start: d('2026-01-01T09:00:00Z'), end: d('2026-01-01T10:00:00Z') };
    expect(() =>
      expand(timed({ ...ok, timeZone: 'Mars/Base' }), '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'),
    ).toThrow('recurrence: timeZone "Mars/Base" is not a valid IANA time zone');
    expect(() =>
      expand(
        timed({ start: ok.end, end: ok.start, timeZone: 'UTC' }),
        '2026-01-01T00:00:00Z',
        '2026-01-02T00:00:00Z',
      ),
    ).toThrow('recurrence: event end must not be before its start');
    expect(() =>
      expand(
        timed({ ...ok, timeZone: 'UTC', recurrence: 'FREQ=DAILY;BYDAY=XX' }),
        '2026-01-01T00:00:00Z',
        '2026-01-02T00:00:00Z',
      ),
    ).toThrow('recurrence: BYDAY "XX" is not a weekday');
    expect(() =>
      expand(
        timed({ ...ok, timeZone: 'UTC', allDay: true, startDate: '2026-01-01', endDate: '2026-01-01' }),
        '2026-01-01T00:00:00Z',
        '2026-01-02T00:00:00Z',
      ),
    ).toThrow('recurrence: endDate 2026-01-01 must be after startDate 2026-01-01 (end is exclusive)');
    expect(() =>
      expand(
        timed({
          ...ok,
          timeZone: 'UTC',
          allDay: true,
          startDate: '2026-01-01',
          endDate: '2026-01-02',
          recurrence: 'FREQ=DAILY;BYHOUR=9',
        }),
        '2026-01-01T00:00:00Z',
        '2026-01-02T00:00:00Z',
      ),
    ).toThrow(RecurrenceError);
  });

  it('validateSeries requires the start to be the first occurrence of the rule', () => {
    // 2026-06-02 is a Tuesday; the rule only produces Mondays and Wednesdays.
    const unsynced = timed({
      start: d('2026-06-02T08:00:00Z'),
      end: d('2026-06-02T09:00:00Z'),
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE',
    });
    expect(() => validateSeries(unsynced)).toThrow(
      'recurrence: the event start is not an occurrence of the rule "FREQ=WEEKLY;BYDAY=MO,WE" (first occurrence would be 2026-06-03T08:00:00.000Z)',
    );
    expect(firstOccurrenceStart(unsynced)).toEqual(d('2026-06-03T08:00:00Z'));
    expect(() =>
      validateSeries({ ...unsynced, start: d('2026-06-03T08:00:00Z'), end: d('2026-06-03T09:00:00Z') }),
    ).not.toThrow();
    // Valid syntax, but the series ends before it starts.
    expect(() =>
      validateSeries({ ...unsynced, recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260101T000000Z' }),
    ).toThrow(
      'recurrence: the rule "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260101T000000Z" produces no occurrences',
    );
  });

  it('validateSeries checks that all-day start/end are the local midnights of the dates', () => {
    const allDay: CalendarSeries<Fields> = {
      id: 'a',
      allDay: true,
      startDate: '2026-06-01',
      endDate: '2026-06-02',
      start: d('2026-05-31T22:00:00Z'),
      end: d('2026-06-01T22:00:00Z'),
      timeZone: 'Europe/Berlin',
    };
    expect(() => validateSeries(allDay)).not.toThrow();
    expect(() => validateSeries({ ...allDay, start: d('2026-06-01T00:00:00Z') })).toThrow(
      'recurrence: all-day start/end must be the local midnights of 2026-06-01 and 2026-06-02 in Europe/Berlin',
    );
  });

  it('isOccurrenceStart, findOccurrence, countOccurrencesBefore, firstVisibleOccurrenceStart', () => {
    const series = timed({
      start: d('2026-06-01T08:00:00Z'),
      end: d('2026-06-01T09:00:00Z'),
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=6',
      exdates: [d('2026-06-01T08:00:00Z')],
      overrides: [{ originalStart: d('2026-06-08T08:00:00Z'), fields: { title: 'Special' } }],
    });
    expect(isOccurrenceStart(series, d('2026-06-15T08:00:00Z'))).toBe(true);
    expect(isOccurrenceStart(series, d('2026-06-15T08:00:01Z'))).toBe(false);
    expect(isOccurrenceStart(series, d('2026-07-13T08:00:00Z'))).toBe(false); // 7th: beyond COUNT
    expect(findOccurrence(series, d('2026-06-01T08:00:00Z'))).toBeNull(); // exdated
    expect(findOccurrence(series, d('2026-06-08T08:00:00Z'))).toMatchObject({
      overridden: true,
      fields: { title: 'Special' },
      start: d('2026-06-08T08:00:00Z'),
    });
    expect(countOccurrencesBefore(series, d('2026-06-22T08:00:00Z'))).toBe(3);
    // Rule-generated starts, exdated ones included.
    expect(generatedStartsBetween(series, d('2026-06-01T00:00:00Z'), d('2026-06-15T08:00:00Z'))).toEqual([
      d('2026-06-01T08:00:00Z'),
      d('2026-06-08T08:00:00Z'),
      d('2026-06-15T08:00:00Z'),
    ]);
    expect(firstVisibleOccurrenceStart(series)).toEqual(d('2026-06-08T08:00:00Z'));
  });
});
