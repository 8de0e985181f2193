import type { Attendee } from './attendees';
import type { EventSeries } from './event.mapper';
import { attendeeReminderSeries } from './meeting-people';

const list = (bea: Attendee['responseStatus']): Attendee[] => [
  { email: 'alex@example.com', responseStatus: 'accepted' },
  { email: 'bea@example.com', responseStatus: bea },
];

const weekly = (overrides: EventSeries['overrides'] = []): EventSeries => ({
  id: 'e1',
  start: new Date('2030-01-07T10:00:00Z'),
  end: new Date('2030-01-07T10:30:00Z'),
  timeZone: 'UTC',
  recurrence: 'FREQ=WEEKLY',
  exdates: [],
  overrides,
  fields: { title: 'Weekly', reminders: [60], attendees: list('accepted') },
});

describe('attendeeReminderSeries: an attendee is reminded with their own reminders, of what they did not decline', () => {
  it('puts their reminders on the series in place of the organizer’s, and drops the organizer’s per-occurrence ones', () => {
    const moved = { originalStart: new Date('2030-01-14T10:00:00Z'), fields: { reminders: [120] } };
    const s = attendeeReminderSeries(weekly([moved]), 'bea@example.com', [5]);
    expect(s.fields?.reminders).toEqual([5]);
    expect(s.overrides?.[0].fields).toEqual({});
  });

  it('gives nothing on an occurrence they declined, and on the whole series when they declined it', () => {
    const declined = {
      originalStart: new Date('2030-01-14T10:00:00Z'),
      fields: { attendees: list('declined'), reminders: [60] },
    };
    const accepted = {
      originalStart: new Date('2030-01-21T10:00:00Z'),
      fields: { attendees: list('tentative') },
    };
    const s = attendeeReminderSeries(weekly([declined, accepted]), 'bea@example.com', [5]);
    expect(s.fields?.reminders).toEqual([5]);
    expect(s.overrides?.map((o) => o.fields?.reminders)).toEqual([[], [5]]);

    const all = weekly();
    all.fields = { ...all.fields, title: 'Weekly', attendees: list('declined') };
    expect(attendeeReminderSeries(all, 'bea@example.com', [5]).fields?.reminders).toEqual([]);
    // Not on the list at all (say, invited to one occurrence only): only where they are.
    expect(attendeeReminderSeries(weekly(), 'carl@example.com', [5]).fields?.reminders).toEqual([]);
  });
});
