import type { Plan } from '../plan/plan.schema';
import { pickPerson, withPerson } from './people-resolver';

const choices = [
  { name: 'Sam Lee', email: 'sam@example.com' },
  { name: 'Sam Ray', email: 'ray@example.com' },
  { name: null, email: 'sam.k@partner.example' },
];

describe('answering "which Sam?"', () => {
  it('a number, an ordinal, an address or a word only one name has picks that person', () => {
    expect(pickPerson('2', choices)?.email).toBe('ray@example.com');
    expect(pickPerson('#1', choices)?.email).toBe('sam@example.com');
    expect(pickPerson('the third one', choices)?.email).toBe('sam.k@partner.example');
    expect(pickPerson('Ray@Example.com', choices)?.email).toBe('ray@example.com');
    expect(pickPerson('Sam Ray', choices)?.email).toBe('ray@example.com');
    expect(pickPerson('lee', choices)?.email).toBe('sam@example.com');
  });

  it('anything else picks no one (the text is then read as a new request)', () => {
    expect(pickPerson('4', choices)).toBeNull();
    expect(pickPerson('Sam', choices.slice(0, 2))).toBeNull();
    expect(pickPerson('cancel my dentist appointment', choices)).toBeNull();
  });

  it('the chosen address replaces the name in the plan, wherever the plan names people', () => {
    const plan: Plan = {
      intent: 'create',
      event: {
        title: 'Lunch with Sam',
        start: '2027-06-02T12:00:00+01:00',
        end: null,
        allDay: false,
        recurrence: null,
        location: null,
        attendees: ['sam', 'Priya'],
      },
      target: null,
      window: null,
      durationMinutes: null,
    };
    expect(withPerson(plan, 'Sam', 'ray@example.com').event?.attendees).toEqual(['ray@example.com', 'Priya']);
    const invite: Plan = { ...plan, intent: 'invite', event: null, attendees: ['Sam'] };
    expect(withPerson(invite, 'Sam', 'ray@example.com').attendees).toEqual(['ray@example.com']);
  });
});
