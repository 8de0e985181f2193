import ICAL from 'ical.js';
import type { EventResponseDto, EventWriteResponseDto } from '@app/calendar';
import { runOps } from '../support/cli';
import { waitFor } from '../support/eventually';
import { startSmtpCatcher, SmtpCatcher, CaughtMail } from '../support/smtp-catcher';
import { testConfig } from '../support/test-env';
import { ApiErrorBody, startTestApi, TestApi } from '../support/test-app';
import { registerUser, TestUser, uniqueAddress } from '../support/users';

type Vevent = InstanceType<typeof ICAL.Component>;

/** The calendar part of a mail, read with ical.js: the VCALENDAR and its (first) VEVENT. */
function calendarOf(mail: CaughtMail): { cal: Vevent; vevent: Vevent; method: string } {
  expect(mail.calendar).toBeDefined();
  const cal = new ICAL.Component(ICAL.parse(mail.calendar!.text) as unknown[]);
  const vevent = cal.getFirstSubcomponent('vevent') as Vevent;
  return { cal, vevent, method: String(cal.getFirstPropertyValue('method')) };
}

const attendeeProp = (vevent: Vevent, email: string) =>
  vevent
    .getAllProperties('attendee')
    .find((p) => String(p.getFirstValue()).toLowerCase() === `mailto:${email}`);

/** A guest's answer as a mail client writes it (RFC 5546 §3.2.3). */
function reply(uid: string, organizer: string, attendee: string, partstat: string, method = 'REPLY'): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Test//Mail client//EN',
    `METHOD:${method}`,
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20261205T090000Z',
    'SEQUENCE:0',
    `ORGANIZER:mailto:${organizer}`,
    `ATTENDEE;PARTSTAT=${partstat}:mailto:${attendee}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/**
 * Issue 16, invitations by email: A invites B (an account) and C (no account); C gets iTIP mail on a
 * real SMTP server (smtp-server on a loopback port) and answers through POST /v1/itip.
 */
describe('meetings by email: iTIP REQUEST/CANCEL over SMTP and REPLY through /v1/itip', () => {
  let smtp: SmtpCatcher;
  let api: TestApi;
  let alex: TestUser; // organizer
  let bea: TestUser; // guest with an account
  const chris = uniqueAddress('elsewhere.example'); // guest without an account

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    api = await startTestApi(
      await testConfig({ SMTP_URL: smtp.url, MAIL_FROM: 'Calendar <calendar@example.test>' }),
    );
    [alex, bea] = await Promise.all([
      registerUser(api, { timeZone: 'Europe/Berlin' }),
      registerUser(api, { timeZone: 'UTC' }),
    ]);
  });
  afterAll(async () => {
    await api?.close();
    await smtp?.close();
  });

  const create = (json: Record<string, unknown>) =>
    api.request<EventWriteResponseDto>('/v1/events', { method: 'POST', token: alex.token, json });
  const get = (id: string) => api.request<EventResponseDto>(`/v1/events/${id}`, { token: alex.token });
  const postItip = (body: string, token = alex.token, contentType = 'text/calendar') =>
    api.request<EventResponseDto & ApiErrorBody>('/v1/itip', {
      method: 'POST',
      token,
      headers: { 'content-type': contentType },
      body,
    });
  const statusOf = (e: EventResponseDto, email: string) =>
    e.attendees.find((a) => a.email === email)?.responseStatus;
  /** Waits for the mail to `to` with this METHOD and SEQUENCE. */
  const mailTo = (to: string, method: string, sequence: number) =>
    waitFor(`${method} SEQUENCE ${sequence} to ${to}`, 15_000, async () =>
      smtp.to(to).find((m) => {
        if (!m.calendar) return false;
        const { vevent, method: got } = calendarOf(m);
        return got === method && Number(vevent.getFirstPropertyValue('sequence')) === sequence;
      }),
    );

  it('C gets a valid REQUEST, C’s REPLY updates A’s event, a move sends SEQUENCE+1, removing B sends B a CANCEL, the cancel sends C a CANCEL', async () => {
    const created = await create({
      title: 'Roadmap review',
      start: '2027-03-10T09:00:00Z',
      end: '2027-03-10T10:00:00Z',
      timeZone: 'Europe/Berlin',
      attendees: [bea.email, chris],
    });
    expect(created.status).toBe(201);
    expect(created.body.invitationsSent).toBe(true);
    const meeting = created.body.event;

    // C's invitation: METHOD:REQUEST in a text/calendar part with every property iTIP needs.
    const invitation = await mailTo(chris, 'REQUEST', 0);
    expect(invitation.calendar?.method).toBe('REQUEST');
    expect(invitation.parsed.subject).toContain('Invitation: Roadmap review');
    expect(invitation.parsed.replyTo?.text).toContain(alex.email);
    const { cal, vevent } = calendarOf(invitation);
    expect(vevent.getFirstPropertyValue('uid')).toBe(meeting.uid);
    expect(vevent.getFirstPropertyValue('dtstamp')).toBeTruthy();
    expect(String(vevent.getFirstPropertyValue('organizer'))).toBe(`mailto:${alex.email}`);
    const c = attendeeProp(vevent, chris);
    expect(c?.getParameter('partstat')).toBe('NEEDS-ACTION');
    expect(c?.getParameter('rsvp')).toBe('TRUE');
    expect(attendeeProp(vevent, alex.email)?.getParameter('partstat')).toBe('ACCEPTED');
    const dtstart = vevent.getFirstProperty('dtstart');
    expect(dtstart?.getParameter('tzid')).toBe('Europe/Berlin');
    expect(cal.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual([
      'Europe/Berlin',
    ]);
    // B (an account) is mailed too: their own mail client learns of the meeting.
    await mailTo(bea.email, 'REQUEST', 0);

    // C answers from their mail client; A posts the REPLY: A sees C accepted. An answer mails nobody.
    const replied = await postItip(reply(meeting.uid, alex.email, chris, 'ACCEPTED'));
    expect(replied.status).toBe(200);
    expect(statusOf(replied.body, chris)).toBe('accepted');
    expect(statusOf((await get(meeting.id)).body, chris)).toBe('accepted');

    // A moves the meeting: C gets a new REQUEST with SEQUENCE + 1 (and has to answer again).
    const moved = await api.request<EventWriteResponseDto>(`/v1/events/${meeting.id}`, {
      method: 'PATCH',
      token: alex.token,
      json: { start: '2027-03-11T09:00:00Z', end: '2027-03-11T10:00:00Z' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.invitationsSent).toBe(true);
    expect(moved.body.event.sequence).toBe(1);
    const update = calendarOf(await mailTo(chris, 'REQUEST', 1));
    expect(String(update.vevent.getFirstPropertyValue('dtstart'))).toBe('2027-03-11T10:00:00');
    expect(attendeeProp(update.vevent, chris)?.getParameter('partstat')).toBe('NEEDS-ACTION');

    // A removes B: B gets a CANCEL naming only B; C gets the update.
    const removed = await api.request<EventWriteResponseDto>(`/v1/events/${meeting.id}`, {
      method: 'PATCH',
      token: alex.token,
      json: { attendees: [chris] },
    });
    expect(removed.status).toBe(200);
    const uninvited = calendarOf(await mailTo(bea.email, 'CANCEL', 2));
    expect(uninvited.vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(attendeeProp(uninvited.vevent, bea.email)).toBeDefined();
    expect(attendeeProp(uninvited.vevent, chris)).toBeUndefined();
    await mailTo(chris, 'REQUEST', 2);

    // A cancels: C gets METHOD:CANCEL with a higher SEQUENCE still.
    const cancelled = await api.request(`/v1/events/${meeting.id}`, { method: 'DELETE', token: alex.token });
    expect(cancelled.status).toBe(204);
    expect(cancelled.headers.get('invitations-sent')).toBe('true');
    const cancel = await mailTo(chris, 'CANCEL', 3);
    expect(cancel.calendar?.method).toBe('CANCEL');
    expect(calendarOf(cancel).vevent.getFirstPropertyValue('uid')).toBe(meeting.uid);

    // Each (METHOD, SEQUENCE) reached C once: the REPLY sent nothing, and nothing was mailed twice.
    const sent = smtp.to(chris).map((m) => {
      const { vevent, method } = calendarOf(m);
      return `${method}:${String(vevent.getFirstPropertyValue('sequence'))}`;
    });
    expect(sent.sort()).toEqual(['CANCEL:3', 'REQUEST:0', 'REQUEST:1', 'REQUEST:2']);
  });

  it('answers 4xx to a REPLY it cannot apply and changes nothing', async () => {
    const created = await create({
      title: 'Budget',
      start: '2027-04-01T09:00:00Z',
      end: '2027-04-01T10:00:00Z',
      attendees: [chris],
    });
    const meeting = created.body.event;
    const before = (await get(meeting.id)).body;

    const unknownUid = await postItip(reply('no-such-uid@example.test', alex.email, chris, 'ACCEPTED'));
    expect(unknownUid.status).toBe(422);
    expect(unknownUid.body.error.message).toMatch(/No meeting with UID no-such-uid@example.test/);

    const stranger = await postItip(reply(meeting.uid, alex.email, uniqueAddress(), 'ACCEPTED'));
    expect(stranger.status).toBe(422);
    expect(stranger.body.error.message).toMatch(/is not a guest/);

    // Someone who is not the organizer cannot apply answers to A's meeting.
    const notOrganizer = await postItip(reply(meeting.uid, alex.email, chris, 'ACCEPTED'), bea.token);
    expect(notOrganizer.status).toBe(422);

    const notIcal = await postItip('hello, I will come');
    expect(notIcal.status).toBe(400);
    expect(notIcal.body.error.message).toMatch(/not iCalendar/);

    const request = await postItip(reply(meeting.uid, alex.email, chris, 'ACCEPTED', 'REQUEST'));
    expect(request.status).toBe(422);
    expect(request.body.error.message).toMatch(/METHOD:REPLY.*METHOD:REQUEST/);

    const needsAction = await postItip(reply(meeting.uid, alex.email, chris, 'NEEDS-ACTION'));
    expect(needsAction.status).toBe(422);
    expect(needsAction.body.error.message).toMatch(/PARTSTAT/);

    const noIcs = await postItip(JSON.stringify({ text: 'hi' }), alex.token, 'application/json');
    expect(noIcs.status).toBe(415);

    const after = (await get(meeting.id)).body;
    expect(after.version).toBe(before.version);
    expect(statusOf(after, chris)).toBe('needsAction');

    // The same REPLY as JSON {ics} is applied.
    const asJson = await postItip(
      JSON.stringify({ ics: reply(meeting.uid, alex.email, chris, 'TENTATIVE') }),
      alex.token,
      'application/json',
    );
    expect(asJson.status).toBe(200);
    expect(statusOf(asJson.body, chris)).toBe('tentative');
  });

  it('a REPLY with RECURRENCE-ID answers that one occurrence of a weekly meeting (the RSVP scope `this`)', async () => {
    const weekly = await create({
      title: 'Weekly',
      start: '2027-06-07T08:00:00Z',
      end: '2027-06-07T09:00:00Z',
      timeZone: 'Europe/Berlin',
      recurrence: 'RRULE:FREQ=WEEKLY;COUNT=3',
      attendees: [chris],
    });
    expect(weekly.status).toBe(201);
    const { uid, id } = weekly.body.event;
    const text = reply(uid, alex.email, chris, 'DECLINED').replace(
      'SEQUENCE:0',
      'SEQUENCE:0\r\nRECURRENCE-ID;TZID=Europe/Berlin:20270614T100000',
    );
    const res = await postItip(text);
    expect(res.status).toBe(200);
    const after = (await get(id)).body;
    expect(statusOf(after, chris)).toBe('needsAction');
    const second = after.overrides.find((o) => o.originalStart === '2027-06-14T08:00:00.000Z');
    expect(second?.attendees?.find((a) => a.email === chris)?.responseStatus).toBe('declined');
  });

  it('an event without guests mails nobody (invitationsSent false)', async () => {
    const solo = await create({ title: 'Focus', start: '2027-04-02T09:00:00Z', end: '2027-04-02T10:00:00Z' });
    expect(solo.status).toBe(201);
    expect(solo.body.invitationsSent).toBe(false);
  });

  it('a reminder also goes by email to the calendar owner, and /metrics counts the mail', async () => {
    // Starts 65 s from now with a 1-minute reminder: due in about 5 s.
    const start = new Date(Date.now() + 65_000);
    const created = await create({
      title: 'Standup',
      start: start.toISOString(),
      end: new Date(start.getTime() + 15 * 60_000).toISOString(),
      reminders: [1],
    });
    expect(created.status).toBe(201);
    const mail = await waitFor('the reminder mail', 30_000, async () =>
      smtp.to(alex.email).find((m) => m.parsed.subject?.startsWith('Reminder: Standup')),
    );
    expect(mail.parsed.text).toContain('"Standup" starts in 1 min');
    const metrics = (await api.request('/metrics')).text;
    expect(metrics).toMatch(/reminders_fired_total\{[^}]*channel="email"[^}]*outcome="on_time"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/mail_deliveries_total\{outcome="sent"\} [1-9]/);
  });

  it('ops check dependencies shows the SMTP server, and never its password', async () => {
    const services = await testConfig();
    const env = { MONGODB_URI: services.mongodbUri, REDIS_URL: services.redisUrl };
    const up = await runOps(['check', 'dependencies', '--json'], { ...env, SMTP_URL: smtp.url });
    const upChecks = JSON.parse(up.stdout).checks as { name: string; state: string }[];
    // (MongoDB and Redis are health.e2e's subject; a cold CLI on a busy machine may miss Redis' 800 ms.)
    expect(upChecks.map((c) => c.name)).toEqual(['mongodb', 'redis', 'smtp']);
    expect(upChecks[2]).toMatchObject({ name: 'smtp', state: 'connected', message: smtp.url });

    const closed = new URL(smtp.url);
    closed.port = '1';
    closed.username = 'mailer';
    closed.password = 'hunter2-secret';
    const down = await runOps(['check', 'dependencies'], { ...env, SMTP_URL: closed.toString() });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/smtp\s+disconnected/);
    expect(down.stdout + down.stderr).not.toContain('hunter2-secret');

    const off = await runOps(['check', 'dependencies', '--json'], env);
    expect((JSON.parse(off.stdout).checks as { name: string }[]).map((c) => c.name)).not.toContain('smtp');
  });
});

describe('meetings without SMTP_URL', () => {
  let api: TestApi;
  let alex: TestUser;

  beforeAll(async () => {
    api = await startTestApi(await testConfig());
    alex = await registerUser(api, { timeZone: 'UTC' });
  });
  afterAll(() => api?.close());

  it('sends nothing and says so: invitationsSent false on create and update, Invitations-Sent false on delete', async () => {
    const created = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: alex.token,
      json: {
        title: 'Sync',
        start: '2027-05-03T09:00:00Z',
        end: '2027-05-03T10:00:00Z',
        attendees: [uniqueAddress('elsewhere.example')],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.invitationsSent).toBe(false);
    const id = created.body.event.id;
    const moved = await api.request<EventWriteResponseDto>(`/v1/events/${id}`, {
      method: 'PATCH',
      token: alex.token,
      json: { title: 'Sync (moved)' },
    });
    expect(moved.body.invitationsSent).toBe(false);
    expect(moved.body.event.sequence).toBe(1);
    const deleted = await api.request(`/v1/events/${id}`, { method: 'DELETE', token: alex.token });
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('invitations-sent')).toBe('false');
  });
});
