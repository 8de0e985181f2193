import type { EventQueryService, EventService, SeriesOccurrence } from '@app/calendar';
import type { ChangesetDraft, ChangesetService } from '../../changesets/changeset.service';
import type { Plan } from '../../plan/plan.schema';
import type { ChangePreviewer } from '../change-preview';
import type { ExecutionContext } from '../execution';
import type { TargetFinder } from '../target-finder';
import { CancelUseCase, MAX_BULK_CANCEL } from './cancel.use-case';

const ZONE = 'Europe/London';
const user = {
  id: '6650f1a2c3d4e5f6a7b8c9d0',
  email: 'me@example.com',
  timeZone: ZONE,
  workingHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
};
const ctx = {
  user,
  now: new Date('2027-06-01T08:00:00Z'),
  text: 'cancel all my meetings on Friday',
  interpretation: { interpreter: 'offline', model: null, toolCallIds: [], fallbackReason: null },
} as unknown as ExecutionContext;
const bulk = (title: string | null): Plan => ({
  intent: 'cancel',
  event: null,
  target: {
    title,
    start: null,
    from: '2027-06-04T00:00:00+01:00',
    to: '2027-06-05T00:00:00+01:00',
    all: true,
  },
  window: null,
  durationMinutes: null,
});

function occurrence(id: string, title: string, hour: number, recurring = false): SeriesOccurrence {
  const start = new Date(Date.UTC(2027, 5, 4, hour - 1, 0));
  const end = new Date(start.getTime() + 30 * 60_000);
  return {
    occurrence: {
      seriesId: id,
      originalStart: start,
      start,
      end,
      allDay: false,
      overridden: false,
      fields: {},
    },
    series: {
      id,
      start,
      end,
      timeZone: ZONE,
      recurrence: recurring ? 'FREQ=DAILY' : null,
      fields: { title },
    },
    calendarId: user.id,
  } as unknown as SeriesOccurrence;
}

function setup(occurrences: SeriesOccurrence[]) {
  const drafts: ChangesetDraft[] = [];
  const queries = {
    occurrences: (ids: string[], from: Date, to: Date) => {
      expect(ids).toEqual([user.id]);
      expect([from.toISOString(), to.toISOString()]).toEqual([
        '2027-06-03T23:00:00.000Z',
        '2027-06-04T23:00:00.000Z',
      ]);
      return Promise.resolve(occurrences);
    },
  } as unknown as EventQueryService;
  const events = {
    get: (_me: unknown, id: string) => Promise.resolve({ id, version: id === 'standup' ? 7 : 1 }),
  } as unknown as EventService;
  const changesets = {
    preview: (_me: unknown, draft: ChangesetDraft) => {
      drafts.push(draft);
      return Promise.resolve({ changeset: { id: 'cs1', state: 'previewed' }, token: 'tok' });
    },
  } as unknown as ChangesetService;
  const never = {} as TargetFinder & ChangePreviewer;
  return { drafts, useCase: new CancelUseCase(never, never, queries, events, changesets) };
}

describe('bulk cancel (target.all)', () => {
  it('previews every event of the span in ONE changeset, applying nothing', async () => {
    const { drafts, useCase } = setup([
      occurrence('standup', 'Standup', 9, true),
      occurrence('review', 'Design review', 11),
      occurrence('lunch', 'Lunch with Sam', 13),
    ]);
    const res = await useCase.execute(ctx, bulk(null));
    expect(res.outcome).toBe('preview');
    expect(res.changeset).toMatchObject({ id: 'cs1', token: 'tok' });
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      kind: 'cancel',
      occurrences: 3,
      summary: 'Cancel 3 events on Fri, Jun 4',
    });
    expect(drafts[0].items.map((i) => [i.eventId, i.scope, i.previewVersion, i.after])).toEqual([
      ['standup', 'this', 7, null],
      ['review', 'all', 1, null],
      ['lunch', 'all', 1, null],
    ]);
    expect(drafts[0].items[0].occurrenceStart).toEqual(new Date('2027-06-04T08:00:00Z'));
    expect(res.reply).toBe(
      'Cancel 3 events on Fri, Jun 4: “Standup” Fri, Jun 4, 9:00 AM – 9:30 AM; “Design review” Fri, Jun 4, ' +
        '11:00 AM – 11:30 AM; “Lunch with Sam” Fri, Jun 4, 1:00 PM – 1:30 PM? Confirm within 5 minutes to apply.',
    );
  });

  it('with words naming the events, only those', async () => {
    const { drafts, useCase } = setup([
      occurrence('standup', 'Standup', 9, true),
      occurrence('review', 'Design review', 11),
    ]);
    await useCase.execute(ctx, bulk('reviews'));
    expect(drafts[0].items.map((i) => i.title)).toEqual(['Design review']);
  });

  it(`refuses more than ${MAX_BULK_CANCEL}, with the count, and previews nothing`, async () => {
    const many = Array.from({ length: MAX_BULK_CANCEL + 1 }, (_, i) => occurrence(`e${i}`, `Slot ${i}`, 9));
    const { drafts, useCase } = setup(many);
    const res = await useCase.execute(ctx, bulk(null));
    expect(res).toEqual({
      reply: `That would cancel 51 events on Fri, Jun 4; I cancel at most 50 at once. Name a shorter span or fewer events.`,
      outcome: 'refused',
    });
    expect(drafts).toEqual([]);
  });

  it('exactly 50 is previewed', async () => {
    const fifty = Array.from({ length: MAX_BULK_CANCEL }, (_, i) => occurrence(`e${i}`, `Slot ${i}`, 9));
    const { drafts, useCase } = setup(fifty);
    expect((await useCase.execute(ctx, bulk(null))).outcome).toBe('preview');
    expect(drafts[0].items).toHaveLength(50);
  });

  it('refuses without a bounded span, and says when nothing matches', async () => {
    const { useCase } = setup([]);
    const unbounded = await useCase.execute(ctx, {
      ...bulk(null),
      target: { title: null, start: null, from: null, to: null, all: true },
    });
    expect(unbounded.outcome).toBe('refused');
    const none = await useCase.execute(ctx, bulk('yoga'));
    expect(none).toEqual({
      reply: 'You have no “yoga” on Fri, Jun 4; nothing to cancel.',
      outcome: 'not_found',
    });
  });
});
