import { getModelToken } from '@nestjs/mongoose';
import type {
  AssistantMessageRequest,
  AssistantMessageResponseDto,
  ChangesetConfirmRequest,
  ChangesetOutcomeDto,
  ChangesetResponseDto,
  ExecutionResult,
  TimeResolutionDto,
  TimeResolveRequest,
} from '@app/assistant';
import type { EventResponseDto, EventWriteResponseDto, OccurrencePageDto } from '@app/calendar';
import { ChangesetDoc } from '@app/assistant';
import { DateTime } from 'luxon';
import type { Model } from 'mongoose';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi, TestResponse } from '../support/test-app';
import { registerUser, TestUser } from '../support/users';

const ZONE = 'America/New_York';

/** A local date `days` from today in the zone, and its English weekday. */
function day(days: number): { date: string; weekday: string } {
  const d = DateTime.now().setZone(ZONE).plus({ days });
  return { date: d.toISODate() as string, weekday: d.toFormat('cccc') };
}
/** A local wall-clock time on a date, as the events API takes it. */
const at = (date: string, hhmm: string) => `${date}T${hhmm}`;
/** The `YYYY-MM-DDTHH:mm` part of a local ISO string. */
const local = (iso: string) => iso.slice(0, 16);

/** The message's `result` (a loose record in the DTO) as the executor's union member of `type`. */
type AssistantResult = NonNullable<ExecutionResult['result']>;
function resultOf<K extends AssistantResult['type']>(
  res: TestResponse<AssistantMessageResponseDto>,
  type: K,
): Extract<AssistantResult, { type: K }> {
  expect(res.body.result?.type).toBe(type);
  return res.body.result as Extract<AssistantResult, { type: K }>;
}
/** The timing a previewed change's first item moves to (null for a cancel: then this fails). */
function afterOf(
  changeset: ChangesetResponseDto,
): NonNullable<ChangesetResponseDto['items'][number]['after']> {
  const after = changeset.items[0]?.after;
  if (!after)
    throw new Error(`the changeset's first item has no "after": ${JSON.stringify(changeset.items[0])}`);
  return after;
}
/** The error of a refused request. */
const errorOf = (res: TestResponse<unknown>) => (res.body as ApiErrorBody).error;

describe('assistant end-to-end against real FerretDB and Redis', () => {
  let api: TestApi;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    alice = await registerUser(api, { timeZone: ZONE });
    bob = await registerUser(api, { timeZone: ZONE });
  });
  afterAll(() => api?.close());

  const say = (user: TestUser, text: string) =>
    api.request<AssistantMessageResponseDto>('/v1/assistant/messages', {
      method: 'POST',
      token: user.token,
      json: { text } satisfies AssistantMessageRequest,
    });
  const confirm = (user: TestUser, id: string, token: string) =>
    api.request<ChangesetOutcomeDto>(`/v1/changesets/${id}/confirm`, {
      method: 'POST',
      token: user.token,
      json: { token } satisfies ChangesetConfirmRequest,
    });
  const undo = (user: TestUser, id: string) =>
    api.request<ChangesetOutcomeDto>(`/v1/changesets/${id}/undo`, { method: 'POST', token: user.token });
  const getEvent = (user: TestUser, id: string) =>
    api.request<EventResponseDto>(`/v1/events/${id}`, { token: user.token });
  async function createEvent(
    user: TestUser,
    title: string,
    start: string,
    end?: string,
  ): Promise<{ id: string; version: number }> {
    const res = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title, start, ...(end ? { end } : {}) },
    });
    expect(res.status).toBe(201);
    return res.body.event;
  }
  function expectPreview(
    res: TestResponse<AssistantMessageResponseDto>,
  ): ChangesetResponseDto & { token: string } {
    expect(res.status).toBe(200);
    expect(res.body.changeset).toMatchObject({
      state: 'previewed',
      id: expect.any(String),
      token: expect.any(String),
    });
    return res.body.changeset as ChangesetResponseDto & { token: string };
  }

  it('creates at once, answering with the event and its conflicts', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const tomorrow = day(1).date;
    const busy = await createEvent(user, 'Standup review', at(tomorrow, '12:30'));
    const res = await say(user, 'Lunch with the team tomorrow at noon');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      interpreter: 'offline',
      plan: { intent: 'create', event: { title: 'Lunch with the team' } },
    });
    // Applied at once, and recorded as a confirmed changeset (undoable).
    expect(res.body.changeset).toMatchObject({ kind: 'create', state: 'confirmed' });
    expect(res.body.changeset?.token).toBeUndefined();
    const created = resultOf(res, 'created');
    const event = created.event;
    expect(local(event.startLocal)).toBe(at(tomorrow, '12:00'));
    expect(local(event.endLocal)).toBe(at(tomorrow, '13:00'));
    expect(created.conflicts).toEqual([
      expect.objectContaining({ seriesId: busy.id, title: 'Standup review' }),
    ]);
    expect(res.body.reply).toContain('Lunch with the team');
    expect(res.body.reply).toContain('overlaps');
    expect((await getEvent(user, event.id)).status).toBe(200);
  });

  it('lists at once and summarises in a sentence', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const tomorrow = day(1).date;
    await createEvent(user, 'Dentist', at(tomorrow, '10:00'));
    await createEvent(user, 'Gym', at(tomorrow, '18:00'));
    await createEvent(user, 'Later thing', at(day(3).date, '10:00'));
    const res = await say(user, "What's on my calendar tomorrow?");
    expect(res.status).toBe(200);
    expect(res.body.plan.intent).toBe('list');
    expect(resultOf(res, 'events').items.map((o) => o.title)).toEqual(['Dentist', 'Gym']);
    expect(res.body.reply).toMatch(/^You have 2 events on .*“Dentist”.*“Gym”/);
    const empty = await say(user, `What do I have on ${day(5).weekday}?`);
    expect(resultOf(empty, 'events').items).toEqual([]);
    expect(empty.body.reply).toMatch(/^You have nothing/);
  });

  it('finds free time at once, inside working hours and around busy events', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const monday = DateTime.now().setZone(ZONE).startOf('week').plus({ weeks: 1 }).toISODate() as string;
    await createEvent(user, 'Workshop', at(monday, '09:00'), at(monday, '12:00'));
    const res = await say(user, 'Find me a free hour next Monday');
    expect(res.status).toBe(200);
    expect(res.body.plan).toMatchObject({ intent: 'find_free', durationMinutes: 60 });
    const slots = resultOf(res, 'free_slots').slots;
    expect(slots.length).toBeGreaterThan(0);
    expect(local(slots[0].startLocal)).toBe(at(monday, '12:00'));
    expect(local(slots[0].endLocal)).toBe(at(monday, '13:00'));
    expect(res.body.reply).toContain("You're free for 1 hour");
  });

  it('moves only after confirmation, and undoes the move', async () => {
    const target = day(3);
    const dentist = await createEvent(alice, 'Dentist', at(target.date, '10:00'));
    const res = await say(alice, `Move my dentist appointment to ${target.weekday} at 4pm`);
    const changeset = expectPreview(res);
    expect(res.body.plan.intent).toBe('move');
    expect(changeset).toMatchObject({ kind: 'move', occurrences: 1, conflicts: [] });
    expect(changeset.items[0]).toMatchObject({ eventId: dentist.id, title: 'Dentist' });
    expect(local(changeset.items[0].before?.startLocal ?? '')).toBe(at(target.date, '10:00'));
    expect(local(afterOf(changeset).startLocal)).toBe(at(target.date, '16:00'));
    expect(local(afterOf(changeset).endLocal)).toBe(at(target.date, '17:00')); // duration kept
    expect(changeset.diff[0]).toMatchObject({
      field: 'when',
      before: expect.stringContaining('10:00 AM'),
      after: expect.stringContaining('4:00 PM'),
    });
    // Nothing has run yet.
    expect((await getEvent(alice, dentist.id)).body).toMatchObject({ version: 1 });

    const applied = await confirm(alice, changeset.id, changeset.token);
    expect(applied.status).toBe(200);
    expect(applied.body.changeset).toMatchObject({ state: 'confirmed', undoUntil: expect.any(String) });
    expect(applied.body.changeset.token).toBeUndefined();
    const moved = await getEvent(alice, dentist.id);
    expect(local(moved.body.startLocal)).toBe(at(target.date, '16:00'));
    expect(moved.body.version).toBe(2);
    // A token works once.
    expect((await confirm(alice, changeset.id, changeset.token)).status).toBe(409);

    const undone = await undo(alice, changeset.id);
    expect(undone.status).toBe(200);
    expect(undone.body.changeset.state).toBe('undone');
    expect(local((await getEvent(alice, dentist.id)).body.startLocal)).toBe(at(target.date, '10:00'));
    expect((await undo(alice, changeset.id)).status).toBe(409);
  });

  it('a move that names only a day keeps the time of day; one that names only a time keeps the day', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const [from, to] = [day(2), day(4)];
    await createEvent(user, 'Gym session', at(from.date, '07:00'), at(from.date, '08:30'));
    const byDay = expectPreview(await say(user, `Move my gym session to ${to.weekday}`));
    expect(local(afterOf(byDay).startLocal)).toBe(at(to.date, '07:00'));
    expect(local(afterOf(byDay).endLocal)).toBe(at(to.date, '08:30'));
    const byTime = expectPreview(await say(user, 'Move my gym session to 6pm'));
    expect(local(afterOf(byTime).startLocal)).toBe(at(from.date, '18:00'));
  });

  it('cancels only after confirmation, and undo restores the event', async () => {
    const target = day(4);
    const yoga = await createEvent(alice, 'Yoga class', at(target.date, '18:00'));
    const changeset = expectPreview(await say(alice, 'Cancel my yoga class'));
    expect(changeset).toMatchObject({ kind: 'cancel', items: [{ eventId: yoga.id, after: null }] });
    expect((await getEvent(alice, yoga.id)).status).toBe(200);
    expect((await confirm(alice, changeset.id, changeset.token)).status).toBe(200);
    expect((await getEvent(alice, yoga.id)).status).toBe(404);
    const undone = await undo(alice, changeset.id);
    expect(undone.status).toBe(200);
    const back = await getEvent(alice, yoga.id);
    expect(back.status).toBe(200);
    expect(local(back.body.startLocal)).toBe(at(target.date, '18:00'));
  });

  it('cancels one occurrence of a recurring series, and undo brings it back', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const first = day(1).date;
    const series = await createEvent(user, 'Piano lesson', at(first, '17:00'));
    await api.request(`/v1/events/${series.id}`, {
      method: 'PATCH',
      token: user.token,
      json: { recurrence: 'FREQ=DAILY;COUNT=5' },
    });
    const changeset = expectPreview(await say(user, `Cancel the piano lesson on ${day(2).weekday}`));
    expect(changeset.items[0]).toMatchObject({ eventId: series.id, recurring: true });
    expect(local(changeset.items[0].before?.startLocal ?? '')).toBe(at(day(2).date, '17:00'));
    expect((await confirm(user, changeset.id, changeset.token)).status).toBe(200);
    const window = `/v1/events?from=${encodeURIComponent(DateTime.now().toISO() as string)}&to=${encodeURIComponent(DateTime.now().plus({ days: 8 }).toISO() as string)}`;
    const count = async () =>
      (await api.request<OccurrencePageDto>(window, { token: user.token })).body.items.length;
    expect(await count()).toBe(4);
    expect((await undo(user, changeset.id)).status).toBe(200);
    expect(await count()).toBe(5);
  });

  it('refuses a stale preview with 412 and applies nothing', async () => {
    const target = day(5);
    const review = await createEvent(alice, 'Budget review', at(target.date, '14:00'));
    const changeset = expectPreview(await say(alice, `Move the budget review to ${target.weekday} at 11am`));
    const edit = await api.request(`/v1/events/${review.id}`, {
      method: 'PATCH',
      token: alice.token,
      json: { location: 'Room 4' },
    });
    expect(edit.status).toBe(200);
    const res = await confirm(alice, changeset.id, changeset.token);
    expect(res.status).toBe(412);
    expect(errorOf(res).code).toBe('precondition_failed');
    const after = await getEvent(alice, review.id);
    expect(local(after.body.startLocal)).toBe(at(target.date, '14:00'));
    expect(after.body.version).toBe(2);
    expect(
      (await api.request<ChangesetResponseDto>(`/v1/changesets/${changeset.id}`, { token: alice.token })).body
        .state,
    ).toBe('stale');
  });

  it('answers 410 for an expired token', async () => {
    const target = day(6);
    const event = await createEvent(alice, 'Call with the bank', at(target.date, '09:30'));
    const changeset = expectPreview(
      await say(alice, `Move the call with the bank to ${target.weekday} at 3pm`),
    );
    const model = api.app.get<Model<ChangesetDoc>>(getModelToken(ChangesetDoc.name));
    await model.updateOne({ _id: changeset.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await confirm(alice, changeset.id, changeset.token);
    expect(res.status).toBe(410);
    expect(errorOf(res).code).toBe('gone');
    expect((await getEvent(alice, event.id)).body.version).toBe(1);
    expect(
      (await api.request<ChangesetResponseDto>(`/v1/changesets/${changeset.id}`, { token: alice.token })).body
        .state,
    ).toBe('expired');
  });

  it("answers 404 for another user's changeset or token", async () => {
    const target = day(2);
    await createEvent(alice, 'Haircut', at(target.date, '11:00'));
    const mine = expectPreview(await say(alice, `Move my haircut to ${target.weekday} at 1pm`));
    expect((await confirm(bob, mine.id, mine.token)).status).toBe(404);
    expect((await api.request(`/v1/changesets/${mine.id}`, { token: bob.token })).status).toBe(404);
    expect((await undo(bob, mine.id)).status).toBe(404);
    await createEvent(bob, 'Haircut', at(target.date, '11:00'));
    const his = expectPreview(await say(bob, `Move my haircut to ${target.weekday} at 2pm`));
    expect((await confirm(bob, his.id, mine.token)).status).toBe(404); // alice's token on bob's changeset
    expect((await confirm(alice, mine.id, 'not-the-token')).status).toBe(404);
    expect((await api.request('/v1/changesets/not-an-id', { token: alice.token })).status).toBe(404);
    // Alice's own preview still works after all that.
    expect((await confirm(alice, mine.id, mine.token)).status).toBe(200);
  });

  it('asks which one when several match, and takes "2" or "the 9am one" as the answer', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const target = day(3);
    const morning = await createEvent(user, 'Team sync', at(target.date, '09:00'));
    const afternoon = await createEvent(user, 'Team sync', at(target.date, '15:00'));
    const question = await say(user, 'Cancel the team sync');
    expect(question.status).toBe(200);
    expect(question.body.changeset).toBeUndefined();
    expect(resultOf(question, 'choices').candidates.map((c) => [c.number, c.eventId])).toEqual([
      [1, morning.id],
      [2, afternoon.id],
    ]);
    expect(question.body.reply).toMatch(/Which one.*1\. “Team sync”.*2\. “Team sync”/);

    const answer = expectPreview(await say(user, '2'));
    expect(answer.items[0].eventId).toBe(afternoon.id);

    await say(user, 'Cancel the team sync');
    const byTime = expectPreview(await say(user, 'the 9am one'));
    expect(byTime.items[0].eventId).toBe(morning.id);
    // The question is answered: "2" now means nothing.
    expect((await say(user, '2')).body.plan.intent).toBe('unknown');
  });

  it('says so when nothing matches', async () => {
    const res = await say(bob, 'Cancel my board meeting');
    expect(res.status).toBe(200);
    expect(res.body.changeset).toBeUndefined();
    expect(res.body.reply).toMatch(/couldn't find “board meeting”/);
  });

  it('"move it" right after a create refers to that event', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const tomorrow = day(1).date;
    const created = await say(user, 'Add lunch with the team tomorrow at noon');
    const eventId = resultOf(created, 'created').event.id;
    const changeset = expectPreview(await say(user, 'move it to 4pm'));
    expect(changeset.items[0]).toMatchObject({ eventId, title: 'Lunch with the team' });
    expect(local(afterOf(changeset).startLocal)).toBe(at(tomorrow, '16:00'));
    expect((await confirm(user, changeset.id, changeset.token)).status).toBe(200);
    expect(local((await getEvent(user, eventId)).body.startLocal)).toBe(at(tomorrow, '16:00'));
    // "it" with nothing to refer to.
    const stranger = await registerUser(api, { timeZone: ZONE });
    const res = await say(stranger, 'cancel it');
    expect(res.body.changeset).toBeUndefined();
    expect(res.body.reply).toMatch(/Which event/);
  });

  it('takes no action on unknown or bulk destructive requests', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const kept = await createEvent(user, 'Keep me', at(day(1).date, '10:00'));
    for (const text of ["What's the weather like in Paris?", 'Delete all my events', 'asdfgh qwerty']) {
      const res = await say(user, text);
      expect({ text, status: res.status, intent: res.body.plan.intent }).toEqual({
        text,
        status: 200,
        intent: 'unknown',
      });
      expect(res.body.changeset).toBeUndefined();
      expect(res.body.reply).toContain('Lunch with Sam tomorrow at noon'); // examples
    }
    expect((await getEvent(user, kept.id)).status).toBe(200);
  });

  it('validates the text: 400 naming it when empty or longer than 1000 characters', async () => {
    for (const text of ['', 'x'.repeat(1001)]) {
      const res = await say(alice, text);
      expect(res.status).toBe(400);
      expect(errorOf(res).message).toContain('text');
    }
    expect(
      (await api.request('/v1/assistant/messages', { method: 'POST', json: { text: 'hi' } })).status,
    ).toBe(401);
  });

  it('limits each user to 30 messages a minute (429 with Retry-After)', async () => {
    const user = await registerUser(api, { timeZone: ZONE });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await say(user, 'hello')).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const refused = await say(user, 'hello');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user is not affected.
    expect((await say(bob, 'hello')).status).toBe(200);
  });

  it('resolves time phrases with flags (POST /v1/time/resolve)', async () => {
    const tomorrow = day(1).date;
    const res = await api.request<TimeResolutionDto>('/v1/time/resolve', {
      method: 'POST',
      token: alice.token,
      json: { text: 'tomorrow at 3' } satisfies TimeResolveRequest,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'time', timeZone: ZONE, ambiguous: true, in_past: false });
    expect(local(res.body.candidates[0].startLocal)).toBe(at(tomorrow, '15:00'));
    expect(res.body.alternatives[0]).toMatchObject({ reading: '03:00', outside_working_hours: true });
    const tokyo = await api.request<TimeResolutionDto>('/v1/time/resolve', {
      method: 'POST',
      token: alice.token,
      json: { text: 'next week', timeZone: 'Asia/Tokyo' },
    });
    expect(tokyo.body).toMatchObject({ kind: 'span', timeZone: 'Asia/Tokyo' });
    expect(tokyo.body.candidates[0].startLocal).toMatch(/T00:00:00\+09:00$/);
    const bad = await api.request('/v1/time/resolve', {
      method: 'POST',
      token: alice.token,
      json: { text: 'tomorrow', timeZone: 'Mars/Base' },
    });
    expect(bad.status).toBe(400);
    expect(
      (await api.request('/v1/time/resolve', { method: 'POST', json: { text: 'tomorrow' } })).status,
    ).toBe(401);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = await api.request<{ paths: Record<string, unknown> }>('/docs-json');
    expect(doc.status).toBe(200);
    for (const route of [
      '/v1/assistant/messages',
      '/v1/changesets/{id}/confirm',
      '/v1/changesets/{id}/undo',
      '/v1/time/resolve',
    ]) {
      expect({ route, documented: route in doc.body.paths }).toEqual({ route, documented: true });
    }
  });

  it('documents plan version 2 in Swagger: the new fields and a JSON example of each kind of answer', async () => {
    type Op = {
      requestBody: {
        content: { 'application/json': { examples: Record<string, { value: { text: string } }> } };
      };
      responses: Record<
        string,
        { content: { 'application/json': { examples?: Record<string, unknown>; example?: unknown } } }
      >;
    };
    const doc = await api.request<{
      paths: Record<string, Record<string, Op>>;
      components: { schemas: Record<string, unknown> };
    }>('/docs-json');
    const message = doc.body.paths['/v1/assistant/messages'].post;
    expect(
      Object.values(message.requestBody.content['application/json'].examples).map((e) => e.value.text),
    ).toEqual(
      expect.arrayContaining([
        'Am I free with Priya Thursday at 2?',
        'Cancel all my meetings on Friday',
        'undo that',
      ]),
    );
    const answers = message.responses['200'].content['application/json'].examples as Record<
      string,
      { value: AssistantMessageResponseDto }
    >;
    expect(answers.check.value).toMatchObject({
      plan: { intent: 'check', attendees: ['Priya'] },
      result: { type: 'check', free: false, people: [{ email: 'priya@example.com' }] },
    });
    expect(answers.shift.value.plan).toMatchObject({ intent: 'move', shift: 'PT30M' });
    expect(answers.bulkCancel.value.plan.target).toMatchObject({ all: true });
    expect(answers.undo.value).toMatchObject({ plan: { intent: 'undo' }, changeset: { state: 'undone' } });
    for (const route of ['/v1/changesets/{id}/confirm', '/v1/changesets/{id}/undo'])
      expect(doc.body.paths[route].post.responses['200'].content['application/json'].example).toMatchObject({
        changeset: { kind: 'cancel' },
      });
    // The plan's version-2 fields are in the schema, described.
    const schemas = JSON.stringify(doc.body.components.schemas);
    for (const field of ['"shift"', '"attendees"', '"all"', '"notVisible"', '"people"'])
      expect({ field, documented: schemas.includes(field) }).toEqual({ field, documented: true });
  });

  it('counts requests and changesets in the metrics', async () => {
    const metrics = (await api.request('/metrics')).text;
    expect(metrics).toMatch(
      /assistant_requests_total\{interpreter="offline",intent="create",outcome="ok"\} \d+/,
    );
    expect(metrics).toMatch(
      /assistant_requests_total\{interpreter="offline",intent="move",outcome="preview"\} \d+/,
    );
    expect(metrics).toMatch(
      /assistant_requests_total\{interpreter="none",intent="none",outcome="rate_limited"\} \d+/,
    );
    expect(metrics).toMatch(/assistant_request_duration_seconds_count\{interpreter="offline"\} \d+/);
    for (const state of ['previewed', 'confirmed', 'expired', 'undone']) {
      expect(metrics).toMatch(new RegExp(`changesets_total\\{state="${state}"\\} [1-9]`));
    }
  });
});
