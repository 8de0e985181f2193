import type { ContactResponse, ContactsService } from '@app/calendar';
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
const shared = (name: string, email: string, _id?: string): ContactResponse => ({
  name,
  email,
  sources: ['calendar'],
});

/** Fakes that fail on anything unexpected. */
function setup(visible: ContactResponse[]) {
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
    freeBusy: () => Promise.reject(new Error('find_free reads no free/busy')),
  };
  const contacts = {
    all: (caller: { id: string }) => {
      expect(caller.id).toBe(user.id);
      return Promise.resolve(visible);
    },
  } as unknown as ContactsService;
  return { calls, useCase: new FindFreeUseCase(finder, new PeopleResolver(contacts)) };
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
      shared('Hilda Hidden', 'hidden-hilda@example.com'),
    ]);
    const res = await useCase.execute(ctx, plan(['Priya', 'Hidden@Example.com', 'Hilda']));
    expect(calls).toHaveLength(1);
    expect(calls[0].owner).toMatchObject({ id: user.id, email: user.email, timeZone: 'Europe/London' });
    expect(calls[0].search.attendees).toEqual([
      'priya@example.com',
      'hidden@example.com',
      'hidden-hilda@example.com',
    ]);
    expect(res.outcome).toBe('ok');
    expect(res.reply).toMatch(/^You, Priya, Hidden@Example.com and Hilda are free for 30 minutes/);
    expect(res.reply).toContain(
      "I can't see the calendar of hidden@example.com and Hilda (hidden-hilda@example.com), so they are all left out.",
    );
    expect(res.result).toMatchObject({
      notVisible: ['hidden@example.com', 'hidden-hilda@example.com'],
    });
  });

  it('asks instead of guessing when a name is unknown or ambiguous, and searches nothing', async () => {
    const { calls, useCase } = setup([
      shared('Sam Lee', 'sam@example.com', '6650f1a2c3d4e5f6a7b8c9d2'),
      shared('Sam Ray', 'ray@example.com', '6650f1a2c3d4e5f6a7b8c9d3'),
    ]);
    const res = await useCase.execute(ctx, plan(['Sam', 'Zed']));
    expect(res.outcome).toBe('ambiguous');
    expect(res.reply).toBe(
      'Which "Sam" do you mean? 1. Sam Lee <sam@example.com>; 2. Sam Ray <ray@example.com>. Answer with a number or ' +
        'their email address. I also don\'t know "Zed"; give me their email address.',
    );
    expect(res.result).toEqual({
      type: 'people',
      name: 'Sam',
      choices: [
        { name: 'Sam Lee', email: 'sam@example.com' },
        { name: 'Sam Ray', email: 'ray@example.com' },
      ],
    });
    expect(calls).toEqual([]);
    const unknown = await useCase.execute(ctx, plan(['Zed']));
    expect(unknown).toEqual({
      reply: 'I don\'t know who "Zed" is; give me their email address.',
      outcome: 'incomplete',
    });
  });

  it('without people, searches the caller alone as before', async () => {
    const { calls, useCase } = setup([]);
    const res = await useCase.execute(ctx, plan());
    expect(calls[0].search.attendees).toEqual([]);
    expect(res.reply).toMatch(/^You're free for 30 minutes/);
  });
});
