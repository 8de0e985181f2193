import { attendeeEmailsOf, mergeAttendees, resetResponses, responseOf, withResponse } from './attendees';

const alex = { email: 'alex@example.com' };

describe('attendees', () => {
  it('lists the organizer first as accepted, deduplicates lower-cased addresses, new guests needsAction', () => {
    expect(
      mergeAttendees(alex, [
        'Sam@Example.com',
        { email: 'sam@example.com', optional: true },
        'ALEX@example.com',
        { email: 'kim@example.com', optional: true, name: 'Kim' },
      ]),
    ).toEqual([
      { email: 'alex@example.com', optional: false, responseStatus: 'accepted' },
      { email: 'sam@example.com', optional: false, responseStatus: 'needsAction' },
      { email: 'kim@example.com', name: 'Kim', optional: true, responseStatus: 'needsAction' },
    ]);
  });

  it('keeps the answers of those still invited, drops the rest, and no guests means no attendees', () => {
    const before = withResponse(
      mergeAttendees(alex, ['sam@example.com', 'kim@example.com']),
      'sam@example.com',
      'accepted',
      'yes',
    );
    const after = mergeAttendees(alex, ['sam@example.com', 'lee@example.com'], before);
    expect(after.map((a) => [a.email, a.responseStatus, a.comment])).toEqual([
      ['alex@example.com', 'accepted', undefined],
      ['sam@example.com', 'accepted', 'yes'],
      ['lee@example.com', 'needsAction', undefined],
    ]);
    expect(mergeAttendees(alex, ['alex@example.com'], after)).toEqual([]);
  });

  it('a move sends everyone but the organizer back to needsAction (comments go with their answers)', () => {
    const answered = withResponse(
      mergeAttendees(alex, ['sam@example.com']),
      'sam@example.com',
      'declined',
      'away',
    );
    expect(resetResponses(alex, answered)).toEqual([
      { email: 'alex@example.com', optional: false, responseStatus: 'accepted' },
      { email: 'sam@example.com', optional: false, responseStatus: 'needsAction' },
    ]);
  });

  it('finds one address’s answer and every invited address across the series and its occurrences', () => {
    const series = mergeAttendees(alex, ['sam@example.com']);
    const occurrence = mergeAttendees(alex, ['kim@example.com']);
    expect(responseOf(series, 'sam@example.com')).toBe('needsAction');
    expect(responseOf(series, 'kim@example.com')).toBeUndefined();
    expect(attendeeEmailsOf([series, undefined, occurrence]).sort()).toEqual([
      'alex@example.com',
      'kim@example.com',
      'sam@example.com',
    ]);
  });
});
