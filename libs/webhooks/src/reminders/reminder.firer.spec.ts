import { toSeries } from '@app/calendar';
import type { EventChange, EventReadRepository, MeetingPeople, ReminderPerson } from '@app/calendar';
import { Counter } from 'prom-client';
import type { ReminderNotice, WebhookDispatcher } from '../webhook-dispatcher';
import type { ReminderJob } from './reminder-job';
import { LATE_AFTER_MS, ReminderFirer } from './reminder.firer';

type EventRecord = EventChange['record'];
const MIN = 60_000;
const start = Date.parse('2030-01-07T10:00:00Z');

const record = (over: Partial<EventRecord> = {}) =>
  ({
    _id: 'e1',
    version: 3,
    deletedAt: null,
    start: new Date(start),
    end: new Date(start + 30 * MIN),
    timeZone: 'UTC',
    allDay: false,
    recurrence: 'FREQ=WEEKLY',
    exdates: [],
    overrides: [],
    title: 'Standup',
    reminders: [15],
    ...over,
  }) as unknown as EventRecord;

const job: ReminderJob = {
  eventId: 'e1',
  version: 3,
  originalStart: start,
  start,
  end: start + 30 * MIN,
  minutesBefore: 15,
  dueAt: start - 15 * MIN,
};

/** The calendar's side, and Bea (account b1) with her own 5-minute reminder. */
const people = {
  reminderPeople: async (r: EventRecord): Promise<ReminderPerson[]> => {
    const series = toSeries(r);
    return [
      { series },
      {
        account: { id: 'b1', email: 'bea@example.com' },
        series: { ...series, fields: { ...series.fields, title: r.title, reminders: [5] } },
      },
    ];
  },
} satisfies Pick<MeetingPeople, 'reminderPeople'>;

function setup(stored: EventRecord | null) {
  const sent: ReminderNotice[] = [];
  const scheduled: ReminderJob[][] = [];
  const counter = new Counter({
    name: 'reminders_fired_total',
    help: 'test',
    labelNames: ['channel', 'outcome'],
    registers: [],
  });
  const events = { anyById: async () => stored } satisfies Pick<EventReadRepository, 'anyById'>;
  const toAttendees: string[] = [];
  const dispatcher = {
    dispatchReminder: async (_r: EventRecord, n: ReminderNotice) => (sent.push(n), 1),
    dispatchAttendeeReminder: async (a: { id: string }, _r: EventRecord, n: ReminderNotice) => (
      sent.push(n),
      toAttendees.push(a.id),
      1
    ),
  } satisfies Pick<WebhookDispatcher, 'dispatchReminder' | 'dispatchAttendeeReminder'>;
  const firer = new ReminderFirer(
    events as unknown as EventReadRepository,
    dispatcher as unknown as WebhookDispatcher,
    people as unknown as MeetingPeople,
    counter,
  );
  const fire = (now: number, which: ReminderJob = job) =>
    firer.fire(which, async (next) => void scheduled.push(next), now);
  const count = async (outcome: string) =>
    (await counter.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { fire, sent, scheduled, count, toAttendees };
}

describe('ReminderFirer', () => {
  it('sends an on-time reminder once and schedules the next occurrence’s, not more', async () => {
    const t = setup(record());
    expect(await t.fire(job.dueAt + 100)).toBe('on_time');
    expect(t.sent).toEqual([expect.objectContaining({ minutesBefore: 15, start, late: false })]);
    expect(t.scheduled).toEqual([
      [
        {
          ...job,
          originalStart: start + 7 * 86_400_000,
          start: start + 7 * 86_400_000,
          end: start + 7 * 86_400_000 + 30 * MIN,
          dueAt: job.dueAt + 7 * 86_400_000,
        },
      ],
    ]);
    expect(await t.count('on_time')).toBe(1);
  });

  it('marks a reminder run after its due time (workers were down) late, and still sends it', async () => {
    const t = setup(record());
    expect(await t.fire(job.dueAt + LATE_AFTER_MS + 1)).toBe('late');
    expect(t.sent).toEqual([expect.objectContaining({ late: true })]);
    expect(await t.count('late')).toBe(1);
  });

  it('sends nothing for an occurrence that already ended, but keeps the series going', async () => {
    const t = setup(record());
    expect(await t.fire(job.end + 1)).toBe('expired');
    expect(t.sent).toEqual([]);
    expect(t.scheduled[0].map((j) => j.start)).toEqual([start + 7 * 86_400_000]);
    expect(await t.count('expired')).toBe(1);
  });

  it.each([
    ['a changed event (another version)', record({ version: 4 })],
    ['a deleted event', record({ deletedAt: new Date() })],
    ['an event that is gone', null],
  ])('sends and schedules nothing for %s', async (_what, stored) => {
    const t = setup(stored);
    expect(await t.fire(job.dueAt + 100)).toBe('stale');
    expect(t.sent).toEqual([]);
    expect(t.scheduled).toEqual([]);
    expect(await t.count('stale')).toBe(1);
  });

  it("sends an attendee's own reminder to them and schedules their next one, with their id", async () => {
    const t = setup(record());
    const bea: ReminderJob = { ...job, minutesBefore: 5, dueAt: start - 5 * MIN, person: 'b1' };
    expect(await t.fire(bea.dueAt + 100, bea)).toBe('on_time');
    expect(t.toAttendees).toEqual(['b1']);
    expect(t.scheduled).toEqual([
      [
        {
          ...bea,
          originalStart: start + 7 * 86_400_000,
          start: start + 7 * 86_400_000,
          end: start + 7 * 86_400_000 + 30 * MIN,
          dueAt: bea.dueAt + 7 * 86_400_000,
        },
      ],
    ]);
    // Someone no longer reminded at this version (taken off): nothing sent or scheduled.
    const gone = setup(record());
    expect(await gone.fire(bea.dueAt + 100, { ...bea, person: 'c9' })).toBe('stale');
    expect(gone.sent).toEqual([]);
    expect(gone.scheduled).toEqual([]);
  });

  it('sends nothing when the next reminder cannot be scheduled (the job is retried instead)', async () => {
    const t = setup(record());
    const failing = new ReminderFirer(
      { anyById: async () => record() } as unknown as EventReadRepository,
      {
        dispatchReminder: async (_r: EventRecord, n: ReminderNotice) => (t.sent.push(n), 1),
      } as unknown as WebhookDispatcher,
      people as unknown as MeetingPeople,
      new Counter({ name: 'x_total', help: 'x', labelNames: ['channel', 'outcome'], registers: [] }),
    );
    await expect(
      failing.fire(job, () => Promise.reject(new Error('redis down')), job.dueAt + 100),
    ).rejects.toThrow('redis down');
    expect(t.sent).toEqual([]);
  });
});
