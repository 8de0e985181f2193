import {
  isBulkTarget,
  isPronoun,
  matchTarget,
  OccurrenceCandidate,
  pickChoice,
  titleTier,
} from './event-matcher';

const now = new Date('2026-03-02T14:00:00Z'); // Monday 09:00 in New York
let n = 0;
function occ(title: string, start: string, opts: Partial<OccurrenceCandidate> = {}): OccurrenceCandidate {
  const s = new Date(start);
  return {
    eventId: opts.eventId ?? `e${++n}`,
    occurrenceStart: s.toISOString(),
    recurring: false,
    overridden: false,
    title,
    start: s,
    end: new Date(s.getTime() + 3_600_000),
    allDay: false,
    ...opts,
  };
}
const q = (title: string | null, extra: Partial<{ start: Date; from: Date; to: Date }> = {}) => ({
  title,
  start: extra.start ?? null,
  from: extra.from ?? null,
  to: extra.to ?? null,
});

describe('event matching', () => {
  const dentist = occ('Dentist', '2026-03-04T15:00:00Z');
  const yogaTue = occ('Yoga', '2026-03-03T23:00:00Z');
  const hotYoga = occ('Hot yoga', '2026-03-05T23:00:00Z');
  const sync = occ('Sync with Sam', '2026-03-02T20:00:00Z'); // 15:00 New York
  const lunch = occ('Lunch with Sam', '2026-03-03T17:00:00Z');
  const all = [dentist, yogaTue, hotYoga, sync, lunch];

  it('matches titles case-insensitively by word overlap, ignoring filler and generic words', () => {
    expect(matchTarget(q('dentist appointment'), all, now)).toEqual({ kind: 'one', match: dentist });
    expect(matchTarget(q('DENTIST'), all, now)).toEqual({ kind: 'one', match: dentist });
    expect(matchTarget(q("the dentist's"), all, now)).toEqual({ kind: 'one', match: dentist });
    expect(matchTarget(q('dentst'), all, now)).toEqual({ kind: 'one', match: dentist }); // one typo
    expect(matchTarget(q('lunch with sam'), all, now)).toEqual({ kind: 'one', match: lunch });
  });

  it('prefers the exact title, and asks when several match equally', () => {
    expect(matchTarget(q('yoga'), all, now)).toEqual({ kind: 'one', match: yogaTue });
    expect(matchTarget(q('sam'), all, now)).toEqual({ kind: 'many', matches: [sync, lunch] });
  });

  it('says none when nothing matches', () => {
    expect(matchTarget(q('board meeting'), all, now)).toEqual({ kind: 'none' });
    expect(matchTarget(q('yoga'), [], now)).toEqual({ kind: 'none' });
  });

  it('matches target.start as an exact instant, with generic words then not required', () => {
    const start = new Date('2026-03-02T20:00:00Z');
    expect(matchTarget(q('meeting', { start }), all, now)).toEqual({ kind: 'one', match: sync });
    expect(matchTarget(q(null, { start }), all, now)).toEqual({ kind: 'one', match: sync });
    expect(matchTarget(q('dentist', { start }), all, now)).toEqual({ kind: 'none' });
    // "my 3pm meeting" read as tomorrow 15:00 still finds today's 15:00 when only that exists.
    expect(matchTarget(q('meeting', { start: new Date('2026-03-03T20:00:00Z') }), all, now)).toEqual({
      kind: 'one',
      match: sync,
    });
  });

  it('matches target.from/to as a window', () => {
    const from = new Date('2026-03-05T05:00:00Z');
    const to = new Date('2026-03-06T05:00:00Z');
    expect(matchTarget(q('yoga', { from, to }), all, now)).toEqual({ kind: 'one', match: hotYoga });
    expect(matchTarget(q('dentist', { from, to }), all, now)).toEqual({ kind: 'none' });
  });

  it('takes the next occurrence of a recurring series once, not every occurrence', () => {
    const standups = [0, 1, 2, 3].map((d) =>
      occ('Standup', new Date(Date.parse('2026-03-02T14:15:00Z') + d * 86_400_000).toISOString(), {
        eventId: 'series',
        recurring: true,
      }),
    );
    standups[0] = {
      ...standups[0],
      start: new Date('2026-03-01T14:15:00Z'),
      end: new Date('2026-03-01T14:30:00Z'),
    }; // over
    expect(matchTarget(q('standup'), standups, now)).toEqual({ kind: 'one', match: standups[1] });
    const from = new Date('2026-03-04T05:00:00Z');
    const to = new Date('2026-03-05T05:00:00Z');
    expect(matchTarget(q('standup', { from, to }), standups, now)).toEqual({
      kind: 'one',
      match: standups[2],
    });
  });

  it('prefers events that have not ended over past ones', () => {
    const past = occ('Yoga', '2026-03-01T23:00:00Z');
    expect(matchTarget(q('yoga'), [past, yogaTue], now)).toEqual({ kind: 'one', match: yogaTue });
  });

  it('leaves pronouns to the caller and spots bulk targets', () => {
    expect(isPronoun('it')).toBe(true);
    expect(isPronoun('That')).toBe(true);
    expect(isPronoun(null)).toBe(true);
    expect(isPronoun('yoga')).toBe(false);
    expect(matchTarget(q('it'), all, now)).toEqual({ kind: 'none' });
    expect(isBulkTarget('all my meetings')).toBe(true);
    expect(isBulkTarget('everything')).toBe(true);
    expect(isBulkTarget('yoga')).toBe(false);
  });

  it('grades titles', () => {
    expect(titleTier('Dentist', 'dentist')).toBe(3);
    expect(titleTier('team lunch', 'Team lunch with Ana')).toBe(2);
    expect(titleTier('team lunch', 'Team standup')).toBe(1);
    expect(titleTier('team lunch', 'Budget review')).toBe(0);
  });
});

describe('answers to "which one?"', () => {
  const candidates = [{ title: 'Yoga' }, { title: 'Hot yoga' }, { title: 'Yoga' }];
  const localTimes = [
    { time: '09:00', date: '2026-03-03' },
    { time: '15:00', date: '2026-03-03' },
    { time: '18:00', date: '2026-03-04' },
  ];
  const pick = (answer: string, answerTimes: string[] = [], answerDays: string[] = []) =>
    pickChoice(answer, candidates, { localTimes, answerTimes, answerDays });

  it('takes a number or an ordinal', () => {
    expect(pick('2')).toBe(1);
    expect(pick('#3')).toBe(2);
    expect(pick('number 1')).toBe(0);
    expect(pick('the second one')).toBe(1);
    expect(pick('the last one')).toBe(2);
    expect(pick('4')).toBeNull();
  });

  it('takes a time or a day that names exactly one', () => {
    expect(pick('the 3pm one', ['15:00'])).toBe(1);
    expect(pick('the one at 3', ['15:00', '03:00'])).toBe(1);
    expect(pick('Wednesday', [], ['2026-03-04'])).toBe(2);
    expect(pick('the 10am one', ['10:00'])).toBeNull();
  });

  it('takes words that name one title, and nothing when they name several', () => {
    expect(pick('the hot yoga')).toBe(1);
    expect(pick('yoga')).toBeNull();
    expect(pick('what is the weather')).toBeNull();
  });
});
