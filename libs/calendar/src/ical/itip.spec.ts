import { UnprocessableError, ValidationError } from '@app/common';
import { Types } from 'mongoose';
import { mergeAttendees, withResponse } from '../events/attendees';
import { toState } from '../events/event.mapper';
import type { EventRecord } from '../events/event.schema';
import ICAL from './ical';
import { planItip, readItipReply } from './itip';

const ORGANIZER = { email: 'alex@example.com' };
const NOW = new Date('2026-12-05T09:00:00Z');

function meeting(guests: string[], sequence = 0, extra: Partial<EventRecord> = {}): EventRecord {
  const start = new Date('2027-03-10T09:00:00Z');
  const state = toState(
    {
      start,
      end: new Date(start.getTime() + 3600_000),
      timeZone: 'Europe/Berlin',
      allDay: false,
      recurrence: null,
      exdates: [],
      overrides: [],
      fields: { title: 'Review', attendees: mergeAttendees(ORGANIZER, guests) },
    },
    { uid: 'u1@test', organizer: ORGANIZER },
  );
  const id = new Types.ObjectId('6650c0ffee6650c0ffee6650');
  return {
    ...state,
    uid: 'u1@test',
    organizer: ORGANIZER,
    sequence,
    _id: id,
    calendarId: id,
    ownerId: id,
    version: 1,
    deletedAt: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...extra,
  } as EventRecord;
}

const parsed = (ics: string) => {
  const cal = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  return { cal, vevent: cal.getFirstSubcomponent('vevent')! };
};

describe('planItip: which iTIP messages a write sends', () => {
  it('a new meeting: one REQUEST to every guest but the organizer, SEQUENCE 0, RSVP=TRUE, a VTIMEZONE', () => {
    const [m, ...rest] = planItip({ type: 'created', record: meeting(['b@x.test', 'c@y.test']) }, NOW);
    expect(rest).toEqual([]);
    expect(m).toMatchObject({ method: 'REQUEST', to: ['b@x.test', 'c@y.test'], sequence: 0, first: true });
    const { cal, vevent } = parsed(m.ics);
    expect(cal.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(vevent.getFirstPropertyValue('sequence')).toBe(0);
    expect(cal.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid')).toBe('Europe/Berlin');
    const rsvp = vevent.getAllProperties('attendee').map((p) => [p.getFirstValue(), p.getParameter('rsvp')]);
    expect(rsvp).toEqual([
      ['mailto:alex@example.com', undefined],
      ['mailto:b@x.test', 'TRUE'],
      ['mailto:c@y.test', 'TRUE'],
    ]);
  });

  it('an event without guests, or an imported copy (no attendeeEmails), mails nobody', () => {
    expect(planItip({ type: 'created', record: meeting([]) })).toEqual([]);
    expect(planItip({ type: 'created', record: meeting(['b@x.test'], 0, { attendeeEmails: [] }) })).toEqual(
      [],
    );
  });

  it('an update that leaves SEQUENCE alone (an RSVP) sends nothing; one that raises it sends a REQUEST', () => {
    const before = meeting(['b@x.test']);
    const answered = { ...before, attendees: withResponse(before.attendees, 'b@x.test', 'accepted') };
    expect(planItip({ type: 'updated', previous: before, record: answered })).toEqual([]);
    const moved = planItip({ type: 'updated', previous: before, record: meeting(['b@x.test'], 1) });
    expect(moved.map((m) => [m.method, m.sequence, m.first])).toEqual([['REQUEST', 1, false]]);
    expect(parsed(moved[0].ics).vevent.getFirstPropertyValue('sequence')).toBe(1);
  });

  it('a removed guest gets a CANCEL naming only them; a cancelled meeting sends CANCEL with SEQUENCE + 1', () => {
    const plan = planItip({
      type: 'updated',
      previous: meeting(['b@x.test', 'c@y.test']),
      record: meeting(['c@y.test'], 1),
    });
    expect(plan.map((m) => [m.method, m.to])).toEqual([
      ['REQUEST', ['c@y.test']],
      ['CANCEL', ['b@x.test']],
    ]);
    const cancel = parsed(plan[1].ics).vevent;
    expect(cancel.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(cancel.getAllProperties('attendee').map((p) => p.getFirstValue())).toEqual([
      'mailto:alex@example.com',
      'mailto:b@x.test',
    ]);
    const [gone] = planItip({ type: 'deleted', record: meeting(['b@x.test'], 2, { deletedAt: NOW }) });
    expect(gone).toMatchObject({ method: 'CANCEL', sequence: 3, to: ['b@x.test'] });
    expect(parsed(gone.ics).cal.getFirstPropertyValue('method')).toBe('CANCEL');
  });
});

const reply = (lines: string[], method = 'REPLY') =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', `METHOD:${method}`, ...lines, 'END:VCALENDAR', ''].join('\r\n');

describe('readItipReply', () => {
  it('reads the attendee, their answer, the comment and a RECURRENCE-ID', () => {
    const items = readItipReply(
      reply([
        'BEGIN:VEVENT',
        'UID:u1@test',
        'ATTENDEE;PARTSTAT=DECLINED:MAILTO:C@Y.test',
        'COMMENT:Away that week',
        'RECURRENCE-ID;TZID=Europe/Berlin:20270310T100000',
        'END:VEVENT',
      ]),
    );
    expect(items).toEqual([
      {
        uid: 'u1@test',
        attendee: 'c@y.test',
        response: 'declined',
        comment: 'Away that week',
        recurrenceId: { instant: new Date('2027-03-10T09:00:00Z') },
      },
    ]);
  });

  it('refuses what is not iCalendar (400) and what is not a usable REPLY (422)', () => {
    expect(() => readItipReply('hello')).toThrow(ValidationError);
    expect(() => readItipReply('BEGIN:VCALENDAR\r\nBROKEN')).toThrow(ValidationError);
    const event = ['BEGIN:VEVENT', 'UID:u1@test', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:c@y.test', 'END:VEVENT'];
    expect(() => readItipReply(reply(event, 'REQUEST'))).toThrow(/METHOD:REQUEST/);
    expect(() => readItipReply(reply([]))).toThrow(UnprocessableError);
    expect(() =>
      readItipReply(
        reply(['BEGIN:VEVENT', 'UID:u1@test', 'ATTENDEE;PARTSTAT=DELEGATED:mailto:c@y.test', 'END:VEVENT']),
      ),
    ).toThrow(/PARTSTAT/);
    expect(() => readItipReply(reply(['BEGIN:VEVENT', 'UID:u1@test', 'END:VEVENT']))).toThrow(
      /exactly one ATTENDEE/,
    );
  });
});
