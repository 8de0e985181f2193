import { formatInZone } from '../time/zone';
import { planDelete, planUpdate, type EditPlan } from './edit';
import { expandOccurrences } from './expand';
import { RecurrenceError } from './rrule';
import type { CalendarSeries, Occurrence } from './types';

type Fields = { title: string; location?: string };

const d = (s: string) => new Date(s);
const WINDOW = { from: d('2026-01-01T00:00:00Z'), to: d('2027-01-01T00:00:00Z') };

/**
 * Weekly Monday + Wednesday 10:00 Europe/Berlin (08:00Z), 10 occurrences:
 * Jun 1, 3, 8, 10, 15, 17, 22, 24, 29, Jul 1 (2026).
 */
function weekly(extra: Partial<CalendarSeries<Fields>> = {}): CalendarSeries<Fields> {
  return {
    id: 's1',
    start: d('2026-06-01T08:00:00Z'),
    end: d('2026-06-01T09:00:00Z'),
    timeZone: 'Europe/Berlin',
    recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10',
    fields: { title: 'Sync' },
    ...extra,
  };
}

/** The same series with history: an exdate and an override on each side of 2026-06-15. */
function weeklyWithHistory(): CalendarSeries<Fields> {
  return weekly({
    exdates: [d('2026-06-03T08:00:00Z'), d('2026-06-22T08:00:00Z')],
    overrides: [
      { originalStart: d('2026-06-08T08:00:00Z'), fields: { title: 'Special' } },
      {
        originalStart: d('2026-06-24T08:00:00Z'),
        start: d('2026-06-25T08:00:00Z'),
        end: d('2026-06-25T09:00:00Z'),
      },
    ],
  });
}

/** Everything the stored series produce after applying a plan (the created series gets id `s2`). */
function afterPlan(plan: EditPlan<Fields>, window = WINDOW): Occurrence<Fields>[] {
  const all = [plan.series, plan.created ? { ...plan.created, id: 's2' } : null]
    .filter((s): s is CalendarSeries<Fields> => s !== null)
    .flatMap((s) => expandOccurrences(s, window).occurrences);
  return all.sort((a, b) => a.start.getTime() - b.start.getTime());
}

function expandAll(series: CalendarSeries<Fields>, window = WINDOW): Occurrence<Fields>[] {
  return expandOccurrences(series, window).occurrences;
}

/** Comparable view of occurrences: start, end, title (series id and RECURRENCE-ID may change in a split). */
function view(occurrences: Occurrence<Fields>[]): string[] {
  return occurrences.map((o) => `${o.start.toISOString()}|${o.end.toISOString()}|${o.fields.title}`);
}

function startsOf(occurrences: Occurrence<Fields>[]): string[] {
  return occurrences.map((o) => o.start.toISOString());
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('scope "this"', () => {
  it('update creates an override for the occurrence (moved time, changed title, duration kept)', () => {
    const plan = planUpdate({
      series: weekly(),
      scope: 'this',
      occurrenceStart: d('2026-06-10T08:00:00Z'),
      changes: { start: d('2026-06-10T12:00:00Z'), fields: { title: 'Moved' } },
    });
    expect(plan).toMatchObject({ scope: 'this', action: 'update', deleted: false, created: null });
    expect(plan.series?.overrides).toEqual([
      {
        originalStart: d('2026-06-10T08:00:00Z'),
        start: d('2026-06-10T12:00:00Z'),
        end: d('2026-06-10T13:00:00Z'),
        fields: { title: 'Moved' },
      },
    ]);
    expect(plan.series?.recurrence).toBe('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10');
    const occurrences = afterPlan(plan);
    expect(occurrences).toHaveLength(10);
    expect(occurrences.find((o) => o.overridden)).toMatchObject({
      originalStart: d('2026-06-10T08:00:00Z'),
      start: d('2026-06-10T12:00:00Z'),
      fields: { title: 'Moved' },
    });
  });

  it('update merges into an existing override instead of replacing its other changes', () => {
    const first = planUpdate({
      series: weekly(),
      scope: 'this',
      occurrenceStart: d('2026-06-10T08:00:00Z'),
      changes: { start: d('2026-06-10T12:00:00Z'), fields: { title: 'Moved' } },
    });
    const second = planUpdate({
      series: first.series as CalendarSeries<Fields>,
      scope: 'this',
      occurrenceStart: d('2026-06-10T08:00:00Z'),
      changes: { fields: { location: 'Room 1' } },
    });
    expect(second.series?.overrides).toEqual([
      {
        originalStart: d('2026-06-10T08:00:00Z'),
        start: d('2026-06-10T12:00:00Z'),
        end: d('2026-06-10T13:00:00Z'),
        fields: { title: 'Moved', location: 'Room 1' },
      },
    ]);
  });

  it('update on an all-day series moves the occurrence by dates', () => {
    const series: CalendarSeries<Fields> = {
      id: 'ad',
      allDay: true,
      startDate: '2026-03-05',
      endDate: '2026-03-06',
      start: d('2026-03-05T05:00:00Z'),
      end: d('2026-03-06T05:00:00Z'),
      timeZone: 'America/New_York',
      recurrence: 'FREQ=DAILY;COUNT=7',
    };
    const plan = planUpdate({
      series,
      scope: 'this',
      occurrenceStart: d('2026-03-08T05:00:00Z'),
      changes: { startDate: '2026-03-15' },
    });
    expect(plan.series?.overrides).toEqual([
      { originalStart: d('2026-03-08T05:00:00Z'), startDate: '2026-03-15', endDate: '2026-03-16' },
    ]);
    expect(afterPlan(plan).map((o) => o.startDate)).toEqual([
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-09',
      '2026-03-10',
      '2026-03-11',
      '2026-03-15',
    ]);
  });

  it('delete adds an EXDATE and drops the override of that occurrence (idempotently)', () => {
    const series = weekly({
      overrides: [{ originalStart: d('2026-06-10T08:00:00Z'), fields: { title: 'X' } }],
    });
    const plan = planDelete({ series, scope: 'this', occurrenceStart: d('2026-06-10T08:00:00Z') });
    expect(plan).toMatchObject({ scope: 'this', action: 'delete', deleted: false, created: null });
    expect(plan.series?.exdates).toEqual([d('2026-06-10T08:00:00Z')]);
    expect(plan.series?.overrides).toEqual([]);
    expect(startsOf(afterPlan(plan))).not.toContain('2026-06-10T08:00:00.000Z');
    expect(afterPlan(plan)).toHaveLength(9);
    const again = planDelete({
      series: plan.series as CalendarSeries<Fields>,
      scope: 'this',
      occurrenceStart: d('2026-06-10T08:00:00Z'),
    });
    expect(again.series?.exdates).toEqual([d('2026-06-10T08:00:00Z')]);
  });

  it('rejects edits that do not fit a single occurrence', () => {
    const occurrenceStart = d('2026-06-10T08:00:00Z');
    expect(
      errorOf(() =>
        planUpdate({
          series: weekly(),
          scope: 'this',
          occurrenceStart,
          changes: { recurrence: 'FREQ=DAILY' },
        }),
      ).message,
    ).toBe(
      'recurrence: the rule cannot be changed for a single occurrence (use scope "thisAndFollowing" or "all")',
    );
    expect(
      errorOf(() =>
        planUpdate({ series: weekly(), scope: 'this', occurrenceStart, changes: { timeZone: 'UTC' } }),
      ).message,
    ).toBe(
      'recurrence: the time zone cannot be changed for a single occurrence (use scope "thisAndFollowing" or "all")',
    );
    const deleted = weekly({ exdates: [occurrenceStart] });
    expect(
      errorOf(() =>
        planUpdate({ series: deleted, scope: 'this', occurrenceStart, changes: { fields: { title: 'x' } } }),
      ).message,
    ).toBe('recurrence: occurrence 2026-06-10T08:00:00.000Z was deleted');
    expect(
      errorOf(() =>
        planUpdate({
          series: weekly(),
          scope: 'this',
          occurrenceStart,
          changes: { end: d('2026-06-10T07:00:00Z') },
        }),
      ).message,
    ).toBe('recurrence: end must not be before start');
  });
});

describe('validation of the occurrence', () => {
  it('rejects a start that is not an occurrence of the series, for every scope', () => {
    for (const scope of ['this', 'thisAndFollowing', 'all'] as const) {
      const error = errorOf(() =>
        planUpdate({
          series: weekly(),
          scope,
          occurrenceStart: d('2026-06-09T08:00:00Z'),
          changes: { fields: { title: 'x' } },
        }),
      );
      expect(error).toBeInstanceOf(RecurrenceError);
      expect(error.message).toBe('recurrence: 2026-06-09T08:00:00.000Z is not an occurrence of series s1');
      expect(() =>
        planDelete({ series: weekly(), scope, occurrenceStart: d('2026-06-09T08:00:00Z') }),
      ).toThrow('is not an occurrence of series s1');
    }
    // The 11th Monday/Wednesday is beyond COUNT=10.
    expect(() =>
      planDelete({ series: weekly(), scope: 'this', occurrenceStart: d('2026-07-06T08:00:00Z') }),
    ).toThrow('recurrence: 2026-07-06T08:00:00.000Z is not an occurrence of series s1');
  });

  it('requires occurrenceStart for "this" and "thisAndFollowing"', () => {
    expect(() => planDelete({ series: weekly(), scope: 'this' })).toThrow(
      'recurrence: occurrenceStart is required for scope "this"',
    );
    expect(() => planUpdate({ series: weekly(), scope: 'thisAndFollowing', changes: {} })).toThrow(
      'recurrence: occurrenceStart is required for scope "thisAndFollowing"',
    );
  });
});

describe('scope "thisAndFollowing"', () => {
  it('update on a COUNT rule: old part ends with UNTIL, new part gets the remaining COUNT, total is unchanged', () => {
    const series = weeklyWithHistory();
    const S = d('2026-06-15T08:00:00Z'); // 5th occurrence
    const plan = planUpdate({
      series,
      scope: 'thisAndFollowing',
      occurrenceStart: S,
      changes: { start: d('2026-06-15T09:00:00Z'), fields: { title: 'Sync v2' } },
    });
    expect(plan.scope).toBe('thisAndFollowing');
    expect(plan.series).toEqual({
      ...series,
      recurrence: 'FREQ=WEEKLY;UNTIL=20260615T075959Z;BYDAY=MO,WE',
      exdates: [d('2026-06-03T08:00:00Z')],
      overrides: [{ originalStart: d('2026-06-08T08:00:00Z'), fields: { title: 'Special' } }],
    });
    expect(plan.created).toEqual({
      start: d('2026-06-15T09:00:00Z'),
      end: d('2026-06-15T10:00:00Z'),
      allDay: false,
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;COUNT=6;BYDAY=MO,WE',
      fields: { title: 'Sync v2' },
      // Exdates and overrides from S on follow their occurrences to the new time of day.
      exdates: [d('2026-06-22T09:00:00Z')],
      overrides: [
        {
          originalStart: d('2026-06-24T09:00:00Z'),
          start: d('2026-06-25T08:00:00Z'),
          end: d('2026-06-25T09:00:00Z'),
        },
      ],
    });
    expect(plan.dropped).toEqual({ overrides: [], exdates: [] });

    // Rule-generated occurrences: 4 before S + 6 from S = the original 10.
    const generatedOld = expandAll({
      ...(plan.series as CalendarSeries<Fields>),
      exdates: [],
      overrides: [],
    });
    const generatedNew = expandAll({
      ...(plan.created as CalendarSeries<Fields>),
      id: 's2',
      exdates: [],
      overrides: [],
    });
    expect(startsOf(generatedOld)).toEqual([
      '2026-06-01T08:00:00.000Z',
      '2026-06-03T08:00:00.000Z',
      '2026-06-08T08:00:00.000Z',
      '2026-06-10T08:00:00.000Z',
    ]);
    expect(startsOf(generatedNew)).toEqual([
      '2026-06-15T09:00:00.000Z',
      '2026-06-17T09:00:00.000Z',
      '2026-06-22T09:00:00.000Z',
      '2026-06-24T09:00:00.000Z',
      '2026-06-29T09:00:00.000Z',
      '2026-07-01T09:00:00.000Z',
    ]);

    // Visible result: the exdated 06-22 stays deleted, the moved 06-24 stays on 06-25 08:00Z.
    expect(view(afterPlan(plan))).toEqual([
      '2026-06-01T08:00:00.000Z|2026-06-01T09:00:00.000Z|Sync',
      '2026-06-08T08:00:00.000Z|2026-06-08T09:00:00.000Z|Special',
      '2026-06-10T08:00:00.000Z|2026-06-10T09:00:00.000Z|Sync',
      '2026-06-15T09:00:00.000Z|2026-06-15T10:00:00.000Z|Sync v2',
      '2026-06-17T09:00:00.000Z|2026-06-17T10:00:00.000Z|Sync v2',
      '2026-06-25T08:00:00.000Z|2026-06-25T09:00:00.000Z|Sync v2',
      '2026-06-29T09:00:00.000Z|2026-06-29T10:00:00.000Z|Sync v2',
      '2026-07-01T09:00:00.000Z|2026-07-01T10:00:00.000Z|Sync v2',
    ]);
  });

  it('update on an UNTIL rule: the following part keeps its last occurrence when moved later in the day', () => {
    // Daily 10:00 Berlin (08:00Z) until 2026-06-20 08:00Z inclusive: Jun 1..20.
    const series = weekly({ recurrence: 'FREQ=DAILY;UNTIL=20260620T080000Z' });
    const plan = planUpdate({
      series,
      scope: 'thisAndFollowing',
      occurrenceStart: d('2026-06-10T08:00:00Z'),
      changes: { start: d('2026-06-10T09:00:00Z') },
    });
    expect(plan.series?.recurrence).toBe('FREQ=DAILY;UNTIL=20260610T075959Z');
    // UNTIL moves with the time of day, so 2026-06-20 11:00 local is still included.
    expect(plan.created?.recurrence).toBe('FREQ=DAILY;UNTIL=20260620T090000Z');
    const occurrences = afterPlan(plan);
    expect(occurrences).toHaveLength(20);
    expect(startsOf(occurrences).slice(8, 10)).toEqual([
      '2026-06-09T08:00:00.000Z',
      '2026-06-10T09:00:00.000Z',
    ]);
    expect(occurrences[19].start.toISOString()).toBe('2026-06-20T09:00:00.000Z');
  });

  it('update on an all-day COUNT series splits on dates (UNTIL is the day before)', () => {
    const series: CalendarSeries<Fields> = {
      id: 'ad',
      allDay: true,
      startDate: '2026-03-05',
      endDate: '2026-03-06',
      start: d('2026-03-05T05:00:00Z'),
      end: d('2026-03-06T05:00:00Z'),
      timeZone: 'America/New_York',
      recurrence: 'FREQ=DAILY;COUNT=10',
      fields: { title: 'Trip' },
    };
    const plan = planUpdate({
      series,
      scope: 'thisAndFollowing',
      occurrenceStart: d('2026-03-09T04:00:00Z'), // local midnight of 2026-03-09 (EDT)
      changes: { fields: { title: 'Trip (extended)' } },
    });
    expect(plan.series?.recurrence).toBe('FREQ=DAILY;UNTIL=20260308');
    expect(plan.created).toMatchObject({
      allDay: true,
      startDate: '2026-03-09',
      endDate: '2026-03-10',
      start: d('2026-03-09T04:00:00Z'),
      end: d('2026-03-10T04:00:00Z'),
      recurrence: 'FREQ=DAILY;COUNT=6',
    });
    expect(afterPlan(plan).map((o) => `${o.startDate} ${o.fields.title}`)).toEqual([
      '2026-03-05 Trip',
      '2026-03-06 Trip',
      '2026-03-07 Trip',
      '2026-03-08 Trip',
      '2026-03-09 Trip (extended)',
      '2026-03-10 Trip (extended)',
      '2026-03-11 Trip (extended)',
      '2026-03-12 Trip (extended)',
      '2026-03-13 Trip (extended)',
      '2026-03-14 Trip (extended)',
    ]);
  });

  it('update with a new rule drops the following overrides/exdates that no longer match an occurrence', () => {
    const plan = planUpdate({
      series: weeklyWithHistory(),
      scope: 'thisAndFollowing',
      occurrenceStart: d('2026-06-15T08:00:00Z'),
      changes: { recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3' },
    });
    expect(plan.created?.recurrence).toBe('FREQ=WEEKLY;COUNT=3;BYDAY=MO');
    expect(plan.created?.exdates).toEqual([d('2026-06-22T08:00:00Z')]); // a Monday: kept
    expect(plan.dropped.overrides.map((o) => o.originalStart)).toEqual([d('2026-06-24T08:00:00Z')]); // a Wednesday
    expect(startsOf(afterPlan(plan))).toEqual([
      '2026-06-01T08:00:00.000Z',
      '2026-06-08T08:00:00.000Z',
      '2026-06-10T08:00:00.000Z',
      '2026-06-15T08:00:00.000Z',
      '2026-06-29T08:00:00.000Z', // 06-22 stays deleted
    ]);
  });

  it('update whose new start is not an occurrence of the rule is rejected', () => {
    expect(
      errorOf(() =>
        planUpdate({
          series: weekly(),
          scope: 'thisAndFollowing',
          occurrenceStart: d('2026-06-15T08:00:00Z'),
          changes: { start: d('2026-06-16T08:00:00Z') }, // Tuesday, rule says MO,WE
        }),
      ).message,
    ).toBe(
      'recurrence: the following series: the event start is not an occurrence of the rule "FREQ=WEEKLY;COUNT=6;BYDAY=MO,WE" (first occurrence would be 2026-06-17T08:00:00.000Z)',
    );
  });

  it('delete truncates the series before S; later overrides and exdates are dropped', () => {
    const series = weeklyWithHistory();
    const plan = planDelete({
      series,
      scope: 'thisAndFollowing',
      occurrenceStart: d('2026-06-15T08:00:00Z'),
    });
    expect(plan).toMatchObject({
      scope: 'thisAndFollowing',
      action: 'delete',
      deleted: false,
      created: null,
    });
    expect(plan.series?.recurrence).toBe('FREQ=WEEKLY;UNTIL=20260615T075959Z;BYDAY=MO,WE');
    expect(plan.series?.exdates).toEqual([d('2026-06-03T08:00:00Z')]);
    expect(plan.dropped.exdates).toEqual([d('2026-06-22T08:00:00Z')]);
    expect(plan.dropped.overrides.map((o) => o.originalStart)).toEqual([d('2026-06-24T08:00:00Z')]);
    expect(startsOf(afterPlan(plan))).toEqual([
      '2026-06-01T08:00:00.000Z',
      '2026-06-08T08:00:00.000Z',
      '2026-06-10T08:00:00.000Z',
    ]);
  });

  it('delete on an UNTIL rule keeps the earlier occurrences only', () => {
    const series = weekly({ recurrence: 'FREQ=DAILY;UNTIL=20260620T080000Z' });
    const plan = planDelete({
      series,
      scope: 'thisAndFollowing',
      occurrenceStart: d('2026-06-10T08:00:00Z'),
    });
    expect(plan.series?.recurrence).toBe('FREQ=DAILY;UNTIL=20260610T075959Z');
    const occurrences = afterPlan(plan);
    expect(occurrences).toHaveLength(9);
    expect(occurrences[8].start.toISOString()).toBe('2026-06-09T08:00:00.000Z');
  });

  it('at the first occurrence it is the same as "all" (update edits the series, delete removes it)', () => {
    const update = planUpdate({
      series: weekly(),
      scope: 'thisAndFollowing',
      occurrenceStart: d('2026-06-01T08:00:00Z'),
      changes: { fields: { title: 'Renamed' } },
    });
    expect(update).toMatchObject({ scope: 'all', created: null, deleted: false });
    expect(update.series).toMatchObject({
      id: 's1',
      recurrence: 'FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE',
      fields: { title: 'Renamed' },
    });
    const remove = planDelete({
      series: weekly(),
      scope: 'thisAndFollowing',
      occurrenceStart: d('2026-06-01T08:00:00Z'),
    });
    expect(remove).toMatchObject({
      scope: 'all',
      action: 'delete',
      series: null,
      deleted: true,
      created: null,
    });
  });

  it('is "all" when every earlier occurrence is deleted', () => {
    const series = weekly({ exdates: [d('2026-06-01T08:00:00Z')] });
    const remove = planDelete({
      series,
      scope: 'thisAndFollowing',
      occurrenceStart: d('2026-06-03T08:00:00Z'),
    });
    expect(remove).toMatchObject({ scope: 'all', deleted: true });
  });
});

describe('scope "all"', () => {
  it('changing the time of day through an occurrence moves the series and re-keys exdates/overrides', () => {
    const plan = planUpdate({
      series: weeklyWithHistory(),
      scope: 'all',
      occurrenceStart: d('2026-06-10T08:00:00Z'),
      changes: { start: d('2026-06-10T09:00:00Z') },
    });
    expect(plan).toMatchObject({ scope: 'all', action: 'update', created: null, deleted: false });
    expect(plan.series).toEqual({
      id: 's1',
      start: d('2026-06-01T09:00:00Z'),
      end: d('2026-06-01T10:00:00Z'),
      allDay: false,
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE',
      fields: { title: 'Sync' },
      exdates: [d('2026-06-03T09:00:00Z'), d('2026-06-22T09:00:00Z')],
      overrides: [
        // Explicit choices are kept: the title override follows, the moved occurrence stays where it was put.
        { originalStart: d('2026-06-08T09:00:00Z'), fields: { title: 'Special' } },
        {
          originalStart: d('2026-06-24T09:00:00Z'),
          start: d('2026-06-25T08:00:00Z'),
          end: d('2026-06-25T09:00:00Z'),
        },
      ],
    });
    expect(view(afterPlan(plan))).toEqual([
      '2026-06-01T09:00:00.000Z|2026-06-01T10:00:00.000Z|Sync',
      '2026-06-08T09:00:00.000Z|2026-06-08T10:00:00.000Z|Special',
      '2026-06-10T09:00:00.000Z|2026-06-10T10:00:00.000Z|Sync',
      '2026-06-15T09:00:00.000Z|2026-06-15T10:00:00.000Z|Sync',
      '2026-06-17T09:00:00.000Z|2026-06-17T10:00:00.000Z|Sync',
      '2026-06-25T08:00:00.000Z|2026-06-25T09:00:00.000Z|Sync',
      '2026-06-29T09:00:00.000Z|2026-06-29T10:00:00.000Z|Sync',
      '2026-07-01T09:00:00.000Z|2026-07-01T10:00:00.000Z|Sync',
    ]);
  });

  it('the shift is on the wall clock: an exdate after a DST change stays on its occurrence', () => {
    // Weekly Monday 09:00 New York from 2026-03-02 (EST), the 2026-03-09 (EDT) occurrence deleted.
    const series: CalendarSeries<Fields> = {
      id: 'ny',
      start: d('2026-03-02T14:00:00Z'),
      end: d('2026-03-02T14:30:00Z'),
      timeZone: 'America/New_York',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO',
      exdates: [d('2026-03-09T13:00:00Z')],
    };
    const plan = planUpdate({
      series,
      scope: 'all',
      occurrenceStart: d('2026-03-16T13:00:00Z'),
      changes: { start: d('2026-03-16T14:00:00Z') }, // 09:00 EDT → 10:00 EDT
    });
    expect(plan.series?.start).toEqual(d('2026-03-02T15:00:00Z')); // 10:00 EST
    expect(plan.series?.exdates).toEqual([d('2026-03-09T14:00:00Z')]); // 10:00 EDT
    const occurrences = afterPlan(plan, { from: d('2026-03-01T00:00:00Z'), to: d('2026-03-24T00:00:00Z') });
    expect(occurrences.map((o) => formatInZone(o.start, 'America/New_York'))).toEqual([
      '2026-03-02T10:00:00-05:00',
      '2026-03-16T10:00:00-04:00',
      '2026-03-23T10:00:00-04:00',
    ]);
  });

  it('without occurrenceStart, changes apply to the series; field overrides still win on their occurrence', () => {
    const plan = planUpdate({
      series: weeklyWithHistory(),
      scope: 'all',
      changes: { fields: { title: 'Weekly sync' } },
    });
    expect(plan.series?.fields).toEqual({ title: 'Weekly sync' });
    expect(plan.series?.overrides).toEqual(weeklyWithHistory().overrides);
    expect(plan.series?.exdates).toEqual(weeklyWithHistory().exdates);
    expect(afterPlan(plan).map((o) => o.fields.title)).toEqual([
      'Weekly sync',
      'Special',
      'Weekly sync',
      'Weekly sync',
      'Weekly sync',
      'Weekly sync',
      'Weekly sync',
      'Weekly sync',
    ]);
  });

  it('the edited occurrence loses what the edit redefines in its own override', () => {
    const plan = planUpdate({
      series: weeklyWithHistory(),
      scope: 'all',
      occurrenceStart: d('2026-06-08T08:00:00Z'),
      changes: { fields: { title: 'Everyone' } },
    });
    expect(plan.series?.overrides?.map((o) => o.originalStart)).toEqual([d('2026-06-24T08:00:00Z')]);
    expect(new Set(afterPlan(plan).map((o) => o.fields.title))).toEqual(new Set(['Everyone']));
  });

  it('a rule change drops the overrides and exdates that are no longer occurrences', () => {
    const plan = planUpdate({
      series: weeklyWithHistory(),
      scope: 'all',
      changes: { recurrence: 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5' },
    });
    expect(plan.series?.recurrence).toBe('FREQ=WEEKLY;COUNT=5;BYDAY=MO');
    expect(plan.series?.exdates).toEqual([d('2026-06-22T08:00:00Z')]);
    expect(plan.series?.overrides).toEqual([
      { originalStart: d('2026-06-08T08:00:00Z'), fields: { title: 'Special' } },
    ]);
    expect(plan.dropped).toEqual({
      exdates: [d('2026-06-03T08:00:00Z')],
      overrides: [
        {
          originalStart: d('2026-06-24T08:00:00Z'),
          start: d('2026-06-25T08:00:00Z'),
          end: d('2026-06-25T09:00:00Z'),
        },
      ],
    });
    expect(startsOf(afterPlan(plan))).toEqual([
      '2026-06-01T08:00:00.000Z',
      '2026-06-08T08:00:00.000Z',
      '2026-06-15T08:00:00.000Z',
      '2026-06-29T08:00:00.000Z',
    ]);
  });

  it('BYHOUR in the rule is not rewritten: moving the time of day away from it is rejected', () => {
    const series = weekly({ recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=10;COUNT=10' });
    const renamed = planUpdate({ series, scope: 'all', changes: { fields: { title: 'x' } } });
    expect(renamed.series?.recurrence).toBe('FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE;BYHOUR=10');
    expect(() => planUpdate({ series, scope: 'all', changes: { start: d('2026-06-01T09:00:00Z') } })).toThrow(
      /^recurrence: the edited series: the event start is not an occurrence of the rule/,
    );
  });

  it('switching a timed series to all-day keeps its dates and exdates, and strips override timing', () => {
    const plan = planUpdate({ series: weeklyWithHistory(), scope: 'all', changes: { allDay: true } });
    expect(plan.series).toMatchObject({
      allDay: true,
      startDate: '2026-06-01',
      endDate: '2026-06-02',
      start: d('2026-05-31T22:00:00Z'),
      end: d('2026-06-01T22:00:00Z'),
    });
    expect(plan.series?.exdates).toEqual([d('2026-06-02T22:00:00Z'), d('2026-06-21T22:00:00Z')]);
    // The moved override had only timing: nothing left, so it is gone; the title override stays.
    expect(plan.series?.overrides).toEqual([
      { originalStart: d('2026-06-07T22:00:00Z'), fields: { title: 'Special' } },
    ]);
    expect(afterPlan(plan).map((o) => o.startDate)).toEqual([
      '2026-06-01',
      '2026-06-08',
      '2026-06-10',
      '2026-06-15',
      '2026-06-17',
      '2026-06-24',
      '2026-06-29',
      '2026-07-01',
    ]);
  });

  it('stopping the recurrence turns the series into a single event', () => {
    const plan = planUpdate({ series: weeklyWithHistory(), scope: 'all', changes: { recurrence: null } });
    expect(plan.series?.recurrence).toBeNull();
    expect(plan.series?.overrides).toBeUndefined();
    expect(plan.dropped.exdates).toHaveLength(2);
    expect(startsOf(afterPlan(plan))).toEqual(['2026-06-01T08:00:00.000Z']);
  });

  it('delete removes the whole series', () => {
    expect(planDelete({ series: weeklyWithHistory(), scope: 'all' })).toEqual({
      scope: 'all',
      action: 'delete',
      series: null,
      deleted: true,
      created: null,
      dropped: { overrides: [], exdates: [] },
    });
  });
});

describe('non-recurring events', () => {
  const single: CalendarSeries<Fields> = {
    id: 'one',
    start: d('2026-06-10T12:00:00Z'),
    end: d('2026-06-10T13:00:00Z'),
    timeZone: 'Europe/Berlin',
    fields: { title: 'Lunch' },
  };

  it('any scope edits the event itself', () => {
    const plan = planUpdate({
      series: single,
      scope: 'this',
      occurrenceStart: d('2026-06-10T12:00:00Z'),
      changes: { start: d('2026-06-10T11:00:00Z') },
    });
    expect(plan.scope).toBe('all');
    expect(plan.series).toMatchObject({
      start: d('2026-06-10T11:00:00Z'),
      end: d('2026-06-10T12:00:00Z'),
      recurrence: null,
    });
    expect(
      planDelete({ series: single, scope: 'thisAndFollowing', occurrenceStart: d('2026-06-10T12:00:00Z') })
        .deleted,
    ).toBe(true);
  });

  it('can become recurring', () => {
    const plan = planUpdate({ series: single, scope: 'all', changes: { recurrence: 'FREQ=DAILY;COUNT=3' } });
    expect(startsOf(afterPlan(plan))).toEqual([
      '2026-06-10T12:00:00.000Z',
      '2026-06-11T12:00:00.000Z',
      '2026-06-12T12:00:00.000Z',
    ]);
  });
});

describe('no past occurrence is lost by an edit to the future', () => {
  const S = d('2026-06-15T08:00:00Z');
  const past = (occurrences: Occurrence<Fields>[]) =>
    view(occurrences.filter((o) => o.start.getTime() < S.getTime()));
  const window = { from: d('2026-05-01T00:00:00Z'), to: d('2026-08-01T00:00:00Z') };

  it.each([
    ['COUNT', 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10'],
    ['UNTIL', 'FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260701T080000Z'],
    ['unbounded', 'FREQ=WEEKLY;BYDAY=MO,WE'],
  ])('thisAndFollowing update and delete on a %s rule keep the past intact', (_label, recurrence) => {
    const series = { ...weeklyWithHistory(), recurrence };
    const before = expandAll(series, window);
    expect(past(before)).toEqual([
      '2026-06-01T08:00:00.000Z|2026-06-01T09:00:00.000Z|Sync',
      '2026-06-08T08:00:00.000Z|2026-06-08T09:00:00.000Z|Special',
      '2026-06-10T08:00:00.000Z|2026-06-10T09:00:00.000Z|Sync',
    ]);
    const update = planUpdate({
      series,
      scope: 'thisAndFollowing',
      occurrenceStart: S,
      changes: {
        start: d('2026-06-15T12:00:00Z'),
        end: d('2026-06-15T12:30:00Z'),
        fields: { title: 'Later' },
      },
    });
    expect(past(afterPlan(update, window))).toEqual(past(before));
    const remove = planDelete({ series, scope: 'thisAndFollowing', occurrenceStart: S });
    expect(past(afterPlan(remove, window))).toEqual(past(before));
    // …and the future part is what was asked for.
    expect(afterPlan(remove, window).filter((o) => o.start.getTime() >= S.getTime())).toEqual([]);
    expect(afterPlan(update, window).find((o) => o.start.getTime() >= S.getTime())).toMatchObject({
      start: d('2026-06-15T12:00:00Z'),
      end: d('2026-06-15T12:30:00Z'),
      fields: { title: 'Later' },
    });
  });

  it('a "this" edit or delete of a future occurrence leaves every other occurrence unchanged', () => {
    const series = weeklyWithHistory();
    const before = expandAll(series, window);
    const update = planUpdate({
      series,
      scope: 'this',
      occurrenceStart: S,
      changes: { fields: { title: 'One-off' } },
    });
    const remove = planDelete({ series, scope: 'this', occurrenceStart: S });
    const others = (occurrences: Occurrence<Fields>[]) =>
      view(occurrences.filter((o) => o.originalStart.getTime() !== S.getTime()));
    expect(others(afterPlan(update, window))).toEqual(others(before));
    expect(others(afterPlan(remove, window))).toEqual(others(before));
  });
});
