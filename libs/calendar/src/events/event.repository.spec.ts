import { formerAttendeeEmails } from './event.repository';

describe('formerAttendeeEmails: who was taken off a meeting (their sync and webhooks see it deleted)', () => {
  it('adds those a write drops, keeps those dropped before, and forgets anyone invited again', () => {
    expect(formerAttendeeEmails({ attendeeEmails: ['a@x', 'b@x', 'c@x'] }, ['a@x', 'b@x'])).toEqual(['c@x']);
    expect(
      formerAttendeeEmails({ attendeeEmails: ['a@x', 'b@x'], formerAttendeeEmails: ['c@x'] }, ['a@x']),
    ).toEqual(['c@x', 'b@x']);
    expect(
      formerAttendeeEmails({ attendeeEmails: ['a@x'], formerAttendeeEmails: ['c@x'] }, ['a@x', 'c@x']),
    ).toEqual([]);
  });

  it('changes nothing when nobody is dropped or re-invited', () => {
    expect(formerAttendeeEmails({ attendeeEmails: ['a@x'] }, ['a@x', 'd@x'])).toBeUndefined();
    expect(
      formerAttendeeEmails({ attendeeEmails: ['a@x'], formerAttendeeEmails: ['c@x'] }, ['a@x']),
    ).toBeUndefined();
  });
});
