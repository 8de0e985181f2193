import type { CalendarAccessService, VisibleCalendar } from '@app/calendar';
import type { Plan } from '../../plan/plan.schema';
import type { ExecutionContext } from '../execution';
import type { FreeSlotFinder, FreeSlotSearch, SlotOwner } from '../free-slots';
import { matchName, PeopleResolver } from '../people-resolver';
import { FindFreeUseCase } from './find-free.use-case';

const user = {
  id: '6650f1a2c3d4e5f6a7b8c9d0',
  email: 'me@example.com',
  timeZone: 'Europe/London',
  workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
};
const ctx = { user, now: new Date('2027-06-01T08:00:00Z'), text: 'find time with Priya' } as ExecutionContext;
const plan = (attendees?: string[]): Plan => ({
  intent: 'find_free',
  event: null,
  target: null,
  window: { from: '2027-06-02T00:00:00+01:00', to: '2027-06-03T00:00:00+01:00' },
  durationMinutes: 30,
  ...(attendees ? { attendees } : {}),
});
const shared = (name: string, email: string, id: string) =>
  ({
    calendar: { _id: id, ownerId: id, ownerEmail: email, name, primary: true },
    role: 'freeBusyReader',
  }) as unknown as VisibleCalendar;

/** Fakes that fail on anything unexpected. */
function setup(visible: VisibleCalendar[]) {
  const calls: { owner: SlotOwner; search: FreeSlotSearch }[] = [];
  const finder: FreeSlotFinder = {
    findSlots: (owner, search) => {
      calls.push({ owner, search });
      return Promise.resolve({
        slots: [{ start: new Date('2027-06-02T09:00:00Z'), end: new Date('2027-06-02T09:30:00Z') }],
        reason: null,
        notVisible: search.attendees?.filter((e) => e.startsWith('hidden')) ?? [],
      });
    },
  };
  const access = {
    visible: (caller: { id: string }) => {
      expect(caller.id).toBe(user.id);
      return Promise.resolve(visible);
    },
  } as unknown as CalendarAccessService;
  return { calls, useCase: new FindFreeUseCase(finder, new PeopleResolver(access)) };
}

describe('find_free with people', () => {
  it('matches a name to one person by full or first name, case-insensitively', () => {
    const people = [
      { name: 'Priya Patel', email: 'priya@example.com' },
      { name: 'Sam Lee', email: 'sam@example.com' },
      { name: 'Sam Ray', email: 'ray@example.com' },
    ];
    expect(matchName('priya', people).map((p) => p.email)).toEqual(['priya@example.com']);
    expect(matchName('Sam  Lee', people).map((p) => p.email)).toEqual(['sam@example.com']);
    expect(matchName('Sam', people)).toHaveLength(2);
    expect(matchName('Lee', people)).toEqual([]);
  });

  it('passes named people and addresses as attendees and names them in the reply', async () => {
    const { calls, useCase } = setup([
      shared('Priya Patel', 'priya@example.com', '6650f1a2c3d4e5f6a7b8c9d1'),
      shared('My own', 'me@example.com', user.id),
    ]);
    const res = await useCase.execute(ctx, plan(['Priya', 'Hidden@Example.com']));
    expect(calls).toHaveLength(1);
    expect(calls[0].owner).toMatchObject({ id: user.id, email: user.email, timeZone: 'Europe/London' });
    expect(calls[0].search.attendees).toEqual(['priya@example.com', 'hidden@example.com']);
    expect(res.outcome).toBe('ok');
    expect(res.reply).toMatch(/^You, Priya and Hidden@Example.com are free for 30 minutes/);
    expect(res.reply).toContain("I can't see the calendar of hidden@example.com");
  });

  it('asks instead of guessing when a name is unknown or ambiguous, and searches nothing', async () => {
    const { calls, useCase } = setup([
      shared('Sam Lee', 'sam@example.com', '6650f1a2c3d4e5f6a7b8c9d2'),
      shared('Sam Ray', 'ray@example.com', '6650f1a2c3d4e5f6a7b8c9d3'),
    ]);
    const res = await useCase.execute(ctx, plan(['Sam', 'Zed']));
    expect(res.outcome).toBe('incomplete');
    expect(res.reply).toContain('"Zed", "Sam"');
    expect(calls).toEqual([]);
  });

  it('without people, searches the caller alone as before', async () => {
    const { calls, useCase } = setup([]);
    const res = await useCase.execute(ctx, plan());
    expect(calls[0].search.attendees).toEqual([]);
    expect(res.reply).toMatch(/^You're free for 30 minutes/);
  });
});
