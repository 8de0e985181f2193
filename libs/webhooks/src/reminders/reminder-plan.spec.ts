import type { EventSeries } from '@app/calendar';
import { nextReminders } from './reminder-plan';
import { LATE_AFTER_MS, reminderOutcome } from './reminder.firer';

const MIN = 60_000;
const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

/** A series in UTC (the recurrence engine's zone handling has its own tests). */
function series(start: string, minutes: number[], extra: Partial<EventSeries> = {}): EventSeries {
  const s = new Date(start);
  return {
    id: 'e1',
    start: s,
    end: new Date(s.getTime() + 30 * MIN),
    timeZone: 'UTC',
    recurrence: null,
    exdates: [],
    overrides: [],
    fields: { title: 'Standup', reminders: minutes },
    ...extra,
  };
}

const dues = (planned: ReturnType<typeof nextReminders>) =>
  planned.map((p) => [new Date(p.start).toISOString(), p.minutesBefore]);

describe('nextReminders: only the next due reminder of a series is planned', () => {
  it('walks a single event one reminder at a time, earliest first, then stops', () => {
    const e = series('2030-01-10T10:00:00Z', [10, 60]);
    const now = at('2030-01-10T08:00:00Z');
    const first = nextReminders(e, now - 1, now);
    expect(dues(first)).toEqual([['2030-01-10T10:00:00.000Z', 60]]);
    expect(first[0].dueAt).toBe(at('2030-01-10T09:00:00Z'));
    const second = nextReminders(e, first[0].dueAt, first[0].dueAt);
    expect(dues(second)).toEqual([['2030-01-10T10:00:00.000Z', 10]]);
    expect(nextReminders(e, second[0].dueAt, second[0].dueAt)).toEqual([]);
  });

  it('does not plan a reminder whose time has already passed when the event is written', () => {
    const e = series('2030-01-10T10:00:00Z', [10, 1]);
    const now = at('2030-01-10T09:55:00Z');
    expect(dues(nextReminders(e, now - 1, now))).toEqual([['2030-01-10T10:00:00.000Z', 1]]);
  });

  it('plans a weekly series one occurrence at a time: after a reminder fires, the next week’s', () => {
    const e = series('2030-01-07T10:00:00Z', [15], { recurrence: 'FREQ=WEEKLY' });
    const now = at('2030-01-01T00:00:00Z');
    const first = nextReminders(e, now - 1, now);
    expect(dues(first)).toEqual([['2030-01-07T10:00:00.000Z', 15]]);
    const next = nextReminders(e, first[0].dueAt, first[0].dueAt + 50);
    expect(dues(next)).toEqual([['2030-01-14T10:00:00.000Z', 15]]);
    expect(next[0].originalStart).toBe(at('2030-01-14T10:00:00Z'));
  });

  it('skips cancelled occurrences and uses an occurrence’s own reminders', () => {
    const e = series('2030-01-07T10:00:00Z', [15], {
      recurrence: 'FREQ=WEEKLY',
      exdates: [new Date('2030-01-14T10:00:00Z')],
      overrides: [{ originalStart: new Date('2030-01-21T10:00:00Z'), fields: { reminders: [120] } }],
    });
    const after = at('2030-01-07T09:45:00Z');
    expect(dues(nextReminders(e, after, after))).toEqual([['2030-01-21T10:00:00.000Z', 120]]);
  });

  it('finds a 4-week reminder of a daily series ahead of the short ones due later', () => {
    const e = series('2030-01-01T10:00:00Z', [40_320, 10], { recurrence: 'FREQ=DAILY' });
    const now = at('2030-01-01T09:00:00Z');
    const first = nextReminders(e, now - 1, now);
    // Jan 1's 10-minute reminder (09:50) comes first, then Jan 29's 4-week one (due Jan 1 10:00).
    expect(dues(first)).toEqual([['2030-01-01T10:00:00.000Z', 10]]);
    const second = nextReminders(e, first[0].dueAt, first[0].dueAt);
    expect(dues(second)).toEqual([['2030-01-29T10:00:00.000Z', 40_320]]);
    expect(second[0].dueAt).toBe(at('2030-01-01T10:00:00Z'));
  });

  it('after an outage, skips the occurrences that ended and plans the one still to come (to fire late)', () => {
    const e = series('2030-01-01T10:00:00Z', [10], { recurrence: 'FREQ=DAILY' });
    const firedDue = at('2030-01-01T09:50:00Z');
    const now = at('2030-01-04T09:58:00Z'); // workers were down from Jan 1 to now
    const next = nextReminders(e, firedDue, now);
    expect(dues(next)).toEqual([['2030-01-04T10:00:00.000Z', 10]]);
    expect(next[0].dueAt).toBeLessThan(now);
  });

  it('plans nothing for a series whose occurrences are all over, or an event without reminders', () => {
    const done = series('2030-01-01T10:00:00Z', [10], { recurrence: 'FREQ=DAILY;COUNT=2' });
    const now = at('2030-02-01T00:00:00Z');
    expect(nextReminders(done, now - 1, now)).toEqual([]);
    expect(nextReminders(series('2030-03-01T10:00:00Z', []), now - 1, now)).toEqual([]);
  });

  it('returns every reminder sharing the next due time', () => {
    const e = series('2030-01-01T10:00:00Z', [10], {
      recurrence: 'FREQ=DAILY;COUNT=2',
      overrides: [{ originalStart: new Date('2030-01-02T10:00:00Z'), fields: { reminders: [24 * 60 + 10] } }],
    });
    const now = at('2030-01-01T00:00:00Z');
    expect(dues(nextReminders(e, now - 1, now))).toEqual([
      ['2030-01-01T10:00:00.000Z', 10],
      ['2030-01-02T10:00:00.000Z', 24 * 60 + 10],
    ]);
  });
});

describe('reminderOutcome', () => {
  const job = { dueAt: at('2030-01-01T09:50:00Z'), end: at('2030-01-01T10:30:00Z') };
  it('is on time near its due time, late once a worker missed it, expired once the occurrence ended', () => {
    expect(reminderOutcome(job, job.dueAt + 200)).toBe('on_time');
    expect(reminderOutcome(job, job.dueAt + LATE_AFTER_MS)).toBe('late');
    expect(reminderOutcome(job, job.end)).toBe('late');
    expect(reminderOutcome(job, job.end + 1)).toBe('expired');
    expect(reminderOutcome(job, job.dueAt + 2 * DAY)).toBe('expired');
  });
});
