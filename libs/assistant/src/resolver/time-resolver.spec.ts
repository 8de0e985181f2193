import { ValidationError } from '@app/common';
import { TimeResolver } from './time-resolver';

const NY = 'America/New_York';
// Monday 2 March 2026, 09:00 in New York (EST, UTC-5); DST starts Sunday 8 March, ends Sunday 1 November.
const ctx = { now: new Date('2026-03-02T09:00:00-05:00'), timeZone: NY };

describe('TimeResolver', () => {
  const resolver = new TimeResolver();
  const resolve = (
    text: string,
    over: Partial<typeof ctx> & { workingHours?: { days: number[]; start: string; end: string } } = {},
  ) => resolver.resolve(text, { ...ctx, ...over });

  it('"tomorrow at 3": 15:00 by convention, ambiguous, with 03:00 as the alternative', () => {
    const r = resolve('tomorrow at 3');
    expect(r.kind).toBe('time');
    expect(r.candidates).toHaveLength(1);
    expect(r.candidates[0]).toMatchObject({
      start: '2026-03-03T20:00:00.000Z',
      startLocal: '2026-03-03T15:00:00-05:00',
      endLocal: '2026-03-03T16:00:00-05:00',
      allDay: false,
      in_past: false,
      outside_working_hours: false,
      in_dst_gap: false,
      in_dst_overlap: false,
    });
    expect(r.ambiguous).toBe(true);
    expect(r.alternatives).toHaveLength(1);
    expect(r.alternatives[0]).toMatchObject({
      reading: '03:00',
      startLocal: '2026-03-03T03:00:00-05:00',
      outside_working_hours: true,
    });
  });

  it('is not ambiguous with am/pm, a 24-hour time or a part of the day', () => {
    for (const text of [
      'tomorrow at 3pm',
      'tomorrow at 15:00',
      'tomorrow afternoon at 3',
      'tomorrow at noon',
    ]) {
      expect({ text, ambiguous: resolve(text).ambiguous }).toEqual({ text, ambiguous: false });
    }
    expect(resolve('tomorrow at 15:00').candidates[0].startLocal).toBe('2026-03-03T15:00:00-05:00');
  });

  it('"next week": Monday 00:00 to the next Monday, across the DST change', () => {
    const r = resolve('next week');
    expect(r.kind).toBe('span');
    expect(r.candidates).toEqual([
      expect.objectContaining({
        startLocal: '2026-03-09T00:00:00-04:00',
        endLocal: '2026-03-16T00:00:00-04:00',
        allDay: true,
      }),
    ]);
  });

  it('"tomorrow": the local day, midnight to midnight', () => {
    const r = resolve('tomorrow');
    expect(r.kind).toBe('day');
    expect(r.candidates[0]).toMatchObject({
      startLocal: '2026-03-03T00:00:00-05:00',
      endLocal: '2026-03-04T00:00:00-05:00',
      allDay: true,
      in_past: false,
    });
  });

  it('"the first Monday of every month": a monthly rule and its next occurrences (today included)', () => {
    const r = resolve('the first Monday of every month');
    expect(r.kind).toBe('recurring');
    expect(r.recurrence).toBe('FREQ=MONTHLY;BYDAY=1MO');
    expect(r.candidates.map((c) => c.startLocal.slice(0, 10))).toEqual([
      '2026-03-02',
      '2026-04-06',
      '2026-05-04',
      '2026-06-01',
      '2026-07-06',
    ]);
    expect(r.candidates.every((c) => c.allDay)).toBe(true);
  });

  it('"every weekday at 9:15am": timed occurrences from the next one ahead of now', () => {
    const r = resolve('every weekday at 9:15am');
    expect(r.recurrence).toBe('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
    expect(r.candidates.map((c) => c.startLocal)).toEqual([
      '2026-03-02T09:15:00-05:00',
      '2026-03-03T09:15:00-05:00',
      '2026-03-04T09:15:00-05:00',
      '2026-03-05T09:15:00-05:00',
      '2026-03-06T09:15:00-05:00',
    ]);
  });

  it('flags a wall-clock time in the spring-forward gap (and shifts it forward by the gap)', () => {
    const r = resolve('March 8 at 2:30am');
    expect(r.in_dst_gap).toBe(true);
    expect(r.candidates[0]).toMatchObject({
      in_dst_gap: true,
      start: '2026-03-08T07:30:00.000Z',
      startLocal: '2026-03-08T03:30:00-04:00',
    });
  });

  it('flags a wall-clock time that happens twice at fall-back (and takes the earlier one)', () => {
    const r = resolve('November 1 at 1:30am');
    expect(r.in_dst_overlap).toBe(true);
    expect(r.candidates[0]).toMatchObject({
      in_dst_overlap: true,
      start: '2026-11-01T05:30:00.000Z',
      startLocal: '2026-11-01T01:30:00-04:00',
    });
  });

  it('flags times in the past', () => {
    expect(resolve('today at 8am').in_past).toBe(true);
    expect(resolve('yesterday').in_past).toBe(true);
    expect(resolve('today').in_past).toBe(false);
    expect(resolve('today at 10am').in_past).toBe(false);
  });

  it("flags times outside the user's working hours", () => {
    expect(resolve('tomorrow at 10am').outside_working_hours).toBe(false);
    expect(resolve('tomorrow at 7pm').outside_working_hours).toBe(true);
    expect(resolve('tomorrow at 4:30pm').outside_working_hours).toBe(true); // ends 17:30
    expect(resolve('Saturday at 10am').outside_working_hours).toBe(true);
    expect(resolve('Saturday').outside_working_hours).toBe(true);
    const everyDay = { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00' };
    expect(resolve('Saturday at 10am', { workingHours: everyDay }).outside_working_hours).toBe(false);
    expect(resolve('tomorrow at 7pm', { workingHours: everyDay }).outside_working_hours).toBe(false);
  });

  it('"in 45 minutes": now plus the span, not ambiguous', () => {
    const r = resolve('in 45 minutes');
    expect(r.kind).toBe('time');
    expect(r.candidates[0].start).toBe('2026-03-02T14:45:00.000Z');
    expect(r.ambiguous).toBe(false);
  });

  it('a range sets the end, across midnight', () => {
    const r = resolve('tomorrow from 8pm to 1am');
    expect(r.candidates[0]).toMatchObject({
      startLocal: '2026-03-03T20:00:00-05:00',
      endLocal: '2026-03-04T01:00:00-05:00',
    });
  });

  it('reads local ISO date-times as written in the zone', () => {
    expect(resolve('2026-03-12T10:30').candidates[0].startLocal).toBe('2026-03-12T10:30:00-04:00');
    expect(resolve('2026-07-04').candidates[0]).toMatchObject({
      allDay: true,
      startLocal: '2026-07-04T00:00:00-04:00',
    });
  });

  it('answers kind "none" for a phrase without a time, and 400 for a bad zone', () => {
    const r = resolve('banana');
    expect(r).toMatchObject({ kind: 'none', candidates: [], ambiguous: false, unparsed: 'banana' });
    expect(() => resolve('tomorrow', { timeZone: 'Mars/Olympus' })).toThrow(ValidationError);
  });
});
