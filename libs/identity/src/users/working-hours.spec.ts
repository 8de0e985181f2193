import { DEFAULT_WORKING_HOURS, minutesOfDay, WorkingHoursSchema } from './working-hours';

const issues = (value: unknown) =>
  WorkingHoursSchema.safeParse(value).error?.issues.map((i) => ({
    path: i.path.join('.'),
    message: i.message,
  }));

describe('working hours', () => {
  it('defaults to Monday–Friday 09:00–17:00, which is itself valid', () => {
    expect(DEFAULT_WORKING_HOURS).toEqual({ days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' });
    expect(WorkingHoursSchema.parse(DEFAULT_WORKING_HOURS)).toEqual(DEFAULT_WORKING_HOURS);
  });

  it('accepts any weekdays 1–7 and sorts them', () => {
    expect(WorkingHoursSchema.parse({ days: [7, 1, 6], start: '00:00', end: '23:59' })).toEqual({
      days: [1, 6, 7],
      start: '00:00',
      end: '23:59',
    });
  });

  it('requires start before end, naming end', () => {
    expect(issues({ days: [1], start: '17:00', end: '09:00' })).toEqual([
      { path: 'end', message: 'must be later than start' },
    ]);
    expect(issues({ days: [1], start: '09:00', end: '09:00' })).toEqual([
      { path: 'end', message: 'must be later than start' },
    ]);
    expect(WorkingHoursSchema.safeParse({ days: [1], start: '09:00', end: '09:01' }).success).toBe(true);
  });

  it.each(['9:00', '24:00', '12:60', '12:5', '1200', '12:00:00', ' 12:00', ''])(
    'refuses the time %j, naming the field',
    (time) => {
      expect(issues({ days: [1], start: time, end: '23:00' })).toEqual([
        { path: 'start', message: 'must be a time HH:mm between 00:00 and 23:59' },
      ]);
      expect(issues({ days: [1], start: '00:00', end: time })?.map((i) => i.path)).toEqual(['end']);
    },
  );

  it.each([
    [[], 'days', 'must list at least one weekday'],
    [[0], 'days.0', 'must be an ISO weekday 1–7'],
    [[8], 'days.0', 'must be an ISO weekday 1–7'],
    [[1, 2.5], 'days.1', 'Invalid input: expected int, received number'],
    [[1, 1], 'days', 'must not repeat a weekday'],
  ])('refuses the days %j', (days, path, message) => {
    expect(issues({ days, start: '09:00', end: '17:00' })).toContainEqual({ path, message });
  });

  it('refuses missing and unknown fields', () => {
    expect(issues({ days: [1], start: '09:00' })?.map((i) => i.path)).toEqual(['end']);
    expect(issues({ ...DEFAULT_WORKING_HOURS, timeZone: 'UTC' })?.map((i) => i.message)).toEqual([
      'Unrecognized key: "timeZone"',
    ]);
  });

  it('counts minutes of the day', () => {
    expect(minutesOfDay('00:00')).toBe(0);
    expect(minutesOfDay('09:30')).toBe(570);
    expect(minutesOfDay('23:59')).toBe(1439);
  });
});
