import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CalendarResponseDto } from '@app/calendar';
import { ensureDebianPackage } from '../support/debian-package';
import { testConfig } from '../support/test-env';
import { startTestApi, TestApi } from '../support/test-app';
import { createAppPassword, registerUser, TestUser } from '../support/users';

const LITMUS = '/usr/bin/litmus';
const SUITES = ['basic', 'copymove', 'props', 'locks', 'http'];
/** What litmus reports failed: nothing, in any suite (locking is not offered, so its tests are skipped). */
const EXPECTED_FAILURES: Record<string, string[]> = {
  basic: [],
  copymove: [],
  props: [],
  locks: [],
  http: [],
};

interface SuiteResult {
  run: number;
  passed: number;
  failed: string[];
}

/** Each suite's summary line and the names of the tests it failed, from litmus's output. */
function parseLitmus(out: string): Record<string, SuiteResult> {
  const results: Record<string, SuiteResult> = {};
  for (const chunk of out.split(/^-> running `/m).slice(1)) {
    const suite = chunk.slice(0, chunk.indexOf("'"));
    const summary = chunk.match(/<- summary for `\w+': of (\d+) tests run: (\d+) passed/);
    if (!summary) continue; // the suite stopped before its summary (a FAILHARD in begin)
    const failed = [...new Set([...chunk.matchAll(/\d+\. (\w+)\.+ FAIL/g)].map((m) => m[1]))];
    results[suite] = { run: Number(summary[1]), passed: Number(summary[2]), failed };
  }
  return results;
}

/**
 * litmus, Debian's WebDAV server test suite, against a calendar collection: it works in a plain
 * collection it makes inside the calendar (`litmus/`). Every suite passes; locking is not offered
 * (no DAV class 2), so litmus skips its lock tests.
 */
describe('CalDAV: litmus (WebDAV test suite) against a calendar', () => {
  let api: TestApi;
  let user: TestUser;
  let password: string;
  let workDir: string;
  const calendarUrl = () => `${api.baseUrl}/dav/calendars/${user.id}/${user.id}/`;
  const dav = (
    method: string,
    url: string,
    init: { body?: string; headers?: Record<string, string>; as?: { email: string; password: string } } = {},
  ) => {
    const as = init.as ?? { email: user.email, password };
    return fetch(url, {
      method,
      body: init.body,
      headers: {
        authorization: `Basic ${Buffer.from(`${as.email}:${as.password}`).toString('base64')}`,
        ...init.headers,
      },
    });
  };

  beforeAll(async () => {
    ensureDebianPackage('litmus', () => existsSync(LITMUS));
    // litmus writes debug.log and child.log where it runs.
    workDir = mkdtempSync(path.join(tmpdir(), 'litmus-'));
    api = await startTestApi(await testConfig());
    user = await registerUser(api);
    password = (await createAppPassword(api, user, { name: 'litmus' })).password;
  });
  afterAll(async () => {
    await api?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('passes basic, copymove, props and http, and skips locks', async () => {
    // litmus exits non-zero when any test fails: its output says which, and is what is asserted.
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        LITMUS,
        ['-k', calendarUrl(), user.email, password],
        { cwd: workDir, env: { ...process.env, TESTS: SUITES.join(' ') }, timeout: 45_000 },
        (err, stdout) => (err && err.killed ? reject(err) : resolve(stdout)),
      ),
    );
    const results = parseLitmus(out);
    expect({ suites: Object.keys(results), out }).toEqual({ suites: SUITES, out });
    const failures = Object.fromEntries(SUITES.map((s) => [s, results[s].failed]));
    expect({ failures, out }).toEqual({ failures: EXPECTED_FAILURES, out });
    // Nothing skipped in props (a failed PUT or PROPPATCH would skip what follows), http or copymove.
    expect(results.props).toEqual({ run: 30, passed: 30, failed: [] });
    expect(results.http).toEqual({ run: 4, passed: 4, failed: [] });
    expect(results.copymove).toEqual({ run: 13, passed: 13, failed: [] });
    expect(out).toMatch(/locking tests skipped,\s*server does not claim Class 2 compliance/);
  });

  it('keeps what litmus leaves out of the calendar: no event, and a calendar object still must be iCalendar', async () => {
    expect((await dav('MKCOL', `${calendarUrl()}notes/`)).status).toBe(201);
    const put = await dav('PUT', `${calendarUrl()}notes/todo.txt`, {
      body: 'buy milk\n',
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.status).toBe(201);
    const got = await dav('GET', `${calendarUrl()}notes/todo.txt`);
    expect({ status: got.status, body: await got.text(), etag: got.headers.get('etag') }).toEqual({
      status: 200,
      body: 'buy milk\n',
      etag: put.headers.get('etag'),
    });
    // A dead property with an XML value comes back with its elements, attributes and namespaces.
    const patched = await dav('PROPPATCH', `${calendarUrl()}notes/todo.txt`, {
      body: '<propertyupdate xmlns="DAV:"><set><prop><t:tags xmlns:t="urn:example:t"><tag xmlns="http://bar" level="2">home</tag><tag xmlns="http://bar">shop</tag></t:tags></prop></set></propertyupdate>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(patched.status).toBe(207);
    expect(await patched.text()).toContain('HTTP/1.1 200 OK');
    const found = await dav('PROPFIND', `${calendarUrl()}notes/todo.txt`, {
      body: '<propfind xmlns="DAV:"><prop><tags xmlns="urn:example:t"/></prop></propfind>',
      headers: { depth: '0', 'content-type': 'application/xml' },
    });
    const text = await found.text();
    const prefix = (ns: string) => text.match(new RegExp(`xmlns:(\\w+)="${ns}"`))?.[1];
    const [t, bar] = [prefix('urn:example:t'), prefix('http://bar')];
    expect(text).toContain(
      `<${t}:tags><${bar}:tag level="2">home</${bar}:tag><${bar}:tag>shop</${bar}:tag></${t}:tags>`,
    );
    // The calendar lists no event for it (nor the plain collection: calendar apps never see them).
    const members = await dav('PROPFIND', calendarUrl(), {
      body: '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>',
      headers: { depth: '1', 'content-type': 'application/xml' },
    });
    expect(members.status).toBe(207);
    expect((await members.text()).match(/<d:response>/g)).toHaveLength(1);
    const notIcs = await dav('PUT', `${calendarUrl()}todo.ics`, {
      body: 'buy milk\n',
      headers: { 'content-type': 'text/calendar' },
    });
    expect(notIcs.status).toBe(403);
    expect(await notIcs.text()).toContain('valid-calendar-data');
    const fileInCalendar = await dav('PUT', `${calendarUrl()}todo.txt`, {
      body: 'buy milk\n',
      headers: { 'content-type': 'text/plain' },
    });
    expect(fileInCalendar.status).toBe(403);
    expect(await fileInCalendar.text()).toContain('valid-calendar-data');
    const copied = await dav('COPY', `${calendarUrl()}notes/todo.txt`, {
      headers: { destination: `${calendarUrl()}todo.txt` },
    });
    expect(copied.status).toBe(403);
    // A read-only app password reads the file and changes nothing.
    const readOnly = await createAppPassword(api, user, { name: 'reader', scope: 'read' });
    const ro = { email: user.email, password: readOnly.password };
    expect((await dav('GET', `${calendarUrl()}notes/todo.txt`, { as: ro })).status).toBe(200);
    const refused = await dav('DELETE', `${calendarUrl()}notes/todo.txt`, { as: ro });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('need-privileges');
    // Another user's calendar: not found, whatever the path below it.
    const other = await registerUser(api);
    const elsewhere = await dav('MKCOL', `${api.baseUrl}/dav/calendars/${other.id}/${other.id}/notes/`);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.text()).toContain('<d:error');
  });

  it("counts the limits against the calendars' owner: 20 plain collections across their calendars, then 507", async () => {
    const owner = await registerUser(api);
    const made = await createAppPassword(api, owner, { name: 'webdav' });
    const as = { email: owner.email, password: made.password };
    const second = await api.request<CalendarResponseDto>('/v1/calendars', {
      method: 'POST',
      token: owner.token,
      json: { name: 'Side' },
    });
    expect(second.status).toBe(201);
    const base = `${api.baseUrl}/dav/calendars/${owner.id}/`;
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const calendarId = i % 2 === 0 ? owner.id : second.body.id;
      statuses.push((await dav('MKCOL', `${base}${calendarId}/c${i}/`, { as })).status);
    }
    expect(statuses).toEqual(Array(20).fill(201));
    const over = await dav('MKCOL', `${base}${second.body.id}/one-more/`, { as });
    expect(over.status).toBe(507);
    expect(await over.text()).toContain('quota-not-exceeded');
    expect((await dav('DELETE', `${base}${owner.id}/c0/`, { as })).status).toBe(204);
    expect((await dav('MKCOL', `${base}${second.body.id}/one-more/`, { as })).status).toBe(201);
  });
});
