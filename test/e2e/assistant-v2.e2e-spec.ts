import type {
  AssistantMessageRequest,
  AssistantMessageResponseDto,
  ChangesetConfirmRequest,
  ChangesetOutcomeDto,
  ExecutionResult,
  Plan,
} from '@app/assistant';
import type {
  AclRuleCreateDto,
  ContactListResponseDto,
  EventResponseDto,
  EventWriteResponseDto,
  OccurrencePageDto,
} from '@app/calendar';
import { LAST_EVENT_TTL_SECONDS, RedisService } from '@app/cache';
import { DateTime } from 'luxon';
import { PlanExecutor } from '../../libs/assistant/src/executor/plan.executor';
import type { AssistantUser } from '../../libs/assistant/src/executor/execution';
import { localDay, wallClock } from '../support/local-time';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const ZONE = 'America/New_York';
const HOURS = { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '20:00' };

/** A local date `days` from today in the zone. */
const day = (days: number) => localDay(ZONE, days);
const at = wallClock;
/** The `YYYY-MM-DDTHH:mm` part of a local ISO string. */
const local = (iso: string) => iso.slice(0, 16);

/** The id of the event a message created. */
const createdId = (res: { body: AssistantMessageResponseDto }) => {
  expect(res.body.result?.type).toBe('created');
  return String((res.body.result as { event: { id: string } } | undefined)?.event.id);
};

/** A plan with every v1 key present and the given fields set. */
const plan = (p: Partial<Plan> & Pick<Plan, 'intent'>): Plan => ({
  event: null,
  target: null,
  window: null,
  durationMinutes: null,
  ...p,
});

/**
 * Issue 17's executor end to end against real FerretDB and Redis: contacts, undo of every applied
 * change, idempotent messages through POST /v1/assistant/messages; and the version-2 intents
 * (check, shift, invite, bulk cancel, undo, follow-ups) by handing plans to the running app's
 * executor, until the interpreter produces them from text.
 */
describe('assistant v2 executor end-to-end against real FerretDB and Redis', () => {
  let api: TestApi;
  /** A second API replica on the same database and Redis. */
  let replica: TestApi;
  let executor: PlanExecutor;

  beforeAll(async () => {
    const config = await testConfig();
    [api, replica] = await Promise.all([startTestApi(config), startTestApi(config)]);
    executor = api.app.get(PlanExecutor, { strict: false });
  });
  afterAll(() => Promise.all([api?.close(), replica?.close()]));

  const asAssistant = (u: TestUser): AssistantUser => ({
    id: u.id,
    email: u.email,
    timeZone: ZONE,
    workingHours: HOURS,
  });
  /** Carries a plan out for the user, as a message the interpreter understood so would. */
  const run = (u: TestUser, p: Plan, text = 'test request'): Promise<ExecutionResult> =>
    executor.execute({
      user: asAssistant(u),
      now: new Date(),
      text,
      interpretation: { plan: p, interpreter: 'offline', model: null, toolCallIds: [], fallbackReason: null },
    });
  const say = (u: TestUser, text: string, headers: Record<string, string> = {}, on: TestApi = api) =>
    on.request<AssistantMessageResponseDto>('/v1/assistant/messages', {
      method: 'POST',
      token: u.token,
      headers,
      json: { text } satisfies AssistantMessageRequest,
    });
  const confirm = (u: TestUser, id: string, token: string) =>
    api.request<ChangesetOutcomeDto>(`/v1/changesets/${id}/confirm`, {
      method: 'POST',
      token: u.token,
      json: { token } satisfies ChangesetConfirmRequest,
    });
  const undo = (u: TestUser, id: string) =>
    api.request<ChangesetOutcomeDto>(`/v1/changesets/${id}/undo`, { method: 'POST', token: u.token });
  const getEvent = (u: TestUser, id: string) =>
    api.request<EventResponseDto>(`/v1/events/${id}`, { token: u.token });
  async function createEvent(u: TestUser, json: Record<string, unknown>): Promise<EventResponseDto> {
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: u.token,
      json,
    });
    expect(res.status).toBe(201);
    return res.body.event;
  }
  async function shareWith(
    owner: TestUser,
    grantee: TestUser,
    role: AclRuleCreateDto['role'] = 'freeBusyReader',
  ) {
    const res = await api.request('/v1/calendars/primary/acl', {
      method: 'POST',
      token: owner.token,
      json: { email: grantee.email, role } satisfies AclRuleCreateDto,
    });
    expect(res.status).toBe(201);
  }
  const contacts = (u: TestUser, q?: string) =>
    api.request<ContactListResponseDto>(
      `/v1/contacts${q !== undefined ? `?q=${encodeURIComponent(q)}` : ''}`,
      {
        token: u.token,
      },
    );

  it('GET /v1/contacts lists whom you share calendars and meetings with and whom you invited, filtered by q', async () => {
    const me = await registerUser(api, { name: 'Alice Ames', timeZone: ZONE });
    const sam = await registerUser(api, { name: 'Sam Lee', timeZone: ZONE });
    const priya = await registerUser(api, { name: 'Priya Patel', timeZone: ZONE });
    const org = await registerUser(api, { name: 'Olga Organizer', timeZone: ZONE });
    const stranger = await registerUser(api, { name: 'Sam Stranger', timeZone: ZONE });
    await shareWith(me, sam); // I share with Sam
    await shareWith(priya, me); // Priya shares with me
    await createEvent(me, {
      title: 'Partner call',
      start: at(day(2), '10:00'),
      attendees: ['ext@partner.example'],
    });
    await createEvent(org, {
      title: 'Offsite',
      start: at(day(3), '10:00'),
      attendees: [me.email, 'guest@other.example'],
    });
    await createEvent(stranger, { title: 'Not with me', start: at(day(2), '10:00') });

    const all = await contacts(me);
    expect(all.status).toBe(200);
    expect(all.body.items).toEqual([
      { email: org.email, name: 'Olga Organizer', sources: ['meeting'] },
      { email: priya.email, name: 'Priya Patel', sources: ['calendar'] },
      { email: sam.email, name: 'Sam Lee', sources: ['calendar'] },
      { email: 'ext@partner.example', name: null, sources: ['invited'] },
      { email: 'guest@other.example', name: null, sources: ['meeting'] },
    ]);
    expect((await contacts(me, 'SAM')).body.items.map((c) => c.email)).toEqual([sam.email]);
    expect((await contacts(me, 'partner.example')).body.items.map((c) => c.email)).toEqual([
      'ext@partner.example',
    ]);
    expect((await contacts(me, 'nobody-like-this')).body.items).toEqual([]);
    // Sam sees me (I share with him); a stranger knows no one.
    expect((await contacts(sam)).body.items.map((c) => c.email)).toEqual([me.email]);
    expect((await contacts(stranger)).body.items).toEqual([]);

    const long = await contacts(me, 'x'.repeat(201));
    expect(long.status).toBe(400);
    expect((long.body as unknown as ApiErrorBody).error.message).toMatch(/q/);
    expect((await api.request('/v1/contacts')).status).toBe(401);
  });

  it('a create through POST /v1/assistant/messages is a changeset: POST /v1/changesets/{id}/undo deletes it', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    const res = await say(me, 'Lunch with the team tomorrow at noon');
    expect(res.status).toBe(200);
    expect(res.body.changeset).toMatchObject({
      kind: 'create',
      state: 'confirmed',
      undoUntil: expect.any(String),
    });
    const eventId = createdId(res);
    expect(res.body.changeset?.items[0]).toMatchObject({ eventId, before: null });
    expect((await getEvent(me, eventId)).status).toBe(200);

    const undone = await undo(me, res.body.changeset?.id as string);
    expect(undone.status).toBe(200);
    expect(undone.body.changeset.state).toBe('undone');
    expect(undone.body.reply).toMatch(/^Undone: removed “Lunch with the team”/);
    expect((await getEvent(me, eventId)).status).toBe(404);
    expect((await undo(me, res.body.changeset?.id as string)).status).toBe(409);
  });

  it('undo is refused with the reason when the event changed since, and nothing is reverted', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    const res = await say(me, 'Dentist tomorrow at 3pm');
    const eventId = createdId(res);
    const edited = await api.request(`/v1/events/${eventId}`, {
      method: 'PATCH',
      token: me.token,
      json: { title: 'Dentist (moved room)' },
    });
    expect(edited.status).toBe(200);
    const refused = await undo(me, res.body.changeset?.id as string);
    expect(refused.status).toBe(412);
    expect((refused.body as unknown as ApiErrorBody).error.message).toMatch(
      /changed after this change was applied/,
    );
    expect((await getEvent(me, eventId)).body.title).toBe('Dentist (moved room)');

    // The undo intent says the same in words.
    const viaAssistant = await run(me, plan({ intent: 'undo' }), 'undo');
    expect(viaAssistant.outcome).toBe('refused');
    expect(viaAssistant.reply).toMatch(/^I can't undo the last change \(Create “Dentist”.*changed after/);
    expect((await getEvent(me, eventId)).status).toBe(200);
  });

  it('a retried message with the same Idempotency-Key is answered again without a second event', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    const key = `retry-${me.id}`;
    const first = await say(me, 'Yoga tomorrow at 7am', { 'idempotency-key': key });
    const again = await say(me, 'Yoga tomorrow at 7am', { 'idempotency-key': key });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const from = encodeURIComponent(day(0).toISO() as string);
    const to = encodeURIComponent(day(3).toISO() as string);
    const list = await api.request<OccurrencePageDto>(`/v1/events?from=${from}&to=${to}`, {
      token: me.token,
    });
    expect(list.body.items.filter((o) => o.title === 'Yoga')).toHaveLength(1);
  });

  it('check answers yes or no first, then the nearest free time', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    const d = day(3);
    await createEvent(me, { title: 'Design review', start: at(d, '14:00'), end: at(d, '15:00') });
    const busy = await run(
      me,
      plan({ intent: 'check', window: { from: at(d, '14:00'), to: at(d, '15:00') } }),
    );
    expect(busy.reply).toMatch(
      /^No — you have “Design review” .*2:00 PM – 3:00 PM\. You're free at .*1:00 PM, .*3:00 PM/,
    );
    expect(busy.result).toMatchObject({ type: 'check', free: false, busy: [{ title: 'Design review' }] });
    const alternatives = (busy.result as { alternatives: { startLocal: string }[] }).alternatives;
    // Right before and right after are the nearest.
    expect(alternatives.slice(0, 2).map((a) => local(a.startLocal))).toEqual([
      local(at(d, '13:00')),
      local(at(d, '15:00')),
    ]);
    const free = await run(
      me,
      plan({ intent: 'check', window: { from: at(d, '16:00'), to: at(d, '17:00') } }),
    );
    expect(free.reply).toMatch(/^Yes — you're free .*4:00 PM – 5:00 PM\.$/);
  });

  it('a move by a shift keeps the duration and the wall-clock time across DST, only after confirmation', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    // The Wednesday before the US spring-forward Sunday of next year, 09:00–09:45 local.
    let sunday = DateTime.fromObject({ year: DateTime.now().year + 1, month: 3, day: 8 }, { zone: ZONE });
    while (sunday.weekday !== 7) sunday = sunday.plus({ days: 1 });
    const wednesday = sunday.minus({ days: 4 });
    const event = await createEvent(me, {
      title: 'Planning',
      start: at(wednesday, '09:00'),
      end: at(wednesday, '09:45'),
    });
    const res = await run(
      me,
      plan({
        intent: 'move',
        target: { title: 'planning', start: at(wednesday, '09:00'), from: null, to: null },
        shift: 'P1W',
      }),
    );
    expect(res.outcome).toBe('preview');
    const after = res.changeset?.items[0].after;
    expect(local(after?.startLocal ?? '')).toBe(local(at(wednesday.plus({ weeks: 1 }), '09:00')));
    expect(local(after?.endLocal ?? '')).toBe(local(at(wednesday.plus({ weeks: 1 }), '09:45')));
    expect((await getEvent(me, event.id)).body.version).toBe(1);
    const applied = await confirm(me, res.changeset?.id as string, res.changeset?.token as string);
    expect(applied.status).toBe(200);
    const moved = await getEvent(me, event.id);
    expect(DateTime.fromISO(moved.body.start, { zone: ZONE }).toFormat('HH:mm')).toBe('09:00');
  });

  it('invite resolves a name among your contacts, asks when it is ambiguous or unknown, and undo takes the guest off', async () => {
    const me = await registerUser(api, { name: 'Alice Ames', timeZone: ZONE });
    const sam = await registerUser(api, { name: 'Sam Lee', timeZone: ZONE });
    await shareWith(sam, me);
    const review = await createEvent(me, { title: 'Design review', start: at(day(2), '11:00') });
    const invite = (
      attendees: string[],
      target: Plan['target'] = { title: 'design review', start: null, from: null, to: null },
    ) => run(me, plan({ intent: 'invite', target, attendees }));

    const unknown = await invite(['Zed']);
    expect(unknown).toMatchObject({ outcome: 'incomplete', reply: expect.stringContaining('"Zed"') });

    const res = await invite(['Sam']);
    expect(res.outcome).toBe('ok');
    expect(res.reply).toBe(`Invited ${sam.email} to “Design review”.`);
    expect(res.changeset).toMatchObject({ kind: 'invite', state: 'confirmed' });
    const stored = await getEvent(me, review.id);
    expect(stored.body.attendees.map((a) => a.email)).toEqual([me.email, sam.email]);
    expect(stored.body.sequence).toBe(1);
    // Sam sees the invitation.
    expect((await getEvent(sam, review.id)).body.responseStatus).toBe('needsAction');

    // "invite x too": no event named, the one just discussed.
    const followUp = await invite(['ext@partner.example'], null);
    expect(followUp.reply).toBe('Invited ext@partner.example to “Design review”.');

    // Another Sam makes the name ambiguous: the assistant lists both.
    const otherSam = await registerUser(api, { name: 'Sam Ray', timeZone: ZONE });
    await shareWith(otherSam, me);
    const ambiguous = await invite(['Sam']);
    expect(ambiguous.outcome).toBe('ambiguous');
    expect(ambiguous.result).toEqual({
      type: 'people',
      name: 'Sam',
      choices: [
        { name: 'Sam Lee', email: sam.email },
        { name: 'Sam Ray', email: otherSam.email },
      ],
    });

    // The answer, through POST /v1/assistant/messages, continues the invite with the one picked.
    const answered = await say(me, '2');
    expect(answered.body).toMatchObject({
      outcome: 'ok',
      reply: `Invited ${otherSam.email} to “Design review”.`,
    });
    expect((await getEvent(me, review.id)).body.attendees.map((a) => a.email)).toEqual([
      me.email,
      sam.email,
      'ext@partner.example',
      otherSam.email,
    ]);

    // Undo reverts the latest applied change: the last invite.
    const undone = await run(me, plan({ intent: 'undo' }), 'undo');
    expect(undone.outcome).toBe('ok');
    expect((await getEvent(me, review.id)).body.attendees.map((a) => a.email)).toEqual([
      me.email,
      sam.email,
      'ext@partner.example',
    ]);
  });

  it('a create with attendees invites the people named', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    const priya = await registerUser(api, { name: 'Priya Patel', timeZone: ZONE });
    await shareWith(priya, me);
    const res = await run(
      me,
      plan({
        intent: 'create',
        event: {
          title: 'Lunch with Priya',
          start: at(day(2), '12:00'),
          end: at(day(2), '13:00'),
          allDay: false,
          recurrence: null,
          location: null,
          attendees: ['Priya', 'bob@partner.example'],
        },
      }),
    );
    expect(res.outcome).toBe('ok');
    const event = (res.result as { event: EventResponseDto }).event;
    expect(event.attendees.map((a) => a.email)).toEqual([me.email, priya.email, 'bob@partner.example']);
  });

  it('find_free with people names those whose free/busy you cannot see', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    const hidden = await registerUser(api, { name: 'Hugo Hidden', timeZone: ZONE });
    const res = await run(
      me,
      plan({
        intent: 'find_free',
        window: { from: at(day(2), '00:00'), to: at(day(3), '00:00') },
        durationMinutes: 30,
        attendees: [hidden.email],
      }),
    );
    expect(res.outcome).toBe('ok');
    expect(res.reply).toContain(`I can't see the calendar of ${hidden.email}`);
    expect(res.result).toMatchObject({ type: 'free_slots', notVisible: [hidden.email] });
  });

  it('a bulk cancel previews every event in one changeset, applies only when confirmed, and undo restores them all', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    const d = day(4);
    const standup = await createEvent(me, {
      title: 'Standup',
      start: at(d.minus({ days: 1 }), '09:00'),
      end: at(d.minus({ days: 1 }), '09:15'),
      recurrence: 'FREQ=DAILY;COUNT=3',
    });
    const review = await createEvent(me, { title: 'Design review', start: at(d, '11:00') });
    const other = await createEvent(me, { title: 'Next day', start: at(d.plus({ days: 1 }), '11:00') });
    const res = await run(
      me,
      plan({
        intent: 'cancel',
        target: {
          title: null,
          start: null,
          from: at(d, '00:00'),
          to: at(d.plus({ days: 1 }), '00:00'),
          all: true,
        },
      }),
      'cancel all my meetings on that day',
    );
    expect(res.outcome).toBe('preview');
    expect(res.changeset).toMatchObject({ kind: 'cancel', occurrences: 2, state: 'previewed' });
    expect(res.changeset?.items.map((i) => i.eventId)).toEqual([standup.id, review.id]);
    expect(res.reply).toMatch(
      /^Cancel 2 events on .*“Standup”.*“Design review”.*\? Confirm within 5 minutes/,
    );
    // Nothing applied yet.
    expect((await getEvent(me, review.id)).status).toBe(200);

    const applied = await confirm(me, res.changeset?.id as string, res.changeset?.token as string);
    expect(applied.status).toBe(200);
    expect((await getEvent(me, review.id)).status).toBe(404);
    expect((await getEvent(me, standup.id)).body.exdates).toHaveLength(1);
    expect((await getEvent(me, other.id)).status).toBe(200);

    const undone = await run(me, plan({ intent: 'undo' }), 'undo');
    expect(undone).toMatchObject({ outcome: 'ok', changeset: { state: 'undone' } });
    expect((await getEvent(me, review.id)).status).toBe(200);
    expect((await getEvent(me, standup.id)).body.exdates).toEqual([]);
  });

  it('follow-ups act on the event just discussed: "move it" by a shift, "make it 30 minutes"', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    const created = await say(me, 'Coffee break tomorrow at 10am');
    const eventId = createdId(created);
    const later = await run(
      me,
      plan({ intent: 'move', target: { title: 'it', start: null, from: null, to: null }, shift: 'PT30M' }),
    );
    expect(later.changeset?.items[0]).toMatchObject({ eventId });
    expect(local(later.changeset?.items[0].after?.startLocal ?? '')).toBe(local(at(day(1), '10:30')));
    const shorter = await run(me, plan({ intent: 'move', target: null, durationMinutes: 30 }));
    expect(shorter.changeset?.items[0]).toMatchObject({ eventId });
    expect(local(shorter.changeset?.items[0].after?.endLocal ?? '')).toBe(local(at(day(1), '10:30')));
  });

  it('the conversation lives in Redis with a TTL: a follow-up on another replica acts on the same event', async () => {
    const me = await registerUser(api, { timeZone: ZONE });
    const created = await say(me, 'Tea break tomorrow at 11am');
    const eventId = createdId(created);
    const ttl = await replica.app.get(RedisService).client.ttl(`assistant:last-event:${me.id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(LAST_EVENT_TTL_SECONDS);

    const moved = await say(me, 'move it to 4pm', {}, replica);
    expect(moved.status).toBe(200);
    expect(moved.body.changeset?.items[0]).toMatchObject({ eventId, title: 'Tea break' });
    expect(local(moved.body.changeset?.items[0].after?.startLocal ?? '')).toBe(local(at(day(1), '16:00')));
  });
  describe('every version-2 intent from plain text through POST /v1/assistant/messages', () => {
    /** A weekday far enough ahead that "on <Weekday>" names it (convention 6: strictly after today). */
    const ahead = day(3);
    const weekday = ahead.setLocale('en-US').toFormat('cccc');

    it('check: "Am I free <day> at 2?" answers no with the meeting, then yes for a free hour', async () => {
      const me = await registerUser(api, { timeZone: ZONE });
      await createEvent(me, { title: 'Design review', start: at(ahead, '14:00'), end: at(ahead, '15:00') });
      const busy = await say(me, `Am I free on ${weekday} at 2?`);
      expect(busy.status).toBe(200);
      expect(busy.body.plan).toMatchObject({ intent: 'check' });
      expect(busy.body.reply).toMatch(/^No — you have “Design review”/);
      const free = await say(me, `Am I free on ${weekday} at 4?`);
      expect(free.body.reply).toMatch(/^Yes — you're free/);
      expect(free.body.changeset ?? null).toBeNull();
    });

    it('check with people: "Am I free with Priya …" says Priya is busy (times only, never her titles); a hidden calendar is named', async () => {
      const me = await registerUser(api, { timeZone: ZONE });
      const priya = await registerUser(api, { name: 'Priya Patel', timeZone: ZONE });
      const hugo = await registerUser(api, { name: 'Hugo Hidden', timeZone: ZONE });
      await shareWith(priya, me); // Priya lets me see her free/busy
      await shareWith(me, hugo); // Hugo is a contact, but his calendar is not shared with me
      await createEvent(priya, {
        title: 'Priya private offsite',
        start: at(ahead, '14:00'),
        end: at(ahead, '15:00'),
      });
      await createEvent(hugo, { title: 'Hugo busy', start: at(ahead, '16:00'), end: at(ahead, '17:00') });

      const busy = await say(me, `Am I free with Priya on ${weekday} at 2?`);
      expect(busy.status).toBe(200);
      expect(busy.body.plan).toMatchObject({ intent: 'check', attendees: ['Priya'] });
      expect(busy.body.reply).toMatch(/^No — Priya is busy 2:00 PM – 3:00 PM\. You're all free at /);
      expect(busy.body.reply).not.toContain('offsite');
      expect(busy.body.result).toMatchObject({
        type: 'check',
        free: false,
        busy: [],
        people: [{ email: priya.email, busy: [{ start: new Date(at(ahead, '14:00')).toISOString() }] }],
        notVisible: [],
      });
      expect(JSON.stringify(busy.body)).not.toContain('Priya private');

      const free = await say(me, `Is Priya free at 4 on ${weekday}?`);
      expect(free.body.plan).toMatchObject({ intent: 'check', attendees: ['Priya'] });
      expect(free.body.reply).toMatch(/^Yes — you and Priya are free .*4:00 PM – 5:00 PM\.$/);

      // Hugo is busy then, but his calendar is not visible: he is named, never answered for.
      const hidden = await say(me, `Is Hugo free at 4 on ${weekday}?`);
      expect(hidden.body.plan).toMatchObject({ intent: 'check', attendees: ['Hugo'] });
      expect(hidden.body.reply).toContain(
        `I can't see the calendar of Hugo (${hugo.email}), so I can't tell whether they are free.`,
      );
      expect(hidden.body.result).toMatchObject({ type: 'check', notVisible: [hugo.email], people: [] });
      expect(hidden.body.changeset ?? null).toBeNull();
    });

    it('follow-up "make it 30 minutes": keeps the start, ends 30 minutes later, only after confirmation', async () => {
      const me = await registerUser(api, { timeZone: ZONE });
      const eventId = createdId(await say(me, 'Coffee break tomorrow at 10am'));
      const res = await say(me, 'make it 30 minutes');
      expect(res.body.plan).toMatchObject({ intent: 'move', event: null, target: null, durationMinutes: 30 });
      expect(res.body.changeset).toMatchObject({ kind: 'move', state: 'previewed' });
      expect(res.body.changeset?.items[0]).toMatchObject({ eventId, title: 'Coffee break' });
      expect(Date.parse((await getEvent(me, eventId)).body.end)).toBe(Date.parse(at(day(1), '11:00')));
      await confirm(me, res.body.changeset?.id as string, res.body.changeset?.token as string);
      const event = (await getEvent(me, eventId)).body;
      expect(Date.parse(event.start)).toBe(Date.parse(at(day(1), '10:00')));
      expect(Date.parse(event.end)).toBe(Date.parse(at(day(1), '10:30')));
    });

    it('follow-up "move it to 4": the same day at 4 PM, keeping the length, then "invite Sam too" on the same event', async () => {
      const me = await registerUser(api, { timeZone: ZONE });
      const sam = await registerUser(api, { name: 'Sam Lee', timeZone: ZONE });
      await shareWith(me, sam);
      const eventId = createdId(await say(me, 'Planning tomorrow at 9am for 45 minutes'));
      const moved = await say(me, 'move it to 4');
      expect(moved.body.plan).toMatchObject({ intent: 'move' });
      expect(moved.body.changeset?.items[0]).toMatchObject({ eventId, title: 'Planning' });
      await confirm(me, moved.body.changeset?.id as string, moved.body.changeset?.token as string);
      const after = (await getEvent(me, eventId)).body;
      expect(Date.parse(after.start)).toBe(Date.parse(at(day(1), '16:00')));
      expect(Date.parse(after.end)).toBe(Date.parse(at(day(1), '16:45')));

      const invited = await say(me, 'invite Sam too');
      expect(invited.body.plan).toMatchObject({ intent: 'invite', target: null, attendees: ['Sam'] });
      expect(invited.body.changeset).toMatchObject({ kind: 'invite', state: 'confirmed' });
      expect(invited.body.result).toMatchObject({ type: 'invited', added: [sam.email] });
      expect((await getEvent(me, eventId)).body.attendees.map((a) => a.email)).toEqual([me.email, sam.email]);
    });

    it('a relative move: "Push the design review 30 minutes later" previews, and applies on confirm', async () => {
      const me = await registerUser(api, { timeZone: ZONE });
      const review = await createEvent(me, {
        title: 'Design review',
        start: at(ahead, '09:00'),
        end: at(ahead, '09:45'),
      });
      const res = await say(me, 'Push the design review 30 minutes later');
      expect(res.body.plan).toMatchObject({ intent: 'move', shift: 'PT30M' });
      expect(res.body.changeset).toMatchObject({ kind: 'move', state: 'previewed' });
      expect((await getEvent(me, review.id)).body.start).toBe(review.start);
      const applied = await confirm(
        me,
        res.body.changeset?.id as string,
        res.body.changeset?.token as string,
      );
      expect(applied.status).toBe(200);
      const moved = (await getEvent(me, review.id)).body;
      expect(Date.parse(moved.start)).toBe(Date.parse(at(ahead, '09:30')));
      expect(Date.parse(moved.end)).toBe(Date.parse(at(ahead, '10:15')));
    });

    it('invite: "Invite Sam to the design review" adds the one Sam the user knows; an unknown name asks and changes nothing', async () => {
      const me = await registerUser(api, { timeZone: ZONE });
      const sam = await registerUser(api, { name: 'Sam Lee', timeZone: ZONE });
      await shareWith(me, sam);
      const review = await createEvent(me, { title: 'Design review', start: at(ahead, '11:00') });
      const res = await say(me, `Invite Sam to the design review on ${weekday}`);
      expect(res.body.plan).toMatchObject({ intent: 'invite', attendees: ['Sam'] });
      expect(res.body.changeset).toMatchObject({ kind: 'invite', state: 'confirmed' });
      expect((await getEvent(me, review.id)).body.attendees.map((a) => a.email)).toEqual([
        me.email,
        sam.email,
      ]);

      const unknown = await say(me, 'Lunch with Zed tomorrow at noon');
      expect(unknown.body.plan).toMatchObject({ intent: 'create', event: { attendees: ['Zed'] } });
      expect(unknown.body.reply).toContain('"Zed"');
      const tomorrow = await api.request<OccurrencePageDto>(
        `/v1/events?from=${encodeURIComponent(at(day(1), '00:00'))}&to=${encodeURIComponent(at(day(2), '00:00'))}`,
        { token: me.token },
      );
      expect(tomorrow.body.items).toEqual([]);
    });

    it('a bulk cancel: "Cancel all my meetings on <day>" previews both, applies on confirm, and "undo" restores them', async () => {
      const me = await registerUser(api, { timeZone: ZONE });
      const first = await createEvent(me, { title: 'Design review', start: at(ahead, '10:00') });
      const second = await createEvent(me, { title: 'Budget sync', start: at(ahead, '15:00') });
      const kept = await createEvent(me, { title: 'Next day', start: at(ahead.plus({ days: 1 }), '10:00') });
      const res = await say(me, `Cancel all my meetings on ${weekday}`);
      expect(res.body.plan).toMatchObject({ intent: 'cancel', target: { all: true } });
      expect(res.body.changeset).toMatchObject({ kind: 'cancel', state: 'previewed' });
      expect(res.body.changeset?.items.map((i) => i.eventId).sort()).toEqual([first.id, second.id].sort());
      expect((await getEvent(me, first.id)).status).toBe(200);
      await confirm(me, res.body.changeset?.id as string, res.body.changeset?.token as string);
      expect((await getEvent(me, first.id)).status).toBe(404);
      expect((await getEvent(me, second.id)).status).toBe(404);
      expect((await getEvent(me, kept.id)).status).toBe(200);

      const undone = await say(me, 'undo that');
      expect(undone.body.plan).toMatchObject({ intent: 'undo' });
      expect(undone.body.changeset).toMatchObject({ state: 'undone' });
      expect((await getEvent(me, first.id)).status).toBe(200);
      expect((await getEvent(me, second.id)).status).toBe(200);
    });

    it('an unbounded bulk cancel ("delete all my events") is refused and removes nothing', async () => {
      const me = await registerUser(api, { timeZone: ZONE });
      const event = await createEvent(me, { title: 'Design review', start: at(ahead, '10:00') });
      const res = await say(me, 'delete all my events');
      expect(res.body.plan).toMatchObject({ intent: 'unknown' });
      expect(res.body.changeset ?? null).toBeNull();
      expect((await getEvent(me, event.id)).status).toBe(200);
    });

    it('undo of a create by text: "Dentist tomorrow at 3pm", then "never mind, put it back" removes it', async () => {
      const me = await registerUser(api, { timeZone: ZONE });
      const eventId = createdId(await say(me, 'Dentist tomorrow at 3pm'));
      const undone = await say(me, 'never mind, put it back');
      expect(undone.body.plan).toMatchObject({ intent: 'undo' });
      expect((await getEvent(me, eventId)).status).toBe(404);
    });
  });
});
