import { RRule } from 'rrule';

import {
  bindRule,
  formatRecurrence,
  parseRecurrence,
  parseRecurrenceRule,
  RecurrenceError,
  withCount,
  withUntil,
} from './rrule';

describe('parseRecurrence', () => {
  it('normalises: prefix stripped, upper case, canonical order, default INTERVAL/WKST dropped, lists sorted', () => {
    expect(parseRecurrence('RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10')).toBe(
      'FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE',
    );
    expect(parseRecurrence('  rrule:byday=we,mo,we;freq=weekly;interval=1;wkst=mo  ')).toBe(
      'FREQ=WEEKLY;BYDAY=MO,WE',
    );
    expect(parseRecurrence('FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR,MO,TU,WE,TH;INTERVAL=2')).toBe(
      'FREQ=MONTHLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    );
    expect(parseRecurrence('FREQ=YEARLY;BYMONTHDAY=29;BYMONTH=2')).toBe(
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
    );
    expect(parseRecurrence('FREQ=MONTHLY;BYDAY=+1MO,-1FR')).toBe('FREQ=MONTHLY;BYDAY=1MO,-1FR');
    expect(parseRecurrence('FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=TU')).toBe(
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;WKST=SU',
    );
  });

  it('keeps the three UNTIL forms', () => {
    expect(parseRecurrence('FREQ=DAILY;UNTIL=20260630T070000Z')).toBe('FREQ=DAILY;UNTIL=20260630T070000Z');
    expect(parseRecurrence('FREQ=DAILY;UNTIL=20260630')).toBe('FREQ=DAILY;UNTIL=20260630');
    expect(parseRecurrence('FREQ=DAILY;UNTIL=20260630T090000')).toBe('FREQ=DAILY;UNTIL=20260630T090000');
    expect(parseRecurrenceRule('FREQ=DAILY;UNTIL=20260630T070000Z').until).toEqual({
      kind: 'instant',
      instant: new Date('2026-06-30T07:00:00Z'),
    });
    expect(parseRecurrenceRule('FREQ=DAILY;UNTIL=20260630').until).toEqual({
      kind: 'date',
      date: '2026-06-30',
    });
  });

  it.each([
    ['FREQ=WEEKLY;BYDAY=XX', 'recurrence: BYDAY "XX" is not a weekday'],
    ['FREQ=WEEKLY;BYDAY=MO,', 'recurrence: BYDAY "MO," has an empty item'],
    ['BYDAY=MO;COUNT=3', 'recurrence: FREQ is missing'],
    ['FREQ=FORTNIGHTLY', 'recurrence: FREQ "FORTNIGHTLY" is not a frequency'],
    ['FREQ=HOURLY', 'recurrence: FREQ=HOURLY is not supported (use DAILY, WEEKLY, MONTHLY or YEARLY)'],
    ['FREQ=DAILY;COUNT=5;UNTIL=20260630', 'recurrence: COUNT and UNTIL must not both be present'],
    ['FREQ=DAILY;COUNT=0', 'recurrence: COUNT "0" must be a positive integer'],
    ['FREQ=DAILY;COUNT=ten', 'recurrence: COUNT "TEN" is not a positive integer'],
    ['FREQ=DAILY;INTERVAL=-2', 'recurrence: INTERVAL "-2" is not a positive integer'],
    ['FREQ=DAILY;UNTIL=20260231', 'recurrence: UNTIL "20260231" is not a valid date or date-time'],
    [
      'FREQ=DAILY;UNTIL=tomorrow',
      'recurrence: UNTIL "TOMORROW" is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])',
    ],
    ['FREQ=MONTHLY;BYMONTHDAY=32', 'recurrence: BYMONTHDAY "32" is out of range (1..31 or -31..-1)'],
    ['FREQ=MONTHLY;BYMONTHDAY=0', 'recurrence: BYMONTHDAY "0" is out of range (1..31 or -31..-1)'],
    ['FREQ=YEARLY;BYMONTH=13', 'recurrence: BYMONTH "13" is out of range (1..12)'],
    ['FREQ=DAILY;BYHOUR=24', 'recurrence: BYHOUR "24" is out of range (0..23)'],
    ['FREQ=DAILY;FOO=BAR', 'recurrence: unknown part "FOO"'],
    ['FREQ=DAILY;BYEASTER=0', 'recurrence: unknown part "BYEASTER"'],
    ['FREQ=DAILY;FREQ=WEEKLY', 'recurrence: FREQ appears more than once'],
    ['FREQ=DAILY;;COUNT=2', 'recurrence: empty part in "FREQ=DAILY;;COUNT=2"'],
    ['FREQ=DAILY;COUNT', 'recurrence: part "COUNT" is not NAME=VALUE'],
    ['FREQ=DAILY;COUNT=', 'recurrence: COUNT has no value'],
    [
      'DTSTART:20260101T090000Z\nRRULE:FREQ=DAILY',
      'recurrence: the rule must be a single RRULE line (no DTSTART, EXDATE or RDATE lines)',
    ],
    [
      'DTSTART:20260101T090000Z',
      'recurrence: DTSTART is not allowed in the rule (the event start is the series start)',
    ],
    [
      'FREQ=DAILY;DTSTART=20260101T090000Z',
      'recurrence: DTSTART is not allowed in the rule (the event start and time zone are stored on the event)',
    ],
    [
      'FREQ=WEEKLY;BYDAY=1MO',
      'recurrence: BYDAY ordinals (e.g. "1MO") are only allowed with FREQ=MONTHLY or FREQ=YEARLY, not WEEKLY',
    ],
    ['FREQ=MONTHLY;BYDAY=6MO', 'recurrence: BYDAY ordinals must be within 1..5 or -5..-1 with FREQ=MONTHLY'],
    ['FREQ=YEARLY;BYDAY=0MO', 'recurrence: BYDAY "0MO" has an ordinal out of range (1..53 or -53..-1)'],
    ['FREQ=WEEKLY;BYMONTHDAY=1', 'recurrence: BYMONTHDAY is not allowed with FREQ=WEEKLY'],
    ['FREQ=MONTHLY;BYYEARDAY=100', 'recurrence: BYYEARDAY is only allowed with FREQ=YEARLY, not MONTHLY'],
    ['FREQ=MONTHLY;BYWEEKNO=10', 'recurrence: BYWEEKNO is only allowed with FREQ=YEARLY, not MONTHLY'],
    ['FREQ=MONTHLY;BYSETPOS=1', 'recurrence: BYSETPOS needs another BYxxx part to select from'],
    ['FREQ=WEEKLY;WKST=XX', 'recurrence: WKST "XX" is not a weekday'],
    ['RRULE:', 'recurrence: the rule is empty'],
    ['FREQ=YEARLY;BYMONTH=2,4;BYMONTHDAY=31', 'recurrence: BYMONTHDAY=31 never occurs in BYMONTH=2,4'],
  ])('rejects %j', (rule, message) => {
    let caught: unknown;
    try {
      parseRecurrence(rule);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RecurrenceError);
    expect((caught as Error).message).toBe(message);
  });
});

describe('parseRecurrenceRule cache', () => {
  it('parses a rule text once and shares the frozen result', () => {
    const text = 'FREQ=WEEKLY;BYDAY=TU,TH;COUNT=7';
    const first = parseRecurrenceRule(text);
    expect(parseRecurrenceRule(text)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(formatRecurrence(withCount(first, 3))).toBe('FREQ=WEEKLY;COUNT=3;BYDAY=TU,TH');
    expect(parseRecurrenceRule(text).count).toBe(7);
  });

  it('keeps rejecting an invalid rule on every call', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => parseRecurrenceRule('FREQ=WEEKLY;BYDAY=XX')).toThrow(
        'recurrence: BYDAY "XX" is not a weekday',
      );
    }
  });
});

describe('formatRecurrence / withUntil / withCount', () => {
  it('swaps COUNT and UNTIL', () => {
    const rule = parseRecurrenceRule('FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE');
    expect(
      formatRecurrence(withUntil(rule, { kind: 'instant', instant: new Date('2026-03-15T07:59:59Z') })),
    ).toBe('FREQ=WEEKLY;UNTIL=20260315T075959Z;BYDAY=MO,WE');
    expect(formatRecurrence(withUntil(rule, { kind: 'date', date: '2026-03-15' }))).toBe(
      'FREQ=WEEKLY;UNTIL=20260315;BYDAY=MO,WE',
    );
    const untilRule = parseRecurrenceRule('FREQ=DAILY;UNTIL=20260315');
    expect(formatRecurrence(withCount(untilRule, 4))).toBe('FREQ=DAILY;COUNT=4');
  });
});

describe('bindRule (floating iteration)', () => {
  const floating = (s: string) => Date.parse(`${s}Z`);
  const collect = (rule: string, dtstart: string, from: string, to: string, zone = 'UTC') => {
    const out: string[] = [];
    bindRule(parseRecurrenceRule(rule), floating(dtstart), zone).forEachBetween(
      floating(from),
      floating(to),
      (f) => {
        out.push(new Date(f).toISOString().slice(0, 19));
        return true;
      },
    );
    return out;
  };

  it('iterates wall-clock values in the window only', () => {
    expect(
      collect('FREQ=WEEKLY;BYDAY=MO,WE', '2026-01-05T09:00:00', '2026-06-01T00:00:00', '2026-06-11T00:00:00'),
    ).toEqual(['2026-06-01T09:00:00', '2026-06-03T09:00:00', '2026-06-08T09:00:00', '2026-06-10T09:00:00']);
  });

  it.each([
    ['FREQ=DAILY;INTERVAL=3', '2001-03-07T09:30:00'],
    ['FREQ=DAILY;INTERVAL=2;BYHOUR=9,17;BYMINUTE=15', '2003-05-05T09:15:00'],
    ['FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,FR', '2006-01-03T10:15:00'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO;WKST=SU', '2005-06-05T08:00:00'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,MO', '2005-06-05T08:00:00'],
    ['FREQ=MONTHLY;INTERVAL=5', '2001-01-31T08:00:00'],
    ['FREQ=MONTHLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', '2004-02-27T17:00:00'],
    ['FREQ=MONTHLY;INTERVAL=7;BYDAY=-1SU', '2002-03-31T11:00:00'],
    ['FREQ=YEARLY;INTERVAL=4', '2004-02-29T12:00:00'],
    ['FREQ=YEARLY;BYWEEKNO=1,52;BYDAY=MO', '2001-01-01T07:00:00'],
    ['FREQ=YEARLY;BYYEARDAY=-1,100', '2001-04-10T07:00:00'],
    ['FREQ=YEARLY;INTERVAL=3;BYMONTH=3,9;BYDAY=2WE', '2000-03-08T07:00:00'],
  ])('starting near the window gives what rrule gives from DTSTART: %s', (rule, dtstart) => {
    const from = '2026-01-01T00:00:00';
    const to = '2029-12-31T23:59:59';
    const expected = new RRule({ ...RRule.parseString(rule), dtstart: new Date(floating(dtstart)) })
      .between(new Date(floating(from)), new Date(floating(to)), true)
      .map((date) => date.toISOString().slice(0, 19));
    expect(expected.length).toBeGreaterThan(0);
    expect(collect(rule, dtstart, from, to)).toEqual(expected);
  });

  it('COUNT rules: same occurrences as rrule, including the last one, without iterating past it', () => {
    const rule = 'FREQ=WEEKLY;BYDAY=MO,TH;COUNT=300';
    const all = new RRule({ ...RRule.parseString(rule), dtstart: new Date(floating('2024-01-01T09:00:00')) })
      .all()
      .map((date) => date.toISOString().slice(0, 19));
    expect(all).toHaveLength(300);
    expect(collect(rule, '2024-01-01T09:00:00', '2026-01-01T00:00:00', '2040-01-01T00:00:00')).toEqual(
      all.filter((s) => s >= '2026-01-01T00:00:00'),
    );
    // 150 weeks of Monday + Thursday: the 300th is Thursday 2026-11-12.
    expect(all[299]).toBe('2026-11-12T09:00:00');
    expect(collect(rule, '2024-01-01T09:00:00', '2026-11-10T00:00:00', '2040-01-01T00:00:00')).toEqual([
      '2026-11-12T09:00:00',
    ]);
  });

  it('applies a date-only UNTIL to the whole local day', () => {
    expect(
      collect(
        'FREQ=DAILY;UNTIL=20260103',
        '2026-01-01T23:30:00',
        '2026-01-01T00:00:00',
        '2026-01-10T00:00:00',
      ),
    ).toEqual(['2026-01-01T23:30:00', '2026-01-02T23:30:00', '2026-01-03T23:30:00']);
  });

  it('exposes a UTC UNTIL as an instant for exact comparison', () => {
    const bound = bindRule(
      parseRecurrenceRule('FREQ=DAILY;UNTIL=20260103T080000Z'),
      floating('2026-01-01T09:00:00'),
      'Europe/Berlin',
    );
    expect(bound.untilInstant).toBe(Date.parse('2026-01-03T08:00:00Z'));
  });
});
