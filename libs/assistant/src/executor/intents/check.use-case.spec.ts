import type { ContactResponse, ContactsService, EventQueryService, SeriesOccurrence } from '@app/calendar';
import type { Plan } from '../../plan/plan.schema';
import type { ExecutionContext } from '../execution';
import type { FreeSlotFinder, FreeSlotSearch, PersonBusy } from '../free-slots';
import { PeopleResolver } from '../people-resolver';
import { CheckUseCase } from './check.use-case';

const ZONE = 'America/New_York';
const user = {
  id: '6650f1a2c3d4e5f6a7b8c9d0',
  email: 'me@example.com',
  timeZone: ZONE,
  workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
};
// Thursday 2027-03-04, 14:00–15:00 local (EST, -05:00).
const plan: Plan = {
  intent: 'check',
  event: null,
  target: null,
  window: { from: '2027-03-04T14:00:00-05:00', to: '2027-03-04T15:00:00-05:00' },
  durationMinutes: null,
};
const ctx = {
  user,
  now: new Date('2027-03-01T15:00:00Z'),
  text: 'am I free Thursday at 2?',
} as ExecutionContext;

function occurrence(title: string, start: string, end: string, transparent = false): SeriesOccurrence {
  return {
    occurrence: {
      seriesId: `id-${title}`,
      originalStart: new Date(start),
      start: new Date(start),
      end: new Date(end),
      allDay: false,
      overridden: false,
    },
    series: {
      id: `id-${title}`,
      start: new Date(start),
      end: new Date(end),
      timeZone: ZONE,
      fields: { title, ...(transparent ? { transparency: 'transparent' } : {}) },
    },
    calendarId: user.id,
  } as unknown as SeriesOccurrence;
}

const contact = (name: string, email: string): ContactResponse => ({ name, email, sources: ['calendar'] });
const KNOWN = [
  contact('Priya Patel', 'priya@example.com'),
  contact('Sam Lee', 'sam@example.com'),
  contact('Sam Ray', 'ray@example.com'),
  contact('Hugo Hidden', 'hugo@example.com'),
];

/**
 * Fakes that fail on anything unexpected. `others` is each other person's free/busy, by address
 * (absent → not visible).
 */
function setup(
  occurrences: SeriesOccurrence[],
  free: [string, string][] = [],
  others: Record<string, [string, string][]> = {},
) {
  const searches: FreeSlotSearch[] = [];
  const asked: string[][] = [];
  const queries = {
    personalOccurrences: (people: { id: string }[]) => {
      expect(people.map((p) => p.id)).toEqual([user.id]);
      return Promise.resolve(occurrences);
    },
  } as unknown as EventQueryService;
  const finder: FreeSlotFinder = {
    findSlots: (_owner, search) => {
      searches.push(search);
      return Promise.resolve({
        slots: free.map(([s, e]) => ({ start: new Date(s), end: new Date(e) })),
        reason: free.length ? null : 'fully_booked',
        notVisible: [],
      });
    },
    freeBusy: (caller, from, to, zone, emails) => {
      expect(caller.id).toBe(user.id);
      expect(zone).toBe(ZONE);
      asked.push(emails);
      const people: PersonBusy[] = emails.map((email) =>
        others[email]
          ? {
              email,
              busy: others[email]
                .map(([s, e]) => ({ start: new Date(s), end: new Date(e) }))
                .filter((b) => b.end > from && b.start < to)
                .map((b) => ({ start: b.start.toISOString(), end: b.end.toISOString() })),
            }
          : { email, error: 'notVisible' },
      );
      return Promise.resolve({ people });
    },
  };
  const contacts = { all: () => Promise.resolve(KNOWN) } as unknown as ContactsService;
  return { searches, asked, useCase: new CheckUseCase(queries, finder, new PeopleResolver(contacts)) };
}

describe('check: am I free?', () => {
  it('answers yes first when nothing opaque is in the window, and searches no alternatives', async () => {
    const { searches, useCase } = setup([
      occurrence('Focus (transparent)', '2027-03-04T19:00:00Z', '2027-03-04T20:00:00Z', true),
      occurrence('Before', '2027-03-04T18:00:00Z', '2027-03-04T19:00:00Z'),
    ]);
    const res = await useCase.execute(ctx, plan);
    expect(res.reply).toBe("Yes — you're free Thu, Mar 4, 2:00 PM – 3:00 PM.");
    expect(res.outcome).toBe('ok');
    expect(res.result).toMatchObject({ type: 'check', free: true, busy: [], alternatives: [] });
    expect(searches).toEqual([]);
  });

  it('answers no first, naming what is in the way, then the nearest free times of the same length', async () => {
    const { searches, useCase } = setup(
      [occurrence('Design review', '2027-03-04T19:00:00Z', '2027-03-04T20:00:00Z')],
      [
        ['2027-03-04T14:00:00Z', '2027-03-04T15:00:00Z'], // 09:00 local: 5 h before
        ['2027-03-04T20:00:00Z', '2027-03-04T21:00:00Z'], // 15:00 local: right after
        ['2027-03-04T19:00:00Z', '2027-03-04T20:00:00Z'], // the asked hour itself: never offered
        ['2027-03-05T19:00:00Z', '2027-03-05T20:00:00Z'], // the next day
        ['2027-03-04T17:00:00Z', '2027-03-04T18:00:00Z'], // 12:00 local: 2 h before
      ],
    );
    const res = await useCase.execute(ctx, plan);
    expect(res.reply).toBe(
      'No — you have “Design review” Thu, Mar 4, 2:00 PM – 3:00 PM. ' +
        "You're free at Thu, Mar 4, 3:00 PM, Thu, Mar 4, 12:00 PM, Thu, Mar 4, 9:00 AM.",
    );
    expect(res.result).toMatchObject({
      type: 'check',
      free: false,
      busy: [{ title: 'Design review', start: '2027-03-04T19:00:00.000Z' }],
      alternatives: [
        { start: '2027-03-04T20:00:00.000Z' },
        { start: '2027-03-04T17:00:00.000Z' },
        { start: '2027-03-04T14:00:00.000Z' },
      ],
    });
    expect(searches[0]).toMatchObject({ durationMinutes: 60, now: ctx.now });
  });

  it('says so when no free time of that length is near', async () => {
    const { useCase } = setup([occurrence('Offsite', '2027-03-04T14:00:00Z', '2027-03-04T23:00:00Z')]);
    const res = await useCase.execute(ctx, plan);
    expect(res.reply).toBe(
      'No — you have “Offsite” Thu, Mar 4, 9:00 AM – 6:00 PM. I found no free time of that length nearby.',
    );
  });

  it('a whole day is named as a day', async () => {
    const { useCase } = setup([]);
    const res = await useCase.execute(ctx, {
      ...plan,
      window: { from: '2027-03-04T00:00:00-05:00', to: '2027-03-05T00:00:00-05:00' },
    });
    expect(res.reply).toBe("Yes — you're free Thu, Mar 4 (all day).");
  });
});

describe('check with people: "am I free with Priya Thursday at 2?", "is Sam free at 3?"', () => {
  const withPeople = (attendees: string[]): Plan => ({ ...plan, attendees });

  it('answers yes for everyone when no one is busy, and reads only the people named', async () => {
    const { asked, searches, useCase } = setup([], [], {
      'priya@example.com': [['2027-03-04T20:00:00Z', '2027-03-04T21:00:00Z']], // 15:00, after the hour
    });
    const res = await useCase.execute(ctx, withPeople(['Priya']));
    expect(res.reply).toBe('Yes — you and Priya are free Thu, Mar 4, 2:00 PM – 3:00 PM.');
    expect(asked).toEqual([['priya@example.com']]);
    expect(searches).toEqual([]);
    expect(res.result).toMatchObject({
      type: 'check',
      free: true,
      people: [{ email: 'priya@example.com', busy: [] }],
      notVisible: [],
    });
  });

  it('answers no when a named person is busy, says who and when, and offers times everyone is free', async () => {
    const { searches, useCase } = setup([], [['2027-03-04T20:00:00Z', '2027-03-04T21:00:00Z']], {
      'priya@example.com': [['2027-03-04T19:00:00Z', '2027-03-04T19:30:00Z']],
    });
    const res = await useCase.execute(ctx, withPeople(['priya']));
    expect(res.reply).toBe("No — priya is busy 2:00 PM – 2:30 PM. You're all free at Thu, Mar 4, 3:00 PM.");
    expect(res.result).toMatchObject({
      free: false,
      busy: [],
      people: [{ email: 'priya@example.com', busy: [{ start: '2027-03-04T19:00:00.000Z' }] }],
    });
    // The alternatives are searched with the person, so they fit everyone.
    expect(searches[0]).toMatchObject({ attendees: ['priya@example.com'], durationMinutes: 60 });
  });

  it("names both the user's own event and a busy person", async () => {
    const { useCase } = setup(
      [occurrence('Design review', '2027-03-04T19:00:00Z', '2027-03-04T20:00:00Z')],
      [],
      {
        'priya@example.com': [['2027-03-04T19:30:00Z', '2027-03-04T20:00:00Z']],
      },
    );
    const res = await useCase.execute(ctx, withPeople(['Priya Patel']));
    expect(res.reply).toBe(
      'No — you have “Design review” Thu, Mar 4, 2:00 PM – 3:00 PM; Priya Patel is busy 2:30 PM – 3:00 PM. ' +
        'I found no free time of that length nearby.',
    );
  });

  it('names the people whose free/busy is not visible, and never says yes for them', async () => {
    const { useCase } = setup([], [], { 'priya@example.com': [] });
    const res = await useCase.execute(ctx, withPeople(['Priya', 'Hugo', 'zed@example.org']));
    expect(res.reply).toBe(
      'Yes — you and Priya are free Thu, Mar 4, 2:00 PM – 3:00 PM. ' +
        "I can't see the calendar of Hugo (hugo@example.com) and zed@example.org, so I can't tell whether they are free.",
    );
    expect(res.result).toMatchObject({ notVisible: ['hugo@example.com', 'zed@example.org'] });
  });

  it('asks which person an ambiguous name means, and for the address of an unknown one, before reading anything', async () => {
    const { asked, useCase } = setup([]);
    const which = await useCase.execute(ctx, withPeople(['Sam']));
    expect(which.outcome).toBe('ambiguous');
    expect(which.result).toMatchObject({ type: 'people', name: 'Sam' });
    const unknown = await useCase.execute(ctx, withPeople(['Zed']));
    expect(unknown).toMatchObject({ outcome: 'incomplete' });
    expect(unknown.reply).toContain('"Zed"');
    expect(asked).toEqual([]);
  });

  it('a check across a DST change reads the window in wall-clock time', async () => {
    // Sunday 2027-03-14: New York springs forward at 02:00; 09:00 local is 13:00Z (EDT).
    const { useCase } = setup([], [], {
      'sam@example.com': [['2027-03-14T13:00:00Z', '2027-03-14T13:30:00Z']],
    });
    const res = await useCase.execute(ctx, {
      ...plan,
      window: { from: '2027-03-14T09:00:00-04:00', to: '2027-03-14T10:00:00-04:00' },
      attendees: ['sam@example.com'],
    });
    expect(res.reply).toMatch(/^No — sam@example\.com is busy 9:00 AM – 9:30 AM\./);
  });
});
