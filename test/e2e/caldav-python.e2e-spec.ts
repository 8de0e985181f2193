import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EventWriteResponseDto, OccurrencePageDto } from '@app/calendar';
import { ensureDebianPackage } from '../support/debian-package';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { createAppPassword, registerUser, TestUser } from '../support/users';

const run = promisify(execFile);
const SCRIPT = path.join(__dirname, '..', 'support', 'caldav-python-client.py');
const WINDOW = 'from=2027-03-01T00:00:00Z&to=2027-04-01T00:00:00Z';

/**
 * Interoperability with python3-caldav (Debian's package, a client nobody on this project wrote):
 * discovery, pulling events made through the API, create, edit (one occurrence too) and delete seen
 * in the API, an API change seen at its next sync, and a stale edit refused with 412.
 */
describe('CalDAV interop: python3-caldav', () => {
  let api: TestApi;
  let user: TestUser;
  let password: string;

  const step = async (...args: string[]) => {
    const { stdout } = await run('/usr/bin/python3', [SCRIPT, ...args], {
      env: { ...process.env, DAV_URL: `${api.baseUrl}/dav/`, DAV_USER: user.email, DAV_PASSWORD: password },
      timeout: 30_000,
    });
    return JSON.parse(stdout) as {
      calendars: string[];
      events?: string[];
      url?: string;
      data?: string;
      token?: string;
      objects?: { url: string; etag: string | null; data: string | null }[];
      status?: number;
    };
  };
  const titles = async () =>
    (await api.request<OccurrencePageDto>(`/v1/events?${WINDOW}`, { token: user.token })).body.items.map(
      (o) => o.title,
    );

  beforeAll(async () => {
    ensureDebianPackage(
      'python3-caldav',
      () => spawnSync('/usr/bin/python3', ['-c', 'import caldav'], { stdio: 'ignore' }).status === 0,
    );
    api = await startTestApi(await testConfig());
    user = await registerUser(api);
    password = (await createAppPassword(api, user, { name: 'python3-caldav' })).password;
    const made = await api.request<EventWriteResponseDto>('/v1/events', {
      method: 'POST',
      token: user.token,
      json: { title: 'Made in the API', start: '2027-03-10T09:00' },
    });
    expect(made.status).toBe(201);
  });
  afterAll(() => api?.close());

  it('discovers the calendars and pulls the events made through the API', async () => {
    const seen = await step('list');
    expect(seen.calendars.map((u) => new URL(u).pathname)).toEqual([`/dav/calendars/${user.id}/${user.id}/`]);
    expect(seen.events).toHaveLength(1);
    expect(seen.events?.[0]).toContain('SUMMARY:Made in the API');
  });

  it('creates, edits and deletes, each seen in the API', async () => {
    const created = await step('create', 'py-1', 'From python');
    expect(new URL(created.url ?? '').pathname).toBe(`/dav/calendars/${user.id}/${user.id}/py-1.ics`);
    expect(await titles()).toEqual(expect.arrayContaining(['From python']));

    const edited = await step('edit', 'py-1', 'Edited in python');
    expect(edited.data).toContain('SUMMARY:Edited in python');
    expect(await titles()).toEqual(expect.arrayContaining(['Edited in python']));

    await step('delete', 'py-1');
    expect(await titles()).toEqual(['Made in the API']);
  });

  it("edits one occurrence of a recurring event (an override with RECURRENCE-ID): the API shows that occurrence's exception", async () => {
    await step('series', 'py-weekly', 'Weekly from python');
    const edited = await step('edit-occurrence', 'py-weekly', 'Moved in python');
    expect(edited.data).toMatch(/RECURRENCE-ID:20270315T100000Z/);
    const items = (
      await api.request<OccurrencePageDto>(`/v1/events?${WINDOW}`, { token: user.token })
    ).body.items.filter((o) => o.title.includes('python'));
    expect(items.map((o) => [o.originalStart, o.start, o.title, o.overridden])).toEqual([
      ['2027-03-01T10:00:00.000Z', '2027-03-01T10:00:00.000Z', 'Weekly from python', false],
      ['2027-03-08T10:00:00.000Z', '2027-03-08T10:00:00.000Z', 'Weekly from python', false],
      ['2027-03-15T10:00:00.000Z', '2027-03-15T12:00:00.000Z', 'Moved in python', true],
      ['2027-03-22T10:00:00.000Z', '2027-03-22T10:00:00.000Z', 'Weekly from python', false],
    ]);
  });

  it('sees an API change at its next sync, and its stale edit of it gets 412 and changes nothing', async () => {
    await step('create', 'py-2', 'Shared plan');
    const first = await step('sync');
    const mine = first.objects?.find((o) => o.url.endsWith('/py-2.ics'));
    expect(mine?.etag).toBe('"1"');

    const id = (
      await api.request<OccurrencePageDto>(`/v1/events?${WINDOW}`, { token: user.token })
    ).body.items.find((o) => o.title === 'Shared plan')?.seriesId;
    const patched = await api.request(`/v1/events/${id}`, {
      method: 'PATCH',
      token: user.token,
      json: { title: 'Changed in the API' },
    });
    expect(patched.status).toBe(200);

    const next = await step('sync', first.token ?? '');
    // Only what changed since the token: the API's edit. Not the events untouched since, nor py-1,
    // deleted by the test before (maybe within the full sync's settle window): this client never had it.
    const changed = new Map(next.objects?.map((o) => [new URL(o.url).pathname, o.data]));
    const base = `/dav/calendars/${user.id}/${user.id}/`;
    expect([...changed.keys()]).toEqual([`${base}py-2.ics`]);
    expect(changed.get(`${base}py-2.ics`)).toContain('SUMMARY:Changed in the API');

    const stale = await step('put-if-match', 'py-2', 'Edited on a stale copy', mine?.etag ?? '');
    expect(stale.status).toBe(412);
    expect(await titles()).toContain('Changed in the API');
    expect(await titles()).not.toContain('Edited on a stale copy');
  });
});
