import type { EventQueryService, SeriesOccurrence } from '@app/calendar';
import type { Plan } from '../../plan/plan.schema';
import type { ExecutionContext } from '../execution';
import type { FreeSlotFinder, FreeSlotSearch } from '../free-slots';
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

function setup(occurrences: SeriesOccurrence[], free: [string, string][] = []) {
  const searches: FreeSlotSearch[] = [];
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
  };
  return { searches, useCase: new CheckUseCase(queries, finder) };
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
